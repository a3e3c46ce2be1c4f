"""``from lamella import hdrs``: the method and header-name constants of lamella-core."""

from lamella_core.hdrs import *  # noqa: F403
from lamella_core.hdrs import __all__ as __all__
