"""``lamella.client``: the session, requests, connectors and errors, as in ``aiohttp.client``.

Code ported from aiohttp keeps its ``from aiohttp.client import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        DEFAULT_TIMEOUT as DEFAULT_TIMEOUT,
    )
    from lamella import (
        BaseConnector as BaseConnector,
    )
    from lamella import (
        ClientConnectionError as ClientConnectionError,
    )
    from lamella import (
        ClientConnectionResetError as ClientConnectionResetError,
    )
    from lamella import (
        ClientConnectorCertificateError as ClientConnectorCertificateError,
    )
    from lamella import (
        ClientConnectorDNSError as ClientConnectorDNSError,
    )
    from lamella import (
        ClientConnectorError as ClientConnectorError,
    )
    from lamella import (
        ClientConnectorSSLError as ClientConnectorSSLError,
    )
    from lamella import (
        ClientError as ClientError,
    )
    from lamella import (
        ClientHttpProxyError as ClientHttpProxyError,
    )
    from lamella import (
        ClientOSError as ClientOSError,
    )
    from lamella import (
        ClientPayloadError as ClientPayloadError,
    )
    from lamella import (
        ClientProxyConnectionError as ClientProxyConnectionError,
    )
    from lamella import (
        ClientRequest as ClientRequest,
    )
    from lamella import (
        ClientResponse as ClientResponse,
    )
    from lamella import (
        ClientResponseError as ClientResponseError,
    )
    from lamella import (
        ClientSession as ClientSession,
    )
    from lamella import (
        ClientSSLError as ClientSSLError,
    )
    from lamella import (
        ClientTimeout as ClientTimeout,
    )
    from lamella import (
        ClientWebSocketResponse as ClientWebSocketResponse,
    )
    from lamella import (
        ClientWSTimeout as ClientWSTimeout,
    )
    from lamella import (
        ConnectionTimeoutError as ConnectionTimeoutError,
    )
    from lamella import (
        ContentTypeError as ContentTypeError,
    )
    from lamella import (
        Fingerprint as Fingerprint,
    )
    from lamella import (
        InvalidURL as InvalidURL,
    )
    from lamella import (
        InvalidUrlClientError as InvalidUrlClientError,
    )
    from lamella import (
        InvalidUrlRedirectClientError as InvalidUrlRedirectClientError,
    )
    from lamella import (
        NonHttpUrlClientError as NonHttpUrlClientError,
    )
    from lamella import (
        NonHttpUrlRedirectClientError as NonHttpUrlRedirectClientError,
    )
    from lamella import (
        RedirectClientError as RedirectClientError,
    )
    from lamella import (
        RequestInfo as RequestInfo,
    )
    from lamella import (
        ServerConnectionError as ServerConnectionError,
    )
    from lamella import (
        ServerDisconnectedError as ServerDisconnectedError,
    )
    from lamella import (
        ServerFingerprintMismatch as ServerFingerprintMismatch,
    )
    from lamella import (
        ServerTimeoutError as ServerTimeoutError,
    )
    from lamella import (
        SocketTimeoutError as SocketTimeoutError,
    )
    from lamella import (
        TCPConnector as TCPConnector,
    )
    from lamella import (
        TooManyRedirects as TooManyRedirects,
    )
    from lamella import (
        UnixConnector as UnixConnector,
    )
    from lamella import (
        WSMessageTypeError as WSMessageTypeError,
    )
    from lamella import (
        WSServerHandshakeError as WSServerHandshakeError,
    )
    from lamella import (
        request as request,
    )

alias(
    __name__,
    (
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
        "ClientResponseError",
        "ClientSSLError",
        "ConnectionTimeoutError",
        "ContentTypeError",
        "InvalidURL",
        "InvalidUrlClientError",
        "RedirectClientError",
        "NonHttpUrlClientError",
        "InvalidUrlRedirectClientError",
        "NonHttpUrlRedirectClientError",
        "ServerConnectionError",
        "ServerDisconnectedError",
        "ServerFingerprintMismatch",
        "ServerTimeoutError",
        "SocketTimeoutError",
        "TooManyRedirects",
        "UploadAbortedError",
        "WSServerHandshakeError",
        "ClientRequest",
        "ClientResponse",
        "Fingerprint",
        "RequestInfo",
        "UploadTracker",
        "BaseConnector",
        "TCPConnector",
        "UnixConnector",
        "NamedPipeConnector",
        "ClientWebSocketResponse",
        "ClientSession",
        "ClientTimeout",
        "DEFAULT_TIMEOUT",
        "ClientWSTimeout",
        "request",
        "WSMessageTypeError",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
