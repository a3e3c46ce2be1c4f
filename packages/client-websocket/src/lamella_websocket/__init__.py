"""lamella-websocket: WebSocket support for ``ClientSession.ws_connect``.

Installing this distribution is enough: it registers itself through the
``lamella`` entry point (see ``_plugin``). The frame codec, the close
handshake and permessage-deflate are websockets' sans-I/O ``Protocol``; this
package adds the handshake over lamella's HTTP stack and aiohttp's client API
on top (``ClientWebSocketResponse``, ``WSMessage``, autoping, heartbeat).

The names are imported on first use (PEP 562), so that finding the plugin and
creating sessions never loads websockets until a WebSocket is opened.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from ._connect import ws_connect
    from ._errors import WebSocketError, WebSocketMessageTooBig, WSMessageTypeError
    from ._models import ClientWSTimeout, WSCloseCode, WSMessage, WSMsgType
    from ._response import ClientWebSocketResponse

__all__ = [
    "ClientWSTimeout",
    "ClientWebSocketResponse",
    "WSCloseCode",
    "WSMessage",
    "WSMessageTypeError",
    "WSMsgType",
    "WebSocketError",
    "WebSocketMessageTooBig",
    "ws_connect",
]

_HOMES = {
    "ClientWSTimeout": "._models",
    "ClientWebSocketResponse": "._response",
    "WSCloseCode": "._models",
    "WSMessage": "._models",
    "WSMessageTypeError": "._errors",
    "WSMsgType": "._models",
    "WebSocketError": "._errors",
    "WebSocketMessageTooBig": "._errors",
    "ws_connect": "._connect",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
