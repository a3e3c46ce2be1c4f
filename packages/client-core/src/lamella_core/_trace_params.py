"""The parameter classes of the trace signals (re-exported by ``lamella_core.tracing``).

One frozen, slotted class per signal, so a callback reads its arguments by
name, as in aiohttp; the signals themselves live in :mod:`lamella_core.tracing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, final

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

if TYPE_CHECKING:
    from ._client.response import ClientResponse

__all__ = [
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
]

# Request headers as sent: the mutable mapping, or the read-only view in RequestInfo.
_Headers = CIMultiDict[str] | CIMultiDictProxy[str]

# --- parameters, one frozen slotted class per signal -----------------------------
# Field names and order are aiohttp's: callbacks read them by name.
#
# Slots are declared by hand rather than with ``dataclass(slots=True)``: that
# option rebuilds the class, and the frozen ``__setattr__`` it generated still
# points at the old one, so setting an unknown attribute raised TypeError
# instead of FrozenInstanceError (an AttributeError) on Python 3.11 to 3.13.
# The base class restores state without ``__setattr__``, for copy and pickle.


class _Params:
    __slots__: tuple[str, ...] = ()

    def __getstate__(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for name, value in zip(self.__slots__, state, strict=True):
            object.__setattr__(self, name, value)


@final
@dataclass(frozen=True)
class TraceRequestStartParams(_Params):
    """What ``on_request_start`` passes: the request as the caller asked for it."""

    __slots__ = ("method", "url", "headers")

    method: str
    url: URL
    headers: _Headers


@final
@dataclass(frozen=True)
class TraceRequestChunkSentParams(_Params):
    """What ``on_request_chunk_sent`` passes: one body chunk before framing."""

    __slots__ = ("method", "url", "chunk")

    method: str
    url: URL
    chunk: bytes


@final
@dataclass(frozen=True)
class TraceResponseChunkReceivedParams(_Params):
    """What ``on_response_chunk_received`` passes: body bytes read by ``read()``."""

    __slots__ = ("method", "url", "chunk")

    method: str
    url: URL
    chunk: bytes


@final
@dataclass(frozen=True)
class TraceRequestEndParams(_Params):
    """What ``on_request_end`` passes: the request and its final response."""

    __slots__ = ("method", "url", "headers", "response")

    method: str
    url: URL
    headers: _Headers
    response: ClientResponse


@final
@dataclass(frozen=True)
class TraceRequestExceptionParams(_Params):
    """What ``on_request_exception`` passes: the request and why it failed."""

    __slots__ = ("method", "url", "headers", "exception")

    method: str
    url: URL
    headers: _Headers
    exception: BaseException


@final
@dataclass(frozen=True)
class TraceRequestRedirectParams(_Params):
    """What ``on_request_redirect`` passes: the request and the redirect response."""

    __slots__ = ("method", "url", "headers", "response")

    method: str
    url: URL
    headers: _Headers
    response: ClientResponse


@final
@dataclass(frozen=True)
class TraceRequestHeadersSentParams(_Params):
    """What ``on_request_headers_sent`` passes: the headers as written."""

    __slots__ = ("method", "url", "headers")

    method: str
    url: URL
    headers: _Headers


@final
@dataclass(frozen=True)
class TraceRequestRetryParams(_Params):
    """What ``on_request_retry`` passes: the attempt that ended and the wait before the next.

    lamella's own signal (aiohttp does not retry): it fires when the retry
    policy sends a request again, when a dead keep-alive connection makes
    lamella resend on a new one, and when a middleware calls its handler
    again. ``headers`` are those the next attempt sends, so a tracer may add
    to them; ``attempt`` counts from 1; exactly one of ``response`` (already
    released) and ``exception`` is set; ``delay`` is the wait in seconds.
    """

    __slots__ = ("method", "url", "headers", "attempt", "response", "exception", "delay")

    method: str
    url: URL
    headers: _Headers
    attempt: int
    response: ClientResponse | None
    exception: BaseException | None
    delay: float


@final
@dataclass(frozen=True)
class TraceConnectionQueuedStartParams(_Params):
    """What ``on_connection_queued_start`` passes (nothing: the pool is full)."""

    __slots__ = ()


@final
@dataclass(frozen=True)
class TraceConnectionQueuedEndParams(_Params):
    """What ``on_connection_queued_end`` passes (nothing: a slot came free)."""

    __slots__ = ()


@final
@dataclass(frozen=True)
class TraceConnectionCreateStartParams(_Params):
    """What ``on_connection_create_start`` passes (nothing)."""

    __slots__ = ()


@final
@dataclass(frozen=True)
class TraceConnectionCreateEndParams(_Params):
    """What ``on_connection_create_end`` passes (nothing)."""

    __slots__ = ()


@final
@dataclass(frozen=True)
class TraceConnectionReuseconnParams(_Params):
    """What ``on_connection_reuseconn`` passes (nothing)."""

    __slots__ = ()


@final
@dataclass(frozen=True)
class TraceDnsResolveHostStartParams(_Params):
    """What ``on_dns_resolvehost_start`` passes: the host about to be resolved."""

    __slots__ = ("host",)

    host: str


@final
@dataclass(frozen=True)
class TraceDnsResolveHostEndParams(_Params):
    """What ``on_dns_resolvehost_end`` passes: the host just resolved."""

    __slots__ = ("host",)

    host: str


@final
@dataclass(frozen=True)
class TraceDnsCacheHitParams(_Params):
    """What ``on_dns_cache_hit`` passes: the host answered from the cache."""

    __slots__ = ("host",)

    host: str


@final
@dataclass(frozen=True)
class TraceDnsCacheMissParams(_Params):
    """What ``on_dns_cache_miss`` passes: the host missing from the cache."""

    __slots__ = ("host",)

    host: str


@final
@dataclass(frozen=True)
class TraceTlsHandshakeStartParams(_Params):
    """What ``on_tls_handshake_start`` passes: the peer and the name sent in SNI.

    lamella's own signal, fired by connectors that run the handshake as a
    step of its own (lamella-connectors' ``TCPConnector``, for origins and
    inside proxy tunnels).
    """

    __slots__ = ("host", "port", "server_hostname")

    host: str
    port: int
    server_hostname: str


@final
@dataclass(frozen=True)
class TraceTlsHandshakeEndParams(_Params):
    """What ``on_tls_handshake_end`` passes: the peer and what the handshake agreed on.

    ``tls_version`` is as ``ssl.SSLSocket.version()`` names it (``"TLSv1.3"``),
    ``alpn_protocol`` the protocol the server chose (None: no ALPN).
    """

    __slots__ = ("host", "port", "server_hostname", "tls_version", "alpn_protocol")

    host: str
    port: int
    server_hostname: str
    tls_version: str | None
    alpn_protocol: str | None
