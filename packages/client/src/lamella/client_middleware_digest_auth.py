"""``lamella.client_middleware_digest_auth``: Digest authentication, under the
names of ``aiohttp.client_middleware_digest_auth``.

Code ported from aiohttp keeps its ``from aiohttp.client_middleware_digest_auth
import ...`` lines with ``lamella`` in place of ``aiohttp``. The names are
looked up in ``lamella`` on first access (see :mod:`lamella._aliases`), so
importing this module costs nothing; a name of aiohttp's module that lamella
does not provide (its parsing helpers) is absent here.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        DigestAuthMiddleware as DigestAuthMiddleware,
    )

alias(
    __name__,
    ("DigestAuthMiddleware",),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
