"""``TCPConnector``: TCP and TLS connections with DNS caching, happy eyeballs and proxies.

Theory of operation: opening a connection is a ladder of small steps, each
one overridable by a subclass:

``_create_connection`` chooses the route: straight to the origin, or
through an HTTP(S) proxy (see ``_proxy``). ``_connect(key, tls, timeout)``
reaches one host: it resolves the name (``_resolve``: TTL cache and shared
lookups in ``_dns``), then, within ``ClientTimeout.sock_connect``, opens the
socket with aiohappyeyeballs (RFC 8305: the next address is tried when the
previous one has not answered after ``happy_eyeballs_delay``) and wraps it
(``_wrap_socket``: TLS handshake, fingerprint check, the protocol). A SOCKS
connector overrides ``_connect`` alone and reuses the rest.

With ``http2=True`` direct TLS connections offer ``h2`` in ALPN, and the
protocol is chosen once the handshake has said what the server picked
(``_tls``: the ``TLSSettings`` of a connection and the ALPN choice): HTTP/2
comes from the ``lamella_http2_connection`` hook (lamella-http2), so this
distribution never imports it.

Every failure is translated by lamella-core's ``mapped_connect_errors``.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import socket
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import aiohappyeyeballs

from lamella_core.connection import (
    AbstractConnection,
    BaseConnector,
    ConnectionKey,
    HTTP11Connection,
    mapped_connect_errors,
)
from lamella_core.exceptions import (
    ClientConnectorDeniedError,
    ClientConnectorDNSError,
    ClientConnectorError,
    SocketTimeoutError,
)

from ._dns import HostResolver
from ._env import proxy_from_env
from ._guard import AddressGuard
from ._proxy import open_tunnel, proxy_key, proxy_tls_setting
from ._resolver import DefaultResolver
from ._tls import (
    H2_IN_TUNNEL,
    H2_UNWANTED,
    PLAIN,
    ALPNChooser,
    HTTP2Setting,
    TLSSettings,
    alpn,
    check_ssl,
    http2_factory,
    trace_tls,
)

if TYPE_CHECKING:
    from types import MappingProxyType

    from yarl import URL

    from lamella_core import BasicAuth, ClientRequest, ClientTimeout
    from lamella_core.abc import AbstractResolver, ResolveResult

__all__ = ["AddrInfoType", "SocketFactoryType", "TCPConnector"]

#: An address as ``getaddrinfo`` gives it: ``(family, type, proto, canonname, sockaddr)``.
AddrInfoType = aiohappyeyeballs.AddrInfoType
#: What ``socket_factory=`` is: builds the socket to connect for one address.
SocketFactoryType = Callable[[AddrInfoType], socket.socket]

_UNSET: Any = object()
_PROXY_SCHEMES = frozenset({"http", "https"})


def _socket_open(transport: asyncio.BaseTransport) -> bool:
    try:
        sock = transport.get_extra_info("socket")
    except AttributeError:
        # asyncio's TLS transport drops its protocol once the connection is
        # lost, and then cannot answer get_extra_info(): its socket is gone.
        return False
    return sock is not None and sock.fileno() != -1


async def _wait_closed(transports: list[asyncio.Transport], grace: float) -> None:
    """Give closing transports ``grace`` seconds to release their sockets, then abort them."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    pending = transports
    while pending:
        await asyncio.sleep(0)  # plain TCP transports finish closing within a turn
        pending = [transport for transport in pending if _socket_open(transport)]
        if not pending:
            return
        if loop.time() >= deadline:
            for transport in pending:
                transport.abort()
            await asyncio.sleep(0)  # the abort closes the socket on the next turn
            return
        await asyncio.sleep(0.01)


