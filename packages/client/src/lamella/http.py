"""``lamella.http``: HTTP versions and WebSocket messages, as in ``aiohttp.http``.

Code ported from aiohttp keeps its ``from aiohttp.http import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too. aiohttp's server-side parser and
writer classes in ``aiohttp.http`` are not client names.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        HttpVersion as HttpVersion,
    )
    from lamella import (
        HttpVersion10 as HttpVersion10,
    )
    from lamella import (
        HttpVersion11 as HttpVersion11,
    )
    from lamella import (
        WebSocketError as WebSocketError,
    )
    from lamella import (
        WSCloseCode as WSCloseCode,
    )
    from lamella import (
        WSMessage as WSMessage,
    )
    from lamella import (
        WSMsgType as WSMsgType,
    )

alias(
    __name__,
    (
        "HttpVersion",
        "HttpVersion10",
        "HttpVersion11",
        "SERVER_SOFTWARE",
        "WS_KEY",
        "WS_CLOSED_MESSAGE",
        "WS_CLOSING_MESSAGE",
        "WSMessage",
        "WSMessageDecodeText",
        "WSMessageNoDecodeText",
        "WSMessageTextBytes",
        "WebSocketError",
        "WSMsgType",
        "WSCloseCode",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
