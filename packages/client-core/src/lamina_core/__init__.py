"""lamina-core: an asyncio HTTP/1.1 client with aiohttp's client API.

Installed alone it is a complete minimal client; lamina-connectors,
lamina-cookies and lamina-websocket extend it through the hooks in
:mod:`lamina_core.hookspecs`.
"""

from ._auth import BasicAuth
from ._connection import HTTP11Connection
from ._connector import BaseConnector, Connection
from ._cookies import DummyCookieJar
from ._http import HttpVersion, HttpVersion10, HttpVersion11
from ._request import ClientRequest, RequestInfo
from ._response import ClientResponse
from ._session import ClientSession, request
from ._streams import EMPTY_PAYLOAD, StreamReader
from ._tcp import BasicTCPConnector
from ._timeouts import ClientTimeout
from ._version import __version__
from .exceptions import (
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
    ClientResponseError,
    ClientSSLError,
    ConnectionTimeoutError,
    ContentTypeError,
    InvalidURL,
    InvalidUrlClientError,
    InvalidUrlRedirectClientError,
    NonHttpUrlClientError,
    NonHttpUrlRedirectClientError,
    RedirectClientError,
    ServerConnectionError,
    ServerDisconnectedError,
    ServerFingerprintMismatch,
    ServerTimeoutError,
    SocketTimeoutError,
    TooManyRedirects,
    UnixClientConnectorError,
    WSServerHandshakeError,
)
from .hookspecs import hookimpl, hookspec

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
    "WSServerHandshakeError",
    "__version__",
    "hookimpl",
    "hookspec",
    "request",
]
