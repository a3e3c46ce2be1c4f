"""``BaseConnector`` and ``Connection``: lending pooled connections to requests.

Theory of operation: the connector keeps a :class:`PoolState` (the books
and the decisions: which idle connection a request gets, when a slot is
free to open one, what to close, whom to wake) and does what it decides.
``connect()`` asks the state first; when it hands out a kept-alive
connection the lease is returned without awaiting anything, so pooled
requests pay for no timer. Otherwise the request waits for a slot (FIFO per
key) and the subclass opens a new connection, both within the connect
budget (``timeout.connect`` and the request's total deadline). A reserved
slot is given back in the ``except BaseException`` block of the step that
holds it (``_open``, or the trace call after a wait) and the next waiter
woken: cancellation never leaks capacity.

Every lease goes through ``connect()``, the method aiohttp's connectors
override, so a subclass that wraps it sees every request.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

from lamella_core.abc import AbstractConnection
from lamella_core.exceptions import ConnectionTimeoutError, ServerTimeoutError

from .pool_state import OPEN, PROBE, WAIT, PoolState

if TYPE_CHECKING:
    from typing import Literal

    from yarl import URL

    from lamella_core._client.auth import BasicAuth
    from lamella_core._client.request import ClientRequest
    from lamella_core._timeouts import ClientTimeout

    from .pool_state import _Step
    from .pool_stats import PoolStats

__all__ = ["BaseConnector", "Connection", "ConnectionKey"]


class ConnectionKey(NamedTuple):
    """What makes two requests able to share a connection.

    Everything that changes what a connection is belongs here, so that a
    pooled connection only serves requests it was opened for: the origin,
    the TLS setting (``ssl``: True, False, an ``SSLContext`` or a
    ``Fingerprint``, which also secures an https proxy), the name the
    certificate was checked for (``server_hostname``), and the proxy with
    its credentials and headers. Settings of the connector itself (its
    default ``ssl``, the local address) are the same for its whole pool.
    """

    host: str
    port: int | None
    is_ssl: bool
    ssl: Any
    proxy: Any
    proxy_auth: Any
    proxy_headers_hash: int | None
    server_hostname: str | None = None


class Connection:
    """One connection lent by a connector to one request.

    Users get it as ``ClientResponse.connection``; they never build one.
    """

    __slots__ = ("_connector", "_key", "_protocol", "_loop", "_callbacks")

    def __init__(
        self,
        connector: BaseConnector,
        key: ConnectionKey,
        protocol: AbstractConnection,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._connector: BaseConnector | None = connector
        self._key = key
        self._protocol: AbstractConnection | None = protocol
        self._loop = loop
        self._callbacks: list[Any] | None = None  # allocated only when one is added

    def __repr__(self) -> str:
        return f"Connection<{self._key.host}:{self._key.port}{' closed' if self.closed else ''}>"

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the connection runs on (deprecated, as in aiohttp)."""
        warnings.warn("connector.loop property is deprecated", DeprecationWarning, stacklevel=2)
        return self._loop

    @property
    def transport(self) -> asyncio.Transport | None:
        """The transport, or None once released, closed or detached."""
        return None if self._protocol is None else self._protocol.transport

    @property
    def protocol(self) -> AbstractConnection | None:
        """The connection object, or None once released, closed or detached."""
        return self._protocol

    @property
    def closed(self) -> bool:
        """True once the connection was closed, released or detached."""
        return self._protocol is None or self._protocol.has_expired()

    def add_callback(self, callback: Any) -> None:
        """Call ``callback()`` once when the connection is released, closed or detached."""
        if callback is not None:
            if self._callbacks is None:
                self._callbacks = []
            self._callbacks.append(callback)

    def _hand_back(self) -> tuple[AbstractConnection, BaseConnector] | None:
        """Run the callbacks and forget the connection; what to give back, the first time."""
        callbacks, self._callbacks = self._callbacks, None
        for callback in callbacks or ():
            callback()
        protocol, connector = self._protocol, self._connector
        self._protocol = self._connector = None
        return None if protocol is None or connector is None else (protocol, connector)

    def close(self) -> None:
        """Close the socket and give the slot back to the connector."""
        if (lent := self._hand_back()) is not None:
            lent[1]._give_back(self._key, lent[0], close=True)

    def release(self) -> None:
        """Give the connection back to the pool; it is kept if still reusable."""
        if (lent := self._hand_back()) is not None:
            lent[1]._give_back(self._key, lent[0], close=False)

    def detach(self) -> None:
        """Forget the socket: the connector frees the slot but never reuses it.

        Raises:
            RuntimeError: the connection is multiplexed (``max_exchanges``
                above 1): other requests share its socket.
        """
        if self._protocol is not None and self._protocol.max_exchanges > 1:
            raise RuntimeError("A multiplexed connection cannot be detached")
        if (lent := self._hand_back()) is not None:
            lent[1]._detach(self._key, lent[0])


