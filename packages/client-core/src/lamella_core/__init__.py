"""lamella-core: an asyncio HTTP/1.1 client with aiohttp's client API.

Installed alone it is a complete minimal client; lamella-connectors,
lamella-cookies and lamella-websocket extend it through the hooks in
:mod:`lamella_core.hookspecs`.
"""

import importlib
from typing import TYPE_CHECKING, Any

from . import _discovery
from ._client.auth import BasicAuth, encode_basic_auth
from ._client.middlewares import ClientHandlerType, ClientMiddlewareType
from ._client.oneshot import request
from ._client.request import ClientRequest, RequestInfo
from ._client.response import ClientResponse
from ._client.session import ClientSession
from ._client.upload import UploadTracker
from ._content.empty_stream import EMPTY_PAYLOAD
from ._content.file_payloads import (
    BufferedReaderPayload,
    BytesIOPayload,
    IOBasePayload,
    IOPayload,
    TextIOPayload,
)
from ._content.payload_registry import PAYLOAD_REGISTRY, Order, get_payload, payload_type
from ._content.payloads import (
    AsyncIterablePayload,
    BytesPayload,
    JsonBytesPayload,
    JsonPayload,
    Payload,
    StringIOPayload,
    StringPayload,
)
from ._content.streams import StreamReader
from ._content.zlib_backend import set_zlib_backend
from ._cookies import DummyCookieJar
from ._http import HttpVersion, HttpVersion10, HttpVersion11
from ._limits import ClientLimits
from ._pool.connector import BaseConnector, Connection
from ._pool.http11 import HTTP11Connection
from ._pool.tcp import BasicTCPConnector
from ._timeouts import DEFAULT_TIMEOUT, ClientTimeout
from ._version import __version__
from .exceptions import (
    BodyTooLarge,
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
    DecompressionLimitExceeded,
    InvalidURL,
    InvalidUrlClientError,
    InvalidUrlRedirectClientError,
    MultipartLimitExceeded,
    NonHttpUrlClientError,
    NonHttpUrlRedirectClientError,
    RedirectBodyConsumed,
    RedirectClientError,
    RedirectLimitExceeded,
    RequestFramingError,
    ResponseHeadTimeoutError,
    ResponseHeadTooLarge,
    ServerConnectionError,
    ServerDisconnectedError,
    ServerFingerprintMismatch,
    ServerTimeoutError,
    SocketTimeoutError,
    TooManyContentCodings,
    TooManyRedirects,
    UnixClientConnectorError,
    UploadAbortedError,
    WebSocketMessageTooLarge,
    WSServerHandshakeError,
)

if TYPE_CHECKING:
    from ._client.digest import DigestAuthMiddleware
    from ._client.retry import ExponentialRetry, RetryPolicy
    from ._content.disposition import (
        BadContentDispositionHeader,
        BadContentDispositionParam,
        ContentDisposition,
        content_disposition_filename,
        parse_content_disposition,
    )
    from ._content.formdata import FormData
    from ._content.multipart import MultipartWriter
    from ._content.multipart_reader import BodyPartReader, MultipartReader
    from ._content.streamer import streamer
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
        TraceRequestRetryParams,
        TraceRequestStartParams,
        TraceResponseChunkReceivedParams,
        TraceTlsHandshakeEndParams,
        TraceTlsHandshakeStartParams,
    )

__all__ = [
    "DEFAULT_TIMEOUT",
    "EMPTY_PAYLOAD",
    "PAYLOAD_REGISTRY",
    "AsyncIterablePayload",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "BaseConnector",
    "BasicAuth",
    "BasicTCPConnector",
    "BodyPartReader",
    "BodyTooLarge",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "BytesPayload",
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientConnectorCertificateError",
    "ClientConnectorDNSError",
    "ClientConnectorDeniedError",
    "ClientConnectorError",
    "ClientConnectorSSLError",
    "ClientError",
    "ClientHandlerType",
    "ClientHttpProxyError",
    "ClientLimits",
    "ClientMiddlewareType",
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
    "DigestAuthMiddleware",
    "DummyCookieJar",
    "ExponentialRetry",
    "FormData",
    "HTTP11Connection",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "IOBasePayload",
    "IOPayload",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "JsonBytesPayload",
    "JsonPayload",
    "MultipartLimitExceeded",
    "MultipartReader",
    "MultipartWriter",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "Order",
    "Payload",
    "RedirectBodyConsumed",
    "RedirectClientError",
    "RedirectLimitExceeded",
    "RequestFramingError",
    "RequestInfo",
    "ResponseHeadTimeoutError",
    "ResponseHeadTooLarge",
    "RetryPolicy",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketTimeoutError",
    "StreamReader",
    "StringIOPayload",
    "StringPayload",
    "TextIOPayload",
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
    "TraceRequestRetryParams",
    "TraceRequestStartParams",
    "TraceResponseChunkReceivedParams",
    "TraceTlsHandshakeEndParams",
    "TraceTlsHandshakeStartParams",
    "UnixClientConnectorError",
    "UploadAbortedError",
    "UploadTracker",
    "WSServerHandshakeError",
    "WebSocketMessageTooLarge",
    "__version__",
    "content_disposition_filename",
    "encode_basic_auth",
    "get_payload",
    "hookimpl",
    "hookspec",
    "parse_content_disposition",
    "payload_type",
    "request",
    "set_zlib_backend",
    "streamer",
]

# Loaded on first use (PEP 562): most programs never touch them, and they
# cost import time (tracing defines sixteen parameter classes; the hook
# markers load pluggy and importlib.metadata).
_LAZY = {
    "BadContentDispositionHeader": "._content.disposition",
    "BadContentDispositionParam": "._content.disposition",
    "ContentDisposition": "._content.disposition",
    "content_disposition_filename": "._content.disposition",
    "parse_content_disposition": "._content.disposition",
    "DigestAuthMiddleware": "._client.digest",
    "ExponentialRetry": "._client.retry",
    "RetryPolicy": "._client.retry",
    "hookimpl": ".hookspecs",
    "hookspec": ".hookspecs",
    "FormData": "._content.formdata",
    "streamer": "._content.streamer",
    "MultipartWriter": "._content.multipart",
    "BodyPartReader": "._content.multipart_reader",
    "MultipartReader": "._content.multipart_reader",
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
    "TraceRequestRetryParams": ".tracing",
    "TraceRequestStartParams": ".tracing",
    "TraceResponseChunkReceivedParams": ".tracing",
    "TraceTlsHandshakeEndParams": ".tracing",
    "TraceTlsHandshakeStartParams": ".tracing",
}


# Names of aiohttp's client API that live in an upper distribution: asking
# lamella_core for one says which distribution to install and import.
_ELSEWHERE = {
    **dict.fromkeys(
        [
            "AddrInfoType",
            "AsyncResolver",
            "DefaultResolver",
            "Fingerprint",
            "NamedPipeConnector",
            "SocketFactoryType",
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


# Last, so that the thread does not slow down the imports above (see _discovery).
_discovery.start()
