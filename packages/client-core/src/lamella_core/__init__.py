"""lamella-core: an asyncio HTTP/1.1 client with aiohttp's client API.

Installed alone it is a complete minimal client; lamella-connectors,
lamella-cookies and lamella-websocket extend it through the hooks in
:mod:`lamella_core.hookspecs`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._auth import BasicAuth
from ._connection import HTTP11Connection
from ._connector import BaseConnector, Connection
from ._cookies import DummyCookieJar
from ._http import HttpVersion, HttpVersion10, HttpVersion11
from ._limits import (
    BodyTooLarge,
    ClientLimits,
    DecompressionLimitExceeded,
    RedirectLimitExceeded,
    ResponseHeadTooLarge,
    TooManyContentCodings,
    WebSocketMessageTooLarge,
)
from ._oneshot import request
from ._payloads import (
    AsyncIterablePayload,
    BytesPayload,
    IOPayload,
    JsonPayload,
    Payload,
    StringPayload,
)
from ._request import ClientRequest, RequestInfo
from ._response import ClientResponse
from ._session import ClientSession
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

if TYPE_CHECKING:
    from ._content_disposition import (
        BadContentDispositionHeader,
        BadContentDispositionParam,
        ContentDisposition,
        content_disposition_filename,
        parse_content_disposition,
    )
    from ._formdata import FormData
    from ._multipart import MultipartWriter
    from ._retry import ExponentialRetry, RetryPolicy
    from .hookspecs import hookimpl, hookspec
    from .tracing import (
        TraceConfig,
        TraceConnectionCreateEndParams,
        TraceConnectionCreateStartParams,
        TraceConnectionQueuedEndParams,
        TraceConnectionQueuedStartParams,
        TraceConnectionReuseconnParams,
        TraceDnsCacheHitParams,
        TraceDnsCacheMissParams,
        TraceDnsResolveHostEndParams,
        TraceDnsResolveHostStartParams,
        TraceRequestChunkSentParams,
        TraceRequestEndParams,
        TraceRequestExceptionParams,
        TraceRequestHeadersSentParams,
        TraceRequestRedirectParams,
        TraceRequestStartParams,
        TraceResponseChunkReceivedParams,
    )

__all__ = [
    "EMPTY_PAYLOAD",
    "AsyncIterablePayload",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "BaseConnector",
    "BasicAuth",
    "BasicTCPConnector",
    "BodyTooLarge",
    "BytesPayload",
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientConnectorCertificateError",
    "ClientConnectorDNSError",
    "ClientConnectorError",
    "ClientConnectorSSLError",
    "ClientError",
    "ClientHttpProxyError",
    "ClientLimits",
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
    "ContentDisposition",
    "ContentTypeError",
    "DecompressionLimitExceeded",
    "DummyCookieJar",
    "ExponentialRetry",
    "FormData",
    "HTTP11Connection",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "IOPayload",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "JsonPayload",
    "MultipartWriter",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "Payload",
    "RedirectClientError",
    "RedirectLimitExceeded",
    "RequestInfo",
    "ResponseHeadTooLarge",
    "RetryPolicy",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketTimeoutError",
    "StreamReader",
    "StringPayload",
    "TooManyContentCodings",
    "TooManyRedirects",
    "TraceConfig",
    "TraceConnectionCreateEndParams",
    "TraceConnectionCreateStartParams",
    "TraceConnectionQueuedEndParams",
    "TraceConnectionQueuedStartParams",
    "TraceConnectionReuseconnParams",
    "TraceDnsCacheHitParams",
    "TraceDnsCacheMissParams",
    "TraceDnsResolveHostEndParams",
    "TraceDnsResolveHostStartParams",
    "TraceRequestChunkSentParams",
    "TraceRequestEndParams",
    "TraceRequestExceptionParams",
    "TraceRequestHeadersSentParams",
    "TraceRequestRedirectParams",
    "TraceRequestStartParams",
    "TraceResponseChunkReceivedParams",
    "UnixClientConnectorError",
    "WSServerHandshakeError",
    "WebSocketMessageTooLarge",
    "__version__",
    "content_disposition_filename",
    "hookimpl",
    "hookspec",
    "parse_content_disposition",
    "request",
]

# Loaded on first use (PEP 562): most programs never touch them, and they
# cost import time (tracing defines sixteen parameter classes; the hook
# markers load pluggy and importlib.metadata).
_LAZY = {
    "BadContentDispositionHeader": "._content_disposition",
    "BadContentDispositionParam": "._content_disposition",
    "ContentDisposition": "._content_disposition",
    "content_disposition_filename": "._content_disposition",
    "parse_content_disposition": "._content_disposition",
    "ExponentialRetry": "._retry",
    "RetryPolicy": "._retry",
    "hookimpl": ".hookspecs",
    "hookspec": ".hookspecs",
    "FormData": "._formdata",
    "MultipartWriter": "._multipart",
    "TraceConfig": ".tracing",
    "TraceConnectionCreateEndParams": ".tracing",
    "TraceConnectionCreateStartParams": ".tracing",
    "TraceConnectionQueuedEndParams": ".tracing",
    "TraceConnectionQueuedStartParams": ".tracing",
    "TraceConnectionReuseconnParams": ".tracing",
    "TraceDnsCacheHitParams": ".tracing",
    "TraceDnsCacheMissParams": ".tracing",
    "TraceDnsResolveHostEndParams": ".tracing",
    "TraceDnsResolveHostStartParams": ".tracing",
    "TraceRequestChunkSentParams": ".tracing",
    "TraceRequestEndParams": ".tracing",
    "TraceRequestExceptionParams": ".tracing",
    "TraceRequestHeadersSentParams": ".tracing",
    "TraceRequestRedirectParams": ".tracing",
    "TraceRequestStartParams": ".tracing",
    "TraceResponseChunkReceivedParams": ".tracing",
}


# Names of aiohttp's client API that live in an upper distribution: asking
# lamella_core for one says which distribution to install and import.
_ELSEWHERE = {
    **dict.fromkeys(
        [
            "AsyncResolver",
            "DefaultResolver",
            "Fingerprint",
            "TCPConnector",
            "ThreadedResolver",
            "UnixConnector",
        ],
        "lamella-connectors",
    ),
    **dict.fromkeys(["CookieJar", "CookieJarFormatError", "CookieLimits"], "lamella-cookies"),
    **dict.fromkeys(
        [
            "ClientWSTimeout",
            "ClientWebSocketResponse",
            "WSCloseCode",
            "WSMessage",
            "WSMessageTypeError",
            "WSMsgType",
            "WebSocketError",
            "WebSocketMessageTooBig",
            "ws_connect",
        ],
        "lamella-websocket",
    ),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        distribution = _ELSEWHERE.get(name)
        if distribution is not None:
            package = distribution.replace("-", "_")
            raise AttributeError(
                f"{name} is not part of lamella-core: it comes with the {distribution} "
                f"distribution (pip install {distribution}, or the lamella meta-package), "
                f"imported as {package}.{name} or lamella.{name}"
            )
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