class TCPConnector(BaseConnector):
    """TCP and TLS connections, pooled, with DNS caching, happy eyeballs and proxies.

    Args:
        ssl: the default TLS setting of https requests: True (verify), False
            (no verification), an ``ssl.SSLContext`` or a :class:`Fingerprint`.
        use_dns_cache: keep resolved addresses for ``ttl_dns_cache`` seconds.
        ttl_dns_cache: seconds a resolved address stays cached (None: forever).
        family: ``socket.AF_INET`` or ``AF_INET6`` to use only that family; 0 for both.
        local_addr: ``(host, port)`` to bind the local end of connections to.
        resolver: the resolver to use; a new ``DefaultResolver`` when None.
        keepalive_timeout: seconds an idle connection is kept (15 by default).
        force_close: close every connection after its response.
        limit: connections open at once across hosts (0: no limit).
        limit_per_host: connections open at once per host (0: no limit).
        enable_cleanup_closed: accepted for compatibility; asyncio's TLS
            transport aborts an unanswered TLS shutdown by itself.
        loop: accepted for compatibility; the running loop is used.
        timeout_ceil_threshold: accepted for compatibility; no effect.
        happy_eyeballs_delay: seconds to wait before trying the next
            address (RFC 8305); None tries addresses one after another.
        interleave: how many addresses of the first family to try before
            the other family (RFC 8305 "First Address Family Count").
        socket_factory: builds the socket for an address tuple
            ``(family, type, proto, canonname, sockaddr)``, e.g. to set options.
        deny_private: refuse to connect to loopback, private, link-local,
            multicast and reserved addresses, checked on each resolved
            address (so redirects and DNS rebinding are caught too); a host
            left with no address raises ``ClientConnectorDeniedError``.
        allowed_networks: networks (``"10.1.0.0/16"``) that ``deny_private``
            lets through.
        dns_cache_max_size: hosts kept in the DNS cache (1000); the least
            recently resolved one is forgotten first.
        ssl_shutdown_timeout: deprecated, as in aiohttp: the seconds
            :meth:`close` waits for TLS connections to shut down
            (``TLS_SHUTDOWN_GRACE``); 0 aborts them at once.
        http2: ``True`` offers ``h2`` and ``http/1.1`` in ALPN on TLS
            connections and speaks HTTP/2 when the server picks it;
            ``"prior-knowledge"`` also speaks h2c at once on plain http.
            Needs lamella-http2 (``RuntimeError`` naming it otherwise). Not
            used through HTTP(S) proxies. See docs/http2.md.
        http2_ping_interval: seconds an HTTP/2 connection may stay idle
            before it sends a ``PING``; one unanswered for as long closes it.
            None (the default) sends no ``PING``.
    """

    proxy_schemes: frozenset[str] = _PROXY_SCHEMES

    #: Seconds :meth:`close` waits for TLS connections to shut down cleanly.
    TLS_SHUTDOWN_GRACE: float = 0.5

    def __init__(
        self,
        *,
        ssl: Any = True,
        use_dns_cache: bool = True,
        ttl_dns_cache: float | None = 10,
        family: int = 0,
        local_addr: tuple[str, int] | None = None,
        resolver: AbstractResolver | None = None,
        keepalive_timeout: float | None = _UNSET,
        force_close: bool = False,
        limit: int = 100,
        limit_per_host: int = 0,
        enable_cleanup_closed: bool = False,
        loop: asyncio.AbstractEventLoop | None = None,
        timeout_ceil_threshold: float = 5,
        happy_eyeballs_delay: float | None = 0.25,
        interleave: int | None = None,
        socket_factory: SocketFactoryType | None = None,
        deny_private: bool = False,
        allowed_networks: Iterable[str | ipaddress.IPv4Network | ipaddress.IPv6Network] = (),
        dns_cache_max_size: int = 1000,
        ssl_shutdown_timeout: float | None = _UNSET,
        http2: HTTP2Setting = False,
        http2_ping_interval: float | None = None,
    ) -> None:
        if http2_ping_interval is not None and http2_ping_interval <= 0:
            raise ValueError(f"http2_ping_interval must be positive, not {http2_ping_interval!r}")
        self._h2_factory = http2_factory(http2, http2_ping_interval)
        self._may_multiplex = self._h2_factory is not None
        self._http2 = http2
        pool: dict[str, Any] = {}
        if keepalive_timeout is not _UNSET:
            pool["keepalive_timeout"] = keepalive_timeout
        super().__init__(
            force_close=force_close,
            limit=limit,
            limit_per_host=limit_per_host,
            enable_cleanup_closed=enable_cleanup_closed,
            loop=loop,
            timeout_ceil_threshold=timeout_ceil_threshold,
            **pool,
        )
        self._ssl = check_ssl(ssl)
        self._family = family
        self._local_addr = local_addr
        self._local_addr_infos = aiohappyeyeballs.addr_to_addr_infos(local_addr)
        self._resolver_owner = resolver is None
        self._hosts = HostResolver(
            DefaultResolver() if resolver is None else resolver,
            use_cache=use_dns_cache,
            ttl=ttl_dns_cache,
            family=family,
            max_size=dns_cache_max_size,
        )
        if ssl_shutdown_timeout is not _UNSET:
            warnings.warn(
                "The ssl_shutdown_timeout parameter is deprecated, as in aiohttp",
                DeprecationWarning,
                stacklevel=2,
            )
            if ssl_shutdown_timeout is not None:
                self.TLS_SHUTDOWN_GRACE = ssl_shutdown_timeout
        self._use_dns_cache = use_dns_cache
        self._happy_eyeballs_delay = happy_eyeballs_delay
        self._interleave = interleave
        self._socket_factory = socket_factory
        self._guard = AddressGuard(allowed_networks) if deny_private else None
        self._pool: TCPConnector | None = None  # set when this connector opens for another
        if allowed_networks and not deny_private:
            raise ValueError("allowed_networks only has a meaning with deny_private=True")

    # --- aiohttp's public attributes ------------------------------------------------

    @property
    def family(self) -> int:
        """The address family connections use (0: any)."""
        return self._family

    @property
    def use_dns_cache(self) -> bool:
        """True when resolved addresses are cached."""
        return self._use_dns_cache

    @property
    def dns_cache(self) -> bool:
        """``use_dns_cache`` under the name aiohttp's client reference gives it."""
        return self._use_dns_cache

    @property
    def cached_hosts(self) -> MappingProxyType[tuple[str, int], list[ResolveResult]]:
        """The unexpired cached addresses, keyed by ``(host, port)``."""
        return self._hosts.cached

    def clear_dns_cache(self, host: str | None = None, port: int | None = None) -> None:
        """Forget the cached addresses of ``(host, port)``, or all of them.

        Raises:
            ValueError: only one of ``host`` and ``port`` was given.
        """
        self._hosts.clear(host, port)

    def proxy_from_env(self, url: URL) -> tuple[URL, BasicAuth | None] | None:
        """The proxy that ``HTTP_PROXY``, ``NO_PROXY``, ... name for ``url``.

        Credentials in the proxy URL come along; netrc ones are the session's
        to add, since it read the file once, outside the event loop.
        """
        return proxy_from_env(url, credentials=None)

    async def close(self, *, abort_ssl: bool = False) -> None:
        """Close every connection and, when the connector made it, the resolver.

        TLS connections end with a close_notify exchange, which needs a few
        turns of the event loop; ``close()`` waits for it up to
        ``TLS_SHUTDOWN_GRACE`` seconds and then aborts what is left, so no
        socket outlives the connector (aiohttp asks its users to sleep after
        closing instead, or to set ``enable_cleanup_closed``). With
        ``abort_ssl=True`` TLS connections are dropped at once instead.
        """
        if self.closed:
            return
        transports = [
            protocol.transport
            for protocol in self._pooled_connections()
            if protocol.transport is not None
        ]
        await super().close(abort_ssl=abort_ssl)
        if self._pool is None:  # a pool's DNS cache and resolver are the pool's to close
            # A resolver given by the caller is theirs to close.
            await self._hosts.close(close_resolver=self._resolver_owner)
        await _wait_closed(transports, self.TLS_SHUTDOWN_GRACE)

    def _adopt_settings(self, pool: BaseConnector) -> None:
        """Connect as ``pool`` does, when opening connections for it (a proxy route).

        A SOCKS connector or an HTTP proxy connector a plugin builds for a
        session then uses the session connector's TLS setting, resolver and
        DNS cache, address family, local address, happy-eyeballs settings,
        socket factory and address guard. Its own default resolver, a
        ``ThreadedResolver``, holds nothing to release.
        """
        if not isinstance(pool, TCPConnector) or pool is self:
            return
        self._pool = pool
        self._ssl = pool._ssl
        self._family = pool._family
        self._local_addr = pool._local_addr
        self._local_addr_infos = pool._local_addr_infos
        self._hosts = pool._hosts
        self._use_dns_cache = pool._use_dns_cache
        self._happy_eyeballs_delay = pool._happy_eyeballs_delay
        self._interleave = pool._interleave
        self._socket_factory = pool._socket_factory
        self._guard = pool._guard
        self._http2 = pool._http2
        self._h2_factory = pool._h2_factory
        self._may_multiplex = pool._may_multiplex

    # --- opening connections ----------------------------------------------------------

    @property
    def http2(self) -> HTTP2Setting:
        """The ``http2=`` setting: False, True or ``"prior-knowledge"``."""
        return self._http2

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> AbstractConnection:
        proxy = req.proxy
        if proxy is None:
            return await self._create_direct_connection(req, timeout, traces)
        if proxy.scheme in _PROXY_SCHEMES:
            return await self._create_proxy_connection(req, proxy, timeout, traces)
        raise ValueError(f"{type(self).__name__} does not speak {proxy.scheme!r} proxies")

    async def _create_direct_connection(
        self, req: ClientRequest, timeout: ClientTimeout, traces: Sequence[Any] = ()
    ) -> AbstractConnection:
        key = req.connection_key
        with mapped_connect_errors(key, what=f"host {req.url}"):
            conn = await self._connect(key, self._tls_for(req, http2=True), timeout, traces)
        await _settled(conn, timeout)
        return conn

    async def _create_proxy_connection(
        self, req: ClientRequest, proxy: URL, timeout: ClientTimeout, traces: Sequence[Any] = ()
    ) -> HTTP11Connection:
        from lamella_core.exceptions import ClientProxyConnectionError

        key = proxy_key(proxy)
        tls = PLAIN
        if key.is_ssl:
            setting = proxy_tls_setting(req.connection_key.ssl, self._ssl)
            tls = TLSSettings.from_setting(setting, key.host.rstrip("."))
        with mapped_connect_errors(key, what=f"proxy {proxy}", os_error=ClientProxyConnectionError):
            protocol = await self._connect(key, tls, timeout, traces)
        assert isinstance(protocol, HTTP11Connection)  # tls has no h2: proxies speak HTTP/1.1
        if not req.is_ssl():
            return protocol  # plain http: the request goes to the proxy in absolute form
        origin = req.connection_key
        try:
            await open_tunnel(protocol, req, timeout)
            origin_tls = self._tls_for(req)
            with mapped_connect_errors(origin, what=f"host {req.url}"):
                async with asyncio.timeout(timeout.sock_connect):
                    await self._start_tls_in_tunnel(protocol, origin, origin_tls, traces)
        except BaseException:
            protocol.close()
            raise
        return protocol

    async def _start_tls_in_tunnel(
        self,
        protocol: HTTP11Connection,
        key: ConnectionKey,
        tls: TLSSettings,
        traces: Sequence[Any] = (),
    ) -> None:
        """Start TLS to the origin over a tunnel the proxy has opened."""
        transport = protocol.transport
        assert transport is not None
        assert tls.context is not None
        loop = self._get_loop()
        await trace_tls(traces, key, tls)
        tls_transport = await loop.start_tls(
            transport, protocol, tls.context, server_hostname=tls.server_hostname
        )
        assert tls_transport is not None
        protocol.switch_transport(tls_transport)
        await trace_tls(traces, key, tls, tls_transport)
        if alpn(tls_transport) == "h2":
            # A caller's SSLContext offered h2 in a tunnel, which speaks HTTP/1.1.
            raise ClientConnectorError(key, OSError(errno.EPROTO, H2_IN_TUNNEL))
        if tls.fingerprint is not None:
            tls.fingerprint.check(tls_transport, key.host, key.port or 443)

    # --- the steps subclasses reuse or override ------------------------------------------

    async def _connect(
        self,
        key: ConnectionKey,
        tls: TLSSettings,
        timeout: ClientTimeout,
        traces: Sequence[Any] = (),
    ) -> AbstractConnection:
        """Open a connection to ``key.host:key.port``, with TLS when ``tls`` asks.

        Raises stdlib errors (``OSError``, ``ssl.SSLError``, ``TimeoutError``)
        or lamella's; the caller translates them. A SOCKS connector overrides
        this step to reach the host through its proxy.
        """
        addrs = await self._resolve(key, traces)
        budget = timeout.sock_connect
        # Each address gets its own sock_connect budget: one that never
        # answers (a broken IPv6 route, a firewall dropping SYNs) costs that
        # budget, then the next is tried.
        async with asyncio.timeout(None if budget is None else budget * len(addrs)):
            sock = await self._open_socket(addrs, budget)
        async with asyncio.timeout(budget):
            return await self._wrap_socket(sock, key, tls, traces)

    async def _resolve(self, key: ConnectionKey, traces: Sequence[Any] = ()) -> list[ResolveResult]:
        """The addresses of ``key.host`` to connect to, through the DNS cache and
        the address guard; ``traces`` hear of it.

        Raises:
            ClientConnectorDNSError: the name does not resolve.
            ClientConnectorDeniedError: ``deny_private`` refuses every address.
        """
        try:
            addrs = await self._hosts.resolve(key.host, key.port or 0, traces)
        except OSError as exc:
            raise ClientConnectorDNSError(key, exc) from exc
        if self._family:
            addrs = [addr for addr in addrs if addr["family"] == self._family]
            if not addrs:
                raise ClientConnectorDNSError(
                    key, OSError(None, f"{key.host} has no address of the requested family")
                )
        guard = self._guard
        if guard is not None:
            refused = [addr["host"] for addr in addrs if guard.refuses(addr["host"])]
            addrs = [addr for addr in addrs if addr["host"] not in refused]
            if not addrs:
                reason = f"{key.host} resolves to {', '.join(refused)}, refused by deny_private"
                raise ClientConnectorDeniedError(key, PermissionError(errno.EACCES, reason))
        return addrs

    async def _open_socket(
        self, addrs: list[ResolveResult], budget: float | None = None
    ) -> socket.socket:
        """Connect a socket to the first address that answers (RFC 8305).

        The next address is tried after ``happy_eyeballs_delay``, or after
        ``budget`` (the ``sock_connect`` of one address) when that is
        shorter or the delay is None, so no address waits on another for
        longer than its own budget.
        """
        delay = self._happy_eyeballs_delay
        if budget is not None and (delay is None or delay > budget):
            delay = budget
        infos: list[aiohappyeyeballs.AddrInfoType] = []
        for addr in addrs:
            family = addr["family"]
            sockaddr: tuple[Any, ...] = (
                (addr["host"], addr["port"], 0, 0)
                if family == socket.AF_INET6
                else (addr["host"], addr["port"])
            )
            infos.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return await aiohappyeyeballs.start_connection(
            infos,
            local_addr_infos=self._local_addr_infos,
            happy_eyeballs_delay=delay,
            interleave=self._interleave,
            loop=self._get_loop(),
            socket_factory=self._socket_factory,
        )

    async def _wrap_socket(
        self,
        sock: socket.socket,
        key: ConnectionKey,
        tls: TLSSettings,
        traces: Sequence[Any] = (),
    ) -> AbstractConnection:
        """Run the TLS handshake if asked and bind the socket to a new protocol.

        With ``tls.h2`` the protocol is HTTP/2 when ALPN chose ``h2`` (or, on
        plain TCP, always: h2c with prior knowledge); the caller awaits its
        handshake (:func:`_settled`). ``traces`` hear when the TLS handshake
        starts and ends.
        """
        loop = self._get_loop()
        h2 = tls.h2
        factory: Callable[[], asyncio.BaseProtocol]
        if h2 is None:
            factory = lambda: self._new_protocol(loop)  # noqa: E731
        elif tls.context is None:
            factory = lambda: cast("asyncio.BaseProtocol", h2(loop))  # noqa: E731
        else:
            factory = lambda: ALPNChooser(h2, lambda: self._new_protocol(loop), loop)  # noqa: E731
        try:
            if tls.context is not None:
                await trace_tls(traces, key, tls)
            transport, protocol = await loop.create_connection(
                factory, sock=sock, ssl=tls.context, server_hostname=tls.server_hostname
            )
        except BaseException:
            sock.close()
            raise
        conn = protocol.chosen if isinstance(protocol, ALPNChooser) else protocol
        assert isinstance(conn, AbstractConnection)
        try:
            if tls.context is not None:
                await trace_tls(traces, key, tls, transport)
            if isinstance(conn, HTTP11Connection) and alpn(transport) == "h2":
                # A caller's SSLContext offered h2 where HTTP/1.1 is spoken.
                raise ClientConnectorError(key, OSError(errno.EPROTO, H2_UNWANTED))
            if tls.fingerprint is not None:
                tls.fingerprint.check(transport, key.host, key.port or 443)
        except BaseException:
            conn.close()
            raise
        return conn

    def _new_protocol(self, loop: asyncio.AbstractEventLoop) -> HTTP11Connection:
        """The protocol object of a new connection; subclasses may return a subclass."""
        return HTTP11Connection(loop)

    def _may_share(self, req: ClientRequest) -> bool:
        """True when ``req``'s new connection would offer (or speak) HTTP/2."""
        if req.proxy is not None or "Upgrade" in req.headers:  # _may_multiplex: h2 is on
            return False
        return req.is_ssl() or self._http2 == "prior-knowledge"

    def _tls_for(self, req: ClientRequest, *, http2: bool = False) -> TLSSettings:
        """The TLS settings of ``req``'s origin: the request's ``ssl=``, else the connector's.

        With ``http2`` (a direct connection, not a tunnel) they carry the
        HTTP/2 factory when the connector's ``http2=`` applies to the scheme.
        """
        # An Upgrade (WebSocket) request needs HTTP/1.1's 101 answer.
        h2 = self._h2_factory if http2 and "Upgrade" not in req.headers else None
        if not req.is_ssl():
            if h2 is not None and self._http2 == "prior-knowledge":
                return PLAIN._replace(h2=h2)
            return PLAIN
        key = req.connection_key
        setting = self._ssl if key.ssl is True or key.ssl is None else check_ssl(key.ssl)
        return TLSSettings.from_setting(setting, req.server_hostname or key.host.rstrip("."), h2)


async def _settled(conn: AbstractConnection, timeout: ClientTimeout) -> None:
    """Wait for ``conn``'s handshake (an HTTP/2 server's first ``SETTINGS``).

    The wait reads from the socket while connecting, so both ``sock_read``
    and ``sock_connect`` bound it (the request's total timeout bounds the
    whole connect from outside): a server that accepts the connection and
    never answers costs the shorter of the two, then the connection is
    closed. Past ``sock_read`` it is a :class:`SocketTimeoutError`, past
    ``sock_connect`` a ``TimeoutError`` the pool reports as a connection
    timeout.
    """
    read, connect = timeout.sock_read, timeout.sock_connect
    budget = min((t for t in (read, connect) if t is not None), default=None)
    try:
        async with asyncio.timeout(budget):
            await conn.ready()
    except BaseException as exc:
        conn.close()
        if isinstance(exc, TimeoutError) and budget == read and budget != connect:
            raise SocketTimeoutError("Timeout on reading data from socket") from exc
        raise