_NOT_SET: Any = object()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class BaseConnector:
    """Pools connections for a session; subclasses open the sockets.

    Args:
        keepalive_timeout: seconds an idle connection is kept (15 by default).
        force_close: close every connection after its response.
        limit: connections open at once across hosts (0 for no limit).
        limit_per_host: connections open at once per key (0 for no limit).
        enable_cleanup_closed: accepted for compatibility; no effect.
        timeout_ceil_threshold: accepted for compatibility; no effect.
    """

    def __init__(
        self,
        *,
        keepalive_timeout: float | Any | None = _NOT_SET,
        force_close: bool = False,
        limit: int = 100,
        limit_per_host: int = 0,
        enable_cleanup_closed: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        timeout_ceil_threshold: float = 5,
    ) -> None:
        if force_close:
            if keepalive_timeout is not None and keepalive_timeout is not _NOT_SET:
                raise ValueError("keepalive_timeout cannot be set if force_close is True")
            keepalive_timeout = None
        elif keepalive_timeout is _NOT_SET:
            keepalive_timeout = 15.0
        self._keepalive_timeout: float | None = keepalive_timeout
        self._force_close = force_close
        self._limit = limit
        self._limit_per_host = limit_per_host
        # Made inside a running loop, the pool belongs to it (a session in
        # another loop refuses it, as aiohttp's does); made outside any, it is
        # bound on first use.
        self._loop = loop if loop is not None else _running_loop()
        self._closed = False
        self._state: PoolState[ConnectionKey, asyncio.Future[None]] = PoolState(
            limit=limit,
            limit_per_host=limit_per_host,
            keepalive_timeout=keepalive_timeout,
            force_close=force_close,
        )
        self._cleanup_handle: asyncio.TimerHandle | None = None
        self._proxy_routes: dict[URL, BaseConnector] = {}

    def __repr__(self) -> str:
        total = self._state.stats().total
        return (
            f"<{type(self).__name__} limit={self._limit} limit_per_host={self._limit_per_host} "
            f"in_use={total.in_use} idle={total.idle} opening={total.opening} "
            f"waiting={total.waiting}{' closed' if self._closed else ''}>"
        )

    #: Proxy URL schemes this connector speaks itself; for others the session
    #: asks the ``lamella_proxy_connector`` hook.
    proxy_schemes: frozenset[str] = frozenset()
    #: True when some connections this connector opens may be multiplexed,
    #: so a lend asks :meth:`_may_share`; an HTTP/1.1-only pool skips the call.
    _may_multiplex: bool = False

    # --- public API ------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @property
    def force_close(self) -> bool:
        """True when connections are never kept alive."""
        return self._force_close

    @property
    def limit(self) -> int:
        """The overall limit on simultaneous connections (0: unlimited)."""
        return self._limit

    @property
    def limit_per_host(self) -> int:
        """The limit per (host, port, TLS) key (0: unlimited)."""
        return self._limit_per_host

    @property
    def keepalive_timeout(self) -> float | None:
        """Seconds an idle connection stays in the pool."""
        return self._keepalive_timeout

    def stats(self) -> PoolStats[ConnectionKey]:
        """A snapshot of the pool: idle, in-use and opening connections and
        waiting requests, per ``ConnectionKey`` and in total."""
        return self._state.stats(closed=self._closed)

    async def close(self, *, abort_ssl: bool = False) -> None:
        """Close every connection, idle and lent, and refuse new requests.

        Args:
            abort_ssl: drop TLS connections at once, without the close_notify
                exchange (faster, less graceful), as aiohttp's parameter does.
        """
        if self._closed:
            return
        self._closed = True
        if self._cleanup_handle is not None:
            self._cleanup_handle.cancel()
            self._cleanup_handle = None
        conns, waiters = self._state.close_all()
        for conn in conns:
            transport = conn.transport
            if abort_ssl and transport is not None and transport.get_extra_info("sslcontext"):
                transport.abort()
            else:
                conn.close()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(RuntimeError("Connector is closed."))

    async def __aenter__(self) -> BaseConnector:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def connect(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> Connection:
        """Lend a connection for ``req``: an idle one at once, or a new one within limits.

        Waiting for a slot and opening are bounded by ``timeout.connect``
        and by ``req.deadline`` (the request's total timeout); past them
        :class:`~lamella_core.exceptions.ConnectionTimeoutError` is raised.
        An override that awaits anything before calling ``super().connect()``
        bounds that wait itself.
        """
        if self._closed:
            raise RuntimeError("Connector is closed.")
        key = req.connection_key
        state = self._state
        shareable = self._may_multiplex and self._may_share(req)
        step = state.assign(key, time.monotonic(), shareable=shareable)
        if state.to_close or state.to_wake:
            self._carry_out()
        if step is OPEN or step is PROBE or step is WAIT:
            return await self._connect_slowly(key, step, req, traces, timeout)
        conn = Connection(self, key, step, self._get_loop())
        if traces:
            await self._traced_reuse(conn, traces)
        return conn

    def drop_idle(self, key: ConnectionKey) -> None:
        """Close the idle connections kept for ``key``.

        The session calls it when a kept-alive connection of ``key`` turns
        out closed by the server: the pool lends the most recently used one
        first, so the others have been idle longer and are as likely closed.
        """
        self._state.drop_idle(key)
        self._carry_out()

    def add_proxy_route(self, proxy: URL, opener: BaseConnector) -> None:
        """Open the connections of requests through ``proxy`` with ``opener``.

        The session calls it with the connector a plugin supplies for a
        proxy scheme this connector does not speak (SOCKS, for example).
        ``opener`` only opens connections: this connector still lends,
        pools and counts them, so its ``limit`` and ``limit_per_host``
        govern every connection of the session, whatever carries it; and
        ``opener`` is first offered this connector's settings
        (``_adopt_settings``).
        """
        opener._adopt_settings(self)
        self._proxy_routes[proxy] = opener

    def proxy_from_env(self, url: URL) -> tuple[URL, BasicAuth | None] | None:
        """The proxy the environment names for ``url`` (sessions with ``trust_env``).

        Core reads no environment; lamella-connectors' ``TCPConnector`` does.
        It runs in the event loop, so it must not read files: the session
        adds netrc credentials for the proxy when none come back.
        """
        return None

    # --- for subclasses -----------------------------------------------------------

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> AbstractConnection:
        """Open a new connection for ``req``; subclasses implement it."""
        raise NotImplementedError

    def _may_share(self, req: ClientRequest) -> bool:
        """True when the connection opened for ``req`` may be multiplexed (HTTP/2 offered).

        Such requests to one key wait for the outcome of one being opened
        rather than each open their own; False here, ``TCPConnector``
        answers from its ``http2=`` setting.
        """
        return False

    def _adopt_settings(self, pool: BaseConnector) -> None:
        """Take what applies of ``pool``'s settings, before opening connections for it.

        Called by :meth:`add_proxy_route`; a no-op here. ``TCPConnector``
        takes the TLS, DNS and connect settings of a ``TCPConnector`` pool.
        """

    def _pooled_connections(self) -> list[AbstractConnection]:
        """Every connection the pool holds, idle and lent: for a subclass's ``close``."""
        return self._state.connections()

    # --- doing what the state decided -------------------------------------------

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _carry_out(self) -> None:
        """Close what the state gave up and wake whom it chose."""
        state = self._state
        while state.to_close or state.to_wake:
            to_close, to_wake = state.effects()
            for conn in to_close:
                conn.close()
            for waiter in to_wake:
                if waiter.done():  # cancelled before it could leave the queue
                    state.pass_on()
                else:
                    waiter.set_result(None)

    async def _traced_reuse(self, conn: Connection, traces: list[Any]) -> None:
        try:
            for trace in traces:
                await trace.send_connection_reuseconn()
        except BaseException:
            conn.release()
            raise

    async def _connect_slowly(
        self,
        key: ConnectionKey,
        step: Literal[_Step.OPEN, _Step.PROBE, _Step.WAIT],
        req: ClientRequest,
        traces: list[Any],
        timeout: ClientTimeout,
    ) -> Connection:
        """Wait for a slot and open a connection, within the connect budget."""
        loop = self._get_loop()
        when = req.deadline
        if timeout.connect is not None:
            start_by = loop.time() + timeout.connect
            when = start_by if when is None else min(when, start_by)
        try:
            async with asyncio.timeout_at(when):
                if step is WAIT:
                    shareable = self._may_multiplex and self._may_share(req)
                    found = await self._wait_for_connection(key, traces, shareable)
                    if found is not OPEN and found is not PROBE:
                        conn = Connection(self, key, found, loop)
                        if traces:
                            await self._traced_reuse(conn, traces)
                        return conn
                    step = found
                protocol = await self._open(key, req, traces, timeout, probe=step is PROBE)
        except TimeoutError as exc:
            if isinstance(exc, ServerTimeoutError):  # already says which timeout
                raise
            raise ConnectionTimeoutError(f"Connection timeout to host {req.url}") from exc
        return Connection(self, key, protocol, loop)

    async def _wait_for_connection(
        self, key: ConnectionKey, traces: list[Any], shareable: bool
    ) -> AbstractConnection | Literal[_Step.OPEN, _Step.PROBE]:
        """Wait until the state assigns a connection or a slot (``OPEN``, ``PROBE``)."""
        state = self._state
        while True:
            for trace in traces:
                await trace.send_connection_queued_start()
            await self._wait_for_slot(key)
            step = state.assign(key, time.monotonic(), shareable=shareable)
            self._carry_out()
            try:
                for trace in traces:
                    await trace.send_connection_queued_end()
            except BaseException:
                if step is OPEN or step is PROBE:
                    state.open_failed(key, probe=step is PROBE)
                    self._carry_out()
                elif step is not WAIT:
                    self._give_back(key, step, close=False)
                raise
            if step is not WAIT:
                return step

    async def _wait_for_slot(self, key: ConnectionKey) -> None:
        state = self._state
        waiter: asyncio.Future[None] = self._get_loop().create_future()
        state.queue(key, waiter)
        try:
            await waiter
        except BaseException:
            if (
                not state.unqueue(key, waiter)
                and waiter.done()
                and not waiter.cancelled()
                and waiter.exception() is None
            ):
                state.pass_on()  # woken, then cancelled: pass the wake-up on
                self._carry_out()
            raise
        if self._closed:
            raise RuntimeError("Connector is closed.")

    async def _open(
        self,
        key: ConnectionKey,
        req: ClientRequest,
        traces: list[Any],
        timeout: ClientTimeout,
        *,
        probe: bool = False,
    ) -> AbstractConnection:
        """Open a connection for the slot ``assign`` reserved, and count it as lent."""
        protocol = None
        try:
            for trace in traces:
                await trace.send_connection_create_start()
            route = self._proxy_routes.get(req.proxy) if req.proxy is not None else None
            opener = self if route is None else route
            protocol = await opener._create_connection(req, traces, timeout)
            for trace in traces:
                await trace.send_connection_create_end()
            if self._closed:
                raise RuntimeError("Connector is closed.")
        except BaseException:
            if protocol is not None:
                protocol.close()
            self._state.open_failed(key, probe=probe)
            self._carry_out()
            raise
        self._state.opened(key, protocol, probe=probe)
        self._carry_out()
        return protocol

    def _give_back(self, key: ConnectionKey, protocol: AbstractConnection, *, close: bool) -> None:
        """End a lease: the state keeps the connection idle or has it closed."""
        if self._closed:
            protocol.close()
            return
        state = self._state
        kept = state.release(key, protocol, time.monotonic(), close=close)
        if kept and self._cleanup_handle is None:
            self._schedule_cleanup()
        if state.to_close or state.to_wake:
            self._carry_out()

    def _detach(self, key: ConnectionKey, protocol: AbstractConnection) -> None:
        """End a lease and forget the connection without closing it."""
        self._state.forget(key, protocol)
        self._carry_out()

    def _schedule_cleanup(self) -> None:
        if self._cleanup_handle is None and self._keepalive_timeout is not None:
            loop = self._get_loop()
            self._cleanup_handle = loop.call_at(
                loop.time() + self._keepalive_timeout, self._cleanup
            )

    def _cleanup(self) -> None:
        """Close idle connections past keep-alive or closed by the server."""
        self._cleanup_handle = None
        if self._state.expire(time.monotonic()):
            self._schedule_cleanup()
        self._carry_out()
