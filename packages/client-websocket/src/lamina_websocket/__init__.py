"""lamina-websocket: WebSocket support for ``ClientSession.ws_connect``.

Installing this distribution is enough: it registers itself through the
``lamina`` entry point (see ``_plugin``). The frame codec, the close
handshake and permessage-deflate are websockets' sans-I/O ``Protocol``; this
package adds the handshake over lamina's HTTP stack and aiohttp's client API
on top (``ClientWebSocketResponse``, ``WSMessage``, autoping, heartbeat).
"""

from ._connect import ws_connect
from ._errors import WebSocketError, WSMessageTypeError
from ._models import ClientWSTimeout, WSCloseCode, WSMessage, WSMsgType
from ._response import ClientWebSocketResponse
from ._version import __version__ as __version__

__all__ = [
    "ClientWSTimeout",
    "ClientWebSocketResponse",
    "WSCloseCode",
    "WSMessage",
    "WSMessageTypeError",
    "WSMsgType",
    "WebSocketError",
    "ws_connect",
]
