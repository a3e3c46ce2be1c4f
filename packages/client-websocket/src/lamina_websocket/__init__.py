"""lamina-websocket: WebSocket support for ``ClientSession.ws_connect``.

``ClientWebSocketResponse``, ``WSMsgType``, ``WSMessage``, the frame codec,
permessage-deflate and heartbeat arrive with the ws_connect issue; the
distribution registers itself through the ``lamina`` entry point (see ``_plugin``).
"""

from ._version import __version__ as __version__

__all__: list[str] = []
