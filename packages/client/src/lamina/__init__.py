"""lamina: an asyncio HTTP client with aiohttp's client API.

``import lamina`` gives the documented client API under one name. The names
live in the distributions that implement them (``lamina_core`` for now); this
module only re-exports them. The WebSocket names (``lamina_websocket``) are
imported on first use, through ``__getattr__`` (PEP 562), so that
``import lamina`` does not load websockets.
"""

from typing import TYPE_CHECKING, Any

from lamina_core import (
    EMPTY_PAYLOAD,
    BaseConnector,
    BasicAuth,
    BasicTCPConnector,
    ClientConnectionError,
    ClientConnectionResetError,
    ClientConnectorCertificateError,
    ClientConnectorDNSError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ClientError,
    ClientHttpProxyError,
    ClientOSError,
    ClientPayloadError,
    ClientProxyConnectionError,
    ClientRequest,
    ClientResponse,
    ClientResponseError,
    ClientSession,
    ClientSSLError,
    ClientTimeout,
    Connection,
    ConnectionTimeoutError,
    ContentTypeError,
    DummyCookieJar,
    HTTP11Connection,
    HttpVersion,
    HttpVersion10,
    HttpVersion11,
    InvalidURL,
    InvalidUrlClientError,
    InvalidUrlRedirectClientError,
    NonHttpUrlClientError,
    NonHttpUrlRedirectClientError,
    RedirectClientError,
    RequestInfo,
    ServerConnectionError,
    ServerDisconnectedError,
    ServerFingerprintMismatch,
    ServerTimeoutError,
    SocketTimeoutError,
    StreamReader,
    TooManyRedirects,
    UnixClientConnectorError,
    WSServerHandshakeError,
    hookimpl,
    hookspec,
    request,
)

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from lamina_websocket import (
        ClientWebSocketResponse,
        ClientWSTimeout,
        WebSocketError,
        WSCloseCode,
        WSMessage,
        WSMessageTypeError,
        WSMsgType,
        ws_connect,
    )

__all__ = [
    "EMPTY_PAYLOAD",
    "BaseConnector",
    "BasicAuth",
    "BasicTCPConnector",
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientConnectorCertificateError",
    "ClientConnectorDNSError",
    "ClientConnectorError",
    "ClientConnectorSSLError",
    "ClientError",
    "ClientHttpProxyError",
    "ClientOSError",
    "ClientPayloadError",
    "ClientProxyConnectionError",
    "ClientRequest",
    "ClientResponse",
    "ClientResponseError",
    "ClientSSLError",
    "ClientSession",
    "ClientTimeout",
    "ClientWSTimeout",
    "ClientWebSocketResponse",
    "Connection",
    "ConnectionTimeoutError",
    "ContentTypeError",
    "DummyCookieJar",
    "HTTP11Connection",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "RedirectClientError",
    "RequestInfo",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketTimeoutError",
    "StreamReader",
    "TooManyRedirects",
    "UnixClientConnectorError",
    "WSCloseCode",
    "WSMessage",
    "WSMessageTypeError",
    "WSMsgType",
    "WSServerHandshakeError",
    "WebSocketError",
    "hookimpl",
    "hookspec",
    "request",
    "ws_connect",
]


def __getattr__(name: str) -> Any:
    if name in {
        "ClientWSTimeout",
        "ClientWebSocketResponse",
        "WSCloseCode",
        "WSMessage",
        "WSMessageTypeError",
        "WSMsgType",
        "WebSocketError",
        "ws_connect",
    }:
        import lamina_websocket

        return getattr(lamina_websocket, name)
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")
