"""``BaseConnector`` and ``Connection``: lending pooled connections to requests.

Theory of operation: the connector keeps idle keep-alive connections per
``ConnectionKey`` (scheme, host, port, TLS and proxy settings) and counts
the ones lent out, against ``limit`` overall and ``limit_per_host`` per key.
``connect()`` first takes an idle connection that is still open and not
expired; otherwise it waits for a free slot (FIFO per key) and asks the
subclass to open a new one. Slots are reserved before any await, so a
cancelled or failed open gives its slot back in one ``except BaseException``
block and wakes the next waiter: cancellation never leaks capacity.

Deciding is synchronous (``_take_idle``, ``_has_capacity``, ``_wake_next``)
and does no I/O; only opening and closing sockets await.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections import OrderedDict, defaultdict, deque
from typing import TYPE_CHECKING, Any, NamedTuple

from .http11 import HTTP11Connection

if TYPE_CHECKING:
    from yarl import URL

    from lamella_core._client.auth import BasicAuth
    from lamella_core._client.request import ClientRequest
    from lamella_core._timeouts import ClientTimeout

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
        protocol: HTTP11Connection,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._connector: BaseConnector | None = connector
        self._key = key
        self._protocol: HTTP11Connection | None = protocol
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
    def protocol(self) -> HTTP11Connection | None:
        """The protocol object, or None once released, closed or detached."""
        return self._protocol

    @property
    def closed(self) -> bool:
        """True once the connection was closed, released or detached."""
        return self._protocol is None or not self._protocol.is_connected()

    def add_callback(self, callback: Any) -> None:
        """Call ``callback()`` once when the connection is released, closed or detached."""
        if callback is not None:
            if self._callbacks is None:
                self._callbacks = []
            self._callbacks.append(callback)

    def _hand_back(self) -> tuple[HTTP11Connection, BaseConnector] | None:
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
            lent[1]._release(self._key, lent[0], should_close=True)

    def release(self) -> None:
        """Give the connection back to the pool; it is kept if still reusable."""
        if (lent := self._hand_back()) is not None:
            lent[1]._release(self._key, lent[0], should_close=not lent[0].reusable)

    def detach(self) -> None:
        """Forget the socket: the connector frees the slot but never reuses it."""
        if (lent := self._hand_back()) is not None:
            lent[1]._release_acquired(self._key, lent[0])


_NOT_SET: Any = object()


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
        self._loop = loop
        self._closed = False
        self._idle: dict[ConnectionKey, deque[tuple[HTTP11Connection, float]]] = {}
        self._acquired: set[HTTP11Connection] = set()
        self._acquired_per_host: defaultdict[ConnectionKey, set[HTTP11Connection]] = defaultdict(
            set
        )
        self._opening = 0
        self._opening_per_host: defaultdict[ConnectionKey, int] = defaultdict(int)
        self._waiters: OrderedDict[ConnectionKey, deque[asyncio.Future[None]]] = OrderedDict()
        self._cleanup_handle: asyncio.TimerHandle | None = None
        self._proxy_routes: dict[URL, BaseConnector] = {}

    def __repr__(self) -> str:
        idle = sum(len(conns) for conns in self._idle.values())
        return (
            f"<{type(self).__name__} limit={self._limit} limit_per_host={self._limit_per_host} "
            f"acquired={len(self._acquired)} idle={idle}{' closed' if self._closed else ''}>"
        )

    #: Proxy URL schemes this connector speaks itself; for others the session
    #: asks the ``lamella_proxy_connector`` hook.
    proxy_schemes: frozenset[str] = frozenset()

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
        for protocol in (
            *(protocol for conns in self._idle.values() for protocol, _ in conns),
            *self._acquired,
        ):
            transport = protocol.transport
            if abort_ssl and transport is not None and transport.get_extra_info("sslcontext"):
                protocol.abort()
            else:
                protocol.close()
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(RuntimeError("Connector is closed."))
        self._idle.clear()
        self._acquired.clear()
        self._acquired_per_host.clear()
        self._waiters.clear()

    async def __aenter__(self) -> BaseConnector:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def connect(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> Connection:
        """Lend a connection for ``req``: an idle one, or a new one within limits."""
        return await self._acquire(req, traces, timeout, reuse=True)

    async def _acquire(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout, *, reuse: bool
    ) -> Connection:
        """Lend a connection; with ``reuse=False`` always a new one (within limits)."""
        if self._closed:
            raise RuntimeError("Connector is closed.")
        key = req.connection_key
        loop = self._get_loop()
        protocol = self._take_idle(key) if reuse else None
        while protocol is None and not self._has_capacity(key):
            for trace in traces:
                await trace.send_connection_queued_start()
            await self._wait_for_slot(key, loop)
            for trace in traces:
                await trace.send_connection_queued_end()
            if self._closed:
                raise RuntimeError("Connector is closed.")
            protocol = self._take_idle(key) if reuse else None
        if protocol is None:
            protocol = await self._open(key, req, traces, timeout)
        else:
            for trace in traces:
                await trace.send_connection_reuseconn()
        return self._lend(key, protocol)

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

    def _reuse(self, key: ConnectionKey) -> Connection | None:
        """Lend an idle pooled connection for ``key`` at once, or return None.

        Synchronous, so the session can skip connect timers when it succeeds.
        """
        if self._closed:
            return None
        protocol = self._take_idle(key)
        return None if protocol is None else self._lend(key, protocol)

    def _lend(self, key: ConnectionKey, protocol: HTTP11Connection) -> Connection:
        self._acquired.add(protocol)
        self._acquired_per_host[key].add(protocol)
        return Connection(self, key, protocol, self._get_loop())

    # --- for subclasses -----------------------------------------------------------

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> HTTP11Connection:
        """Open a new connection for ``req``; subclasses implement it."""
        raise NotImplementedError

    def _adopt_settings(self, pool: BaseConnector) -> None:
        """Take what applies of ``pool``'s settings, before opening connections for it.

        Called by :meth:`add_proxy_route`; a no-op here. ``TCPConnector``
        takes the TLS, DNS and connect settings of a ``TCPConnector`` pool.
        """

    # --- deciding (synchronous) ---------------------------------------------------

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def _take_idle(self, key: ConnectionKey) -> HTTP11Connection | None:
        conns = self._idle.get(key)
        if not conns:
            return None
        now = time.monotonic()
        keepalive = self._keepalive_timeout
        while conns:
            protocol, released_at = conns.pop()  # most recently used first
            if keepalive is not None and now - released_at > keepalive:
                protocol.close()
            elif protocol.is_connected():
                if not conns:
                    del self._idle[key]
                return protocol
        del self._idle[key]
        return None

    def _in_use(self, key: ConnectionKey | None = None) -> int:
        if key is None:
            return len(self._acquired) + self._opening
        return len(self._acquired_per_host.get(key, ())) + self._opening_per_host.get(key, 0)

    def _has_capacity(self, key: ConnectionKey) -> bool:
        if self._limit and self._in_use() >= self._limit:
            return False
        return not (self._limit_per_host and self._in_use(key) >= self._limit_per_host)

    def _wake_next(self) -> None:
        """Wake the first waiter whose key has room (FIFO per key)."""
        if self._limit and self._in_use() >= self._limit:
            return
        for key, waiters in list(self._waiters.items()):
            if self._limit_per_host and self._in_use(key) >= self._limit_per_host:
                continue
            while waiters:
                waiter = waiters.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    if not waiters:
                        del self._waiters[key]
                    return
            del self._waiters[key]

    # --- doing (awaits) -----------------------------------------------------------

    async def _wait_for_slot(self, key: ConnectionKey, loop: asyncio.AbstractEventLoop) -> None:
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.setdefault(key, deque()).append(waiter)
        try:
            await waiter
        except BaseException:
            waiters = self._waiters.get(key)
            if waiters is not None and waiter in waiters:
                waiters.remove(waiter)
                if not waiters:
                    del self._waiters[key]
            elif waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                # Woken, then cancelled: pass the wake-up on.
                self._wake_next()
            raise

    async def _open(
        self, key: ConnectionKey, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> HTTP11Connection:
        self._opening += 1
        self._opening_per_host[key] += 1
        try:
            for trace in traces:
                await trace.send_connection_create_start()
            route = self._proxy_routes.get(req.proxy) if req.proxy is not None else None
            opener = self if route is None else route
            protocol = await opener._create_connection(req, traces, timeout)
            for trace in traces:
                await trace.send_connection_create_end()
        except BaseException:
            self._opening -= 1
            self._drop_opening(key)
            self._wake_next()
            raise
        self._opening -= 1
        self._drop_opening(key)
        if self._closed:
            protocol.close()
            raise RuntimeError("Connector is closed.")
        return protocol

    def _drop_opening(self, key: ConnectionKey) -> None:
        left = self._opening_per_host[key] - 1
        if left:
            self._opening_per_host[key] = left
        else:
            del self._opening_per_host[key]

    def _release_acquired(self, key: ConnectionKey, protocol: HTTP11Connection) -> None:
        """Stop counting ``protocol`` as lent, and wake a waiter if one waits."""
        self._acquired.discard(protocol)
        per_host = self._acquired_per_host.get(key)
        if per_host is not None:
            per_host.discard(protocol)
            if not per_host:
                del self._acquired_per_host[key]
        if self._waiters:
            self._wake_next()

    def _release(
        self, key: ConnectionKey, protocol: HTTP11Connection, *, should_close: bool
    ) -> None:
        if self._closed:
            protocol.close()
            return
        if should_close or self._force_close or not protocol.is_connected():
            protocol.close()
        else:
            idle = self._idle.get(key)
            if idle is None:
                idle = self._idle[key] = deque()
            idle.append((protocol, time.monotonic()))
            if self._cleanup_handle is None:
                self._schedule_cleanup()
        self._release_acquired(key, protocol)

    def _schedule_cleanup(self) -> None:
        if self._cleanup_handle is None and self._keepalive_timeout is not None:
            loop = self._get_loop()
            self._cleanup_handle = loop.call_at(
                loop.time() + self._keepalive_timeout, self._cleanup
            )

    def _cleanup(self) -> None:
        """Close idle connections past keep-alive or closed by the server."""
        self._cleanup_handle = None
        now = time.monotonic()
        keepalive = self._keepalive_timeout or 0.0
        for key in list(self._idle):
            kept: deque[tuple[HTTP11Connection, float]] = deque()
            for protocol, released_at in self._idle[key]:
                if now - released_at > keepalive or not protocol.is_connected():
                    protocol.close()
                else:
                    kept.append((protocol, released_at))
            if kept:
                self._idle[key] = kept
            else:
                del self._idle[key]
        if self._idle:
            self._schedule_cleanup()
