"""``from lamina import hdrs``: the method and header-name constants of lamina-core."""

from lamina_core.hdrs import *  # noqa: F403
from lamina_core.hdrs import __all__ as __all__
