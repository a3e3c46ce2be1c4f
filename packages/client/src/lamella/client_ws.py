"""``lamella.client_ws``: the client WebSocket classes, under the names of ``aiohttp.client_ws``.

Code ported from aiohttp keeps its ``from aiohttp.client_ws import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        ClientWebSocketResponse as ClientWebSocketResponse,
    )
    from lamella import (
        ClientWSTimeout as ClientWSTimeout,
    )

alias(
    __name__,
    (
        "ClientWebSocketResponse",
        "ClientWSTimeout",
        "DEFAULT_WS_CLIENT_TIMEOUT",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
