"""Request tracing: ``TraceConfig``, its signals and their parameter classes.

The API is aiohttp's, so instrumentation written for it works unchanged::

    async def on_start(session, trace_config_ctx, params):
        trace_config_ctx.started = loop.time()

    trace_config = TraceConfig()
    trace_config.on_request_start.append(on_start)
    async with ClientSession(trace_configs=[trace_config]) as session:
        await session.get(url, trace_request_ctx={"tag": 1})

Each signal is a list of ``async def callback(session, trace_config_ctx,
params)`` functions. A session freezes its trace configs when it is created;
from then on appending to a signal raises ``RuntimeError``. For each request
the session asks every config for a fresh context (``trace_config_ctx()``, a
``SimpleNamespace`` holding ``trace_request_ctx``) and passes it to every
callback of that config for that request.

Cost: dispatch happens only for sessions that have trace configs. Without
any, no :class:`Trace` is built and the request path makes no tracing call;
with some, a signal without callbacks builds no parameter object.

Three signals are lamella's own, for what aiohttp does not do or does not
show: ``on_request_retry`` (a request sent again on the same hop: by the
retry policy, after a dead keep-alive connection, or by a middleware) and
``on_tls_handshake_start``/``on_tls_handshake_end`` (the handshake as a phase
of its own, apart from the TCP connect).

:class:`Trace` and :func:`make_traces` are the seam the session and the
connectors (including lamella-connectors' DNS cache) use to fire the signals;
they are not part of aiohttp's documented API and are not in ``__all__``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, MutableSequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeAlias, TypeVar, final, overload

from yarl import URL

from ._trace_params import (
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
    _Headers,
)

if TYPE_CHECKING:
    from ._client.response import ClientResponse
    from ._client.session import ClientSession

__all__ = [
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
]

_P = TypeVar("_P")
_Callback: TypeAlias = Callable[["ClientSession", SimpleNamespace, _P], Awaitable[object]]


class Signal(MutableSequence[_Callback[_P]]):
    """A list of async callbacks that can be frozen, then sent.

    Behaves as aiohttp's signals (aiosignal): every list method works until
    :meth:`freeze`, after which any change raises ``RuntimeError``; sending
    before freezing raises ``RuntimeError`` too. It also works as a
    decorator: ``@trace_config.on_request_start``.
    """

    __slots__ = ("_owner", "_frozen", "_items")

    def __init__(self, owner: object) -> None:
        self._owner = owner
        self._frozen = False
        self._items: list[_Callback[_P]] = []

    def __repr__(self) -> str:
        return f"<Signal owner={self._owner!r}, frozen={self._frozen}, {self._items!r}>"

    @property
    def frozen(self) -> bool:
        """True once :meth:`freeze` was called."""
        return self._frozen

    def freeze(self) -> None:
        """Refuse any further change to the callbacks."""
        self._frozen = True

    async def send(self, session: ClientSession, ctx: SimpleNamespace, params: _P) -> None:
        """Await every callback in order with the same three arguments.

        Raises:
            RuntimeError: the signal is not frozen yet.
        """
        if not self._frozen:
            raise RuntimeError("Cannot send non-frozen signal.")
        for callback in self._items:
            await callback(session, ctx, params)

    def __call__(self, func: _Callback[_P]) -> _Callback[_P]:
        """Append ``func``; lets the signal be used as a decorator."""
        self.append(func)
        return func

    # --- the list protocol; the three mutators check the frozen flag ------------

    def _check_mutable(self) -> None:
        if self._frozen:
            raise RuntimeError("Cannot modify frozen list.")

    @overload
    def __getitem__(self, index: int) -> _Callback[_P]: ...
    @overload
    def __getitem__(self, index: slice) -> list[_Callback[_P]]: ...
    def __getitem__(self, index: int | slice) -> _Callback[_P] | list[_Callback[_P]]:
        return self._items[index]

    @overload
    def __setitem__(self, index: int, value: _Callback[_P]) -> None: ...
    @overload
    def __setitem__(self, index: slice, value: Iterable[_Callback[_P]]) -> None: ...
    def __setitem__(self, index: int | slice, value: Any) -> None:
        self._check_mutable()
        self._items[index] = value

    def __delitem__(self, index: int | slice) -> None:
        self._check_mutable()
        del self._items[index]

    def insert(self, index: int, value: _Callback[_P]) -> None:
        self._check_mutable()
        self._items.insert(index, value)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[_Callback[_P]]:
        return iter(self._items)


class _SignalAttribute(Generic[_P]):
    """A read-only ``TraceConfig`` attribute holding one :class:`Signal`."""

    def __init__(self, doc: str) -> None:
        self._name = ""
        self.__doc__ = doc

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _SignalAttribute[_P]: ...
    @overload
    def __get__(self, obj: TraceConfig, objtype: type | None = None) -> Signal[_P]: ...
    def __get__(
        self, obj: TraceConfig | None, objtype: type | None = None
    ) -> Signal[_P] | _SignalAttribute[_P]:
        if obj is None:
            return self
        signal: Signal[_P] = obj._signals[self._name]
        return signal

    def __set__(self, obj: TraceConfig, value: object) -> NoReturn:
        raise AttributeError(f"{self._name} is read-only; append callbacks to it instead")


class TraceConfig:
    """The callbacks one instrumentation attaches to the requests of a session.

    Args:
        trace_config_ctx_factory: builds the per-request context handed to
            every callback; called with ``trace_request_ctx=`` as its only
            argument. ``SimpleNamespace`` by default.
    """

    on_request_start = _SignalAttribute[TraceRequestStartParams](
        "Fired when a request begins, before a connection is acquired."
    )
    on_request_chunk_sent = _SignalAttribute[TraceRequestChunkSentParams](
        "Fired for each chunk of the request body, before it is written."
    )
    on_response_chunk_received = _SignalAttribute[TraceResponseChunkReceivedParams](
        "Fired when ``ClientResponse.read()`` has read the body."
    )
    on_request_end = _SignalAttribute[TraceRequestEndParams](
        "Fired when the final response's head has arrived."
    )
    on_request_exception = _SignalAttribute[TraceRequestExceptionParams](
        "Fired when a request fails (cancellation included)."
    )
    on_request_redirect = _SignalAttribute[TraceRequestRedirectParams](
        "Fired for each redirect response that is followed."
    )
    on_request_headers_sent = _SignalAttribute[TraceRequestHeadersSentParams](
        "Fired with the final headers, before the request head is written."
    )
    on_request_retry = _SignalAttribute[TraceRequestRetryParams](
        "lamella's own: fired before a request is sent again on the same hop."
    )
    on_connection_queued_start = _SignalAttribute[TraceConnectionQueuedStartParams](
        "Fired when a request starts waiting for a free connection slot."
    )
    on_connection_queued_end = _SignalAttribute[TraceConnectionQueuedEndParams](
        "Fired when a waiting request gets a connection slot."
    )
    on_connection_create_start = _SignalAttribute[TraceConnectionCreateStartParams](
        "Fired before a new connection is opened."
    )
    on_connection_create_end = _SignalAttribute[TraceConnectionCreateEndParams](
        "Fired after a new connection was opened."
    )
    on_connection_reuseconn = _SignalAttribute[TraceConnectionReuseconnParams](
        "Fired when an idle pooled connection is reused."
    )
    on_dns_resolvehost_start = _SignalAttribute[TraceDnsResolveHostStartParams](
        "Fired before a host name is resolved."
    )
    on_dns_resolvehost_end = _SignalAttribute[TraceDnsResolveHostEndParams](
        "Fired after a host name was resolved."
    )
    on_dns_cache_hit = _SignalAttribute[TraceDnsCacheHitParams](
        "Fired when the DNS cache answers (or an identical lookup is under way)."
    )
    on_dns_cache_miss = _SignalAttribute[TraceDnsCacheMissParams](
        "Fired when the DNS cache has no fresh answer."
    )
    on_tls_handshake_start = _SignalAttribute[TraceTlsHandshakeStartParams](
        "lamella's own: fired when the TLS handshake of a new connection begins."
    )
    on_tls_handshake_end = _SignalAttribute[TraceTlsHandshakeEndParams](
        "lamella's own: fired when the TLS handshake of a new connection has succeeded."
    )

    def __init__(
        self, trace_config_ctx_factory: Callable[..., SimpleNamespace] = SimpleNamespace
    ) -> None:
        self._signals: dict[str, Signal[Any]] = {
            name: Signal(self)
            for name, value in vars(TraceConfig).items()
            if isinstance(value, _SignalAttribute)
        }
        self._trace_config_ctx_factory = trace_config_ctx_factory

    def trace_config_ctx(self, trace_request_ctx: Any = None) -> SimpleNamespace:
        """Build a fresh context for one request.

        Args:
            trace_request_ctx: the request's ``trace_request_ctx=`` argument.

        Returns:
            What the factory returns, holding ``trace_request_ctx``.
        """
        return self._trace_config_ctx_factory(trace_request_ctx=trace_request_ctx)

    def freeze(self) -> None:
        """Freeze every signal; sessions call it when they are created."""
        for signal in self._signals.values():
            signal.freeze()


@final
class Trace:
    """Fires one trace config's signals for one request.

    Every ``send_*`` coroutine builds the parameter object only when the
    signal has callbacks.

    Args:
        session: the session sending the request.
        trace_config: a frozen trace config of that session.
        trace_config_ctx: the context ``trace_config.trace_config_ctx()``
            built for this request.
    """

    __slots__ = ("_session", "_config", "_ctx")

    def __init__(
        self, session: ClientSession, trace_config: TraceConfig, trace_config_ctx: SimpleNamespace
    ) -> None:
        self._session = session
        self._config = trace_config
        self._ctx = trace_config_ctx

    def __repr__(self) -> str:
        return f"<Trace config={self._config!r} ctx={self._ctx!r}>"

    async def send_request_start(self, method: str, url: URL, headers: _Headers) -> None:
        if signal := self._config.on_request_start:
            await signal.send(
                self._session, self._ctx, TraceRequestStartParams(method, url, headers)
            )

    async def send_request_chunk_sent(self, method: str, url: URL, chunk: bytes) -> None:
        if signal := self._config.on_request_chunk_sent:
            params = TraceRequestChunkSentParams(method, url, chunk)
            await signal.send(self._session, self._ctx, params)

    async def send_response_chunk_received(self, method: str, url: URL, chunk: bytes) -> None:
        if signal := self._config.on_response_chunk_received:
            params = TraceResponseChunkReceivedParams(method, url, chunk)
            await signal.send(self._session, self._ctx, params)

    async def send_request_end(
        self, method: str, url: URL, headers: _Headers, response: ClientResponse
    ) -> None:
        if signal := self._config.on_request_end:
            params = TraceRequestEndParams(method, url, headers, response)
            await signal.send(self._session, self._ctx, params)

    async def send_request_exception(
        self, method: str, url: URL, headers: _Headers, exception: BaseException
    ) -> None:
        if signal := self._config.on_request_exception:
            params = TraceRequestExceptionParams(method, url, headers, exception)
            await signal.send(self._session, self._ctx, params)

    async def send_request_redirect(
        self, method: str, url: URL, headers: _Headers, response: ClientResponse
    ) -> None:
        if signal := self._config.on_request_redirect:
            params = TraceRequestRedirectParams(method, url, headers, response)
            await signal.send(self._session, self._ctx, params)

    async def send_request_headers(self, method: str, url: URL, headers: _Headers) -> None:
        if signal := self._config.on_request_headers_sent:
            params = TraceRequestHeadersSentParams(method, url, headers)
            await signal.send(self._session, self._ctx, params)

    async def send_request_retry(
        self,
        method: str,
        url: URL,
        headers: _Headers,
        attempt: int,
        outcome: ClientResponse | BaseException,
        delay: float,
    ) -> None:
        if signal := self._config.on_request_retry:
            if isinstance(outcome, BaseException):
                params = TraceRequestRetryParams(
                    method, url, headers, attempt, None, outcome, delay
                )
            else:
                params = TraceRequestRetryParams(
                    method, url, headers, attempt, outcome, None, delay
                )
            await signal.send(self._session, self._ctx, params)

    async def send_connection_queued_start(self) -> None:
        if signal := self._config.on_connection_queued_start:
            await signal.send(self._session, self._ctx, TraceConnectionQueuedStartParams())

    async def send_connection_queued_end(self) -> None:
        if signal := self._config.on_connection_queued_end:
            await signal.send(self._session, self._ctx, TraceConnectionQueuedEndParams())

    async def send_connection_create_start(self) -> None:
        if signal := self._config.on_connection_create_start:
            await signal.send(self._session, self._ctx, TraceConnectionCreateStartParams())

    async def send_connection_create_end(self) -> None:
        if signal := self._config.on_connection_create_end:
            await signal.send(self._session, self._ctx, TraceConnectionCreateEndParams())

    async def send_connection_reuseconn(self) -> None:
        if signal := self._config.on_connection_reuseconn:
            await signal.send(self._session, self._ctx, TraceConnectionReuseconnParams())

    async def send_dns_resolvehost_start(self, host: str) -> None:
        if signal := self._config.on_dns_resolvehost_start:
            await signal.send(self._session, self._ctx, TraceDnsResolveHostStartParams(host))

    async def send_dns_resolvehost_end(self, host: str) -> None:
        if signal := self._config.on_dns_resolvehost_end:
            await signal.send(self._session, self._ctx, TraceDnsResolveHostEndParams(host))

    async def send_dns_cache_hit(self, host: str) -> None:
        if signal := self._config.on_dns_cache_hit:
            await signal.send(self._session, self._ctx, TraceDnsCacheHitParams(host))

    async def send_dns_cache_miss(self, host: str) -> None:
        if signal := self._config.on_dns_cache_miss:
            await signal.send(self._session, self._ctx, TraceDnsCacheMissParams(host))

    async def send_tls_handshake_start(self, host: str, port: int, server_hostname: str) -> None:
        if signal := self._config.on_tls_handshake_start:
            params = TraceTlsHandshakeStartParams(host, port, server_hostname)
            await signal.send(self._session, self._ctx, params)

    async def send_tls_handshake_end(
        self,
        host: str,
        port: int,
        server_hostname: str,
        tls_version: str | None,
        alpn_protocol: str | None,
    ) -> None:
        if signal := self._config.on_tls_handshake_end:
            params = TraceTlsHandshakeEndParams(
                host, port, server_hostname, tls_version, alpn_protocol
            )
            await signal.send(self._session, self._ctx, params)


def make_traces(
    session: ClientSession, trace_configs: Iterable[TraceConfig], trace_request_ctx: Any = None
) -> list[Trace]:
    """Build one :class:`Trace` per trace config, each with a fresh context.

    Args:
        session: the session sending the request.
        trace_configs: the session's (frozen) trace configs.
        trace_request_ctx: the request's ``trace_request_ctx=`` argument.

    Returns:
        The traces, in the order of ``trace_configs``; empty when there are none.
    """
    return [
        Trace(session, config, config.trace_config_ctx(trace_request_ctx=trace_request_ctx))
        for config in trace_configs
    ]
