"""The client exception tree, shared by every lamella distribution.

Names and base classes follow aiohttp's client reference, so ``except``
clauses written for it keep working. Each leaf also inherits the stdlib
error that users already catch (``OSError``, ``asyncio.TimeoutError``,
``ValueError``, ``ssl.SSLError``)::

    ClientError
    ├── ClientConnectionError
    │   ├── ClientConnectionResetError (+ ConnectionResetError)
    │   ├── ClientOSError (+ OSError)
    │   │   └── ClientConnectorError
    │   │       ├── ClientConnectorDNSError
    │   │       ├── ClientConnectorDeniedError
    │   │       ├── ClientProxyConnectionError
    │   │       ├── UnixClientConnectorError
    │   │       └── ClientSSLError
    │   │           ├── ClientConnectorCertificateError (+ ssl.CertificateError)
    │   │           └── ClientConnectorSSLError (+ ssl.SSLError)
    │   └── ServerConnectionError
    │       ├── ServerDisconnectedError
    │       ├── ServerTimeoutError (+ asyncio.TimeoutError)
    │       │   ├── ConnectionTimeoutError
    │       │   ├── SocketTimeoutError
    │       │   └── ResponseHeadTimeoutError (a ClientLimits bound on the head)
    │       └── ServerFingerprintMismatch
    ├── ClientResponseError
    │   ├── ContentTypeError
    │   ├── WSServerHandshakeError
    │   ├── ClientHttpProxyError
    │   ├── ResponseHeadTooLarge (a ClientLimits bound on the head)
    │   └── TooManyRedirects
    │       └── RedirectLimitExceeded
    ├── UploadAbortedError
    ├── ClientPayloadError
    │   ├── BodyTooLarge, DecompressionLimitExceeded,
    │   ├── TooManyContentCodings, WebSocketMessageTooLarge
    │   └── MultipartLimitExceeded
    ├── RedirectClientError
    │   └── RedirectBodyConsumed (+ ClientPayloadError)
    ├── RequestFramingError (+ ValueError)
    ├── NonHttpUrlClientError
    │   └── NonHttpUrlRedirectClientError (+ RedirectClientError)
    └── InvalidURL (+ ValueError)
        └── InvalidUrlClientError
            └── InvalidUrlRedirectClientError (+ RedirectClientError)

Connectors, WebSockets and cookie jars raise these classes or subclasses of
them; no distribution defines a parallel root.

The classes are defined in two private modules, the aiohttp-named tree in
``_client_errors`` and the ``ClientLimits`` violations in ``_limit_errors``;
this module is where they are imported from, and the name each class gives
in reprs, tracebacks and pickles (``lamella_core.exceptions.ClientError``).
"""

from __future__ import annotations

from ._client_errors import (
    ClientConnectionError,
    ClientConnectionResetError,
    ClientConnectorCertificateError,
    ClientConnectorDeniedError,
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
    RedirectBodyConsumed,
    RedirectClientError,
    RequestFramingError,
    ServerConnectionError,
    ServerDisconnectedError,
    ServerFingerprintMismatch,
    ServerTimeoutError,
    SocketTimeoutError,
    TooManyRedirects,
    UnixClientConnectorError,
    UploadAbortedError,
    WSServerHandshakeError,
)
from ._limit_errors import (
    BodyTooLarge,
    DecompressionLimitExceeded,
    MultipartLimitExceeded,
    RedirectLimitExceeded,
    ResponseHeadTimeoutError,
    ResponseHeadTooLarge,
    TooManyContentCodings,
    WebSocketMessageTooLarge,
)
from ._limit_errors import HeadLimitSignal as HeadLimitSignal
from ._limit_errors import LimitExceeded as LimitExceeded

__all__ = [
    "BodyTooLarge",
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientConnectorCertificateError",
    "ClientConnectorDNSError",
    "ClientConnectorDeniedError",
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
    "DecompressionLimitExceeded",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "MultipartLimitExceeded",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "RedirectBodyConsumed",
    "RedirectClientError",
    "RedirectLimitExceeded",
    "RequestFramingError",
    "ResponseHeadTimeoutError",
    "ResponseHeadTooLarge",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketTimeoutError",
    "TooManyContentCodings",
    "TooManyRedirects",
    "UnixClientConnectorError",
    "UploadAbortedError",
    "WSServerHandshakeError",
    "WebSocketMessageTooLarge",
]

# Shown, and pickled by reference, under the module users import them from.
for _cls in (*(globals()[_name] for _name in __all__), HeadLimitSignal, LimitExceeded):
    _cls.__module__ = __name__
del _cls
