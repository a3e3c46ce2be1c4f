"""Extension points: the interfaces plugins implement (cookie jars, DNS resolvers, connections).

The cookie jar and the resolver mirror ``aiohttp.abc``, so one written
against aiohttp's client API plugs into lamella after changing the import.
Hooks return objects of these types (see :mod:`lamella_core.hookspecs`),
never coroutines.

``AbstractConnection`` and ``AbstractExchange`` are lamella's own: the pool
and the session drive every connection through them, so a protocol other
than HTTP/1.1 (a multiplexed HTTP/2 connection) plugs in by implementing
them. :mod:`lamella_core.connection` publishes them with the rest of what a
connector author needs.
"""

from __future__ import annotations

import asyncio
import socket
from abc import ABC, abstractmethod
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence, Sized
from http.cookies import BaseCookie, Morsel, SimpleCookie
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypedDict

from yarl import URL

__all__ = [
    "AbstractConnection",
    "AbstractCookieJar",
    "AbstractExchange",
    "AbstractResolver",
    "ClearCookiePredicate",
    "HeadLimits",
    "LooseCookies",
    "LooseCookiesIterables",
    "LooseCookiesMappings",
    "ResolveResult",
]

LooseCookiesMappings: TypeAlias = Mapping[str, str | BaseCookie[str] | Morsel[Any]]
LooseCookiesIterables: TypeAlias = Iterable[tuple[str, str | BaseCookie[str] | Morsel[Any]]]
LooseCookies: TypeAlias = LooseCookiesMappings | LooseCookiesIterables | BaseCookie[str]
"""Every shape ``update_cookies`` and the ``cookies=`` arguments accept."""

ClearCookiePredicate: TypeAlias = Callable[[Morsel[str]], bool]
"""Chooses the cookies ``AbstractCookieJar.clear`` removes."""

_NO_URL: Final = URL()


class ResolveResult(TypedDict):
    """One address a resolver found for a host, ready for ``loop.create_connection``.

    Attributes:
        hostname: The host name that was asked for.
        host: The IP address it resolved to.
        port: The port to connect to.
        family: The address family (``socket.AF_INET`` or ``AF_INET6``).
        proto: The protocol number, as ``getaddrinfo`` reports it.
        flags: Flags for ``getnameinfo``/``create_connection`` (``socket.AI_NUMERICHOST``).
    """

    hostname: str
    host: str
    port: int
    family: int
    proto: int
    flags: int


class AbstractResolver(ABC):
    """Turns a host name into addresses; connectors hold one and close it with themselves."""

    @abstractmethod
    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses of ``host``, best first.

        Raises:
            OSError: The name could not be resolved.
        """

    @abstractmethod
    async def close(self) -> None:
        """Release the resolver's resources."""


if TYPE_CHECKING:
    from lamella_core._content.decoders import ContentDecoder
    from lamella_core._content.streams import StreamReader
    from lamella_core._wire import ResponseHead

    _CookieIterable = Iterable[Morsel[str]]
else:
    _CookieIterable = Iterable


class AbstractCookieJar(Sized, _CookieIterable):
    """Stores cookies from responses and chooses the ones each request carries.

    A session holds one jar; iterating it yields every stored ``Morsel``.

    Args:
        loop: Accepted for aiohttp compatibility; when omitted the running
            loop, if any, is remembered.
    """

    def __init__(self, *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        if loop is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = None
        self._loop = loop

    @property
    def unsafe(self) -> bool:
        """Whether cookies are accepted for hosts given as IP addresses."""
        return False

    @property
    @abstractmethod
    def quote_cookie(self) -> bool:
        """Whether cookie values are quoted when sent (``quote_cookie`` argument)."""

    @property
    def treat_as_secure_origin(self) -> frozenset[URL]:
        """Origins treated as secure even over plain HTTP (for ``Secure`` cookies)."""
        return frozenset()

    @property
    def cookies(self) -> MappingProxyType[tuple[str, str], SimpleCookie]:
        """A read-only view of stored cookies, keyed by ``(domain, path)``."""
        return MappingProxyType({})

    @property
    def host_only_cookies(self) -> frozenset[tuple[str, str, str]]:
        """The ``(domain, path, name)`` of cookies sent only to their exact host."""
        return frozenset()

    @abstractmethod
    def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
        """Remove every cookie, or only those for which ``predicate`` is true."""

    @abstractmethod
    def clear_domain(self, domain: str) -> None:
        """Remove the cookies of ``domain`` and of its subdomains."""

    @abstractmethod
    def update_cookies(self, cookies: LooseCookies, response_url: URL = _NO_URL) -> None:
        """Store ``cookies``, received from ``response_url`` when one is given."""

    def update_cookies_from_headers(self, headers: Sequence[str], response_url: URL) -> None:
        """Store the cookies of raw ``Set-Cookie`` field values.

        Each value is parsed on its own by ``lamella_core.set_cookie``, so one
        malformed field drops only itself, and ``update_cookies`` gets a list
        of ``(name, Morsel)`` pairs, as from aiohttp: cookies of one name for
        several paths or domains all reach it.
        """
        from lamella_core.set_cookie import parse_set_cookies

        parsed = [(morsel.key, morsel) for morsel in parse_set_cookies(headers)]
        if parsed:
            self.update_cookies(parsed, response_url)

    @abstractmethod
    def filter_cookies(self, request_url: URL) -> BaseCookie[str]:
        """Return the cookies a request to ``request_url`` should carry."""


HeadLimits: TypeAlias = tuple[int, int, int, int, int]
"""Bounds on a response head: (max_line_size, max_field_size, max_headers,
max_header_bytes, max_informational), from the session's ``ClientLimits``."""


class AbstractExchange(ABC):
    """One request and its response on a connection, as the session drives it.

    :meth:`AbstractConnection.begin` returns it. HTTP/1.1 carries one
    exchange at a time, so ``HTTP11Connection`` is its own exchange; a
    multiplexed connection returns one object per stream. The request head
    is written as the bytes HTTP/1.1 puts on the wire (``ClientRequest``
    serializes it); any other protocol translates it into its own framing.
    """

    output_size: int
    """Bytes of the request sent so far: head, framing and body (upload progress)."""

    @property
    @abstractmethod
    def got_bytes(self) -> bool:
        """True once any byte of the response has arrived.

        Until then a reused connection that fails can be replaced: the
        server cannot have begun to answer.
        """

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Queue bytes of the request for sending, without waiting.

        Raises:
            ClientConnectionResetError: the connection is already closed.
        """

    @abstractmethod
    async def drain(self) -> None:
        """Wait until what was written is below the transport's high-water mark."""

    @abstractmethod
    async def write_body(self, body: AsyncIterable[bytes], chunked: bool) -> None:
        """Send a streamed body with back-pressure, as chunks when ``chunked``."""

    @abstractmethod
    async def sendfile(self, file: Any, offset: int, count: int) -> bool:
        """Send ``count`` bytes of ``file`` from ``offset`` as the body.

        Returns False, having sent nothing, when the connection cannot (the
        session then streams the file itself).
        """

    @abstractmethod
    async def wait_continue(self) -> bool:
        """Wait for ``100 Continue`` (True: send the body) or a final answer (False)."""

    @abstractmethod
    async def read_head(self) -> tuple[ResponseHead, StreamReader]:
        """Wait for the final response head; return it with the stream of its body.

        Raises:
            ServerDisconnectedError: the connection closed before any head.
            ClientOSError: the socket failed before any head.
        """

    @property
    @abstractmethod
    def head_future(self) -> asyncio.Future[tuple[ResponseHead, StreamReader]]:
        """What :meth:`read_head` awaits: the session waits for it beside the body
        upload, so that a server answering early is heard at once."""

    @property
    @abstractmethod
    def writing_paused(self) -> bool:
        """True while the peer is not taking more request bytes (flow control)."""

    @abstractmethod
    def write_buffer_size(self) -> int:
        """Bytes written but not yet handed to the kernel (upload progress)."""

    @abstractmethod
    def pause_read_timer(self) -> None:
        """Hold the ``sock_read`` timer while the request body is being written."""

    @abstractmethod
    def start_read_timer(self) -> None:
        """Run the ``sock_read`` timer from now (a no-op when it already runs)."""

    @abstractmethod
    def is_connected(self) -> bool:
        """True while the exchange can still send and receive."""

    @abstractmethod
    def close(self) -> None:
        """Abandon the exchange at once (its request body was cut short): the
        connection (HTTP/1.1) or the stream (a multiplexed protocol) is closed."""


class AbstractConnection(ABC):
    """One connection to an origin, as the pool lends it and the session uses it.

    The pool counts leases itself and asks the connection only what it alone
    knows: how many exchanges it can carry at once (:attr:`max_exchanges`),
    whether it can take another now (:meth:`is_available`), whether any is
    in flight (:meth:`is_idle`) and whether it is gone for good
    (:meth:`has_expired`). All of these are synchronous and cheap: the pool
    decides without awaiting. Each lease then calls :meth:`begin` once per
    request. ``keepalive_timeout`` is the pool's to apply, not the
    connection's.
    """

    transport: asyncio.Transport | None
    """The transport it runs on; None before it is connected."""

    @property
    @abstractmethod
    def max_exchanges(self) -> int:
        """How many requests it can carry at once: 1 for HTTP/1.1, the peer's
        stream limit for a multiplexed protocol. The pool lends it that many times."""

    @abstractmethod
    def is_available(self) -> bool:
        """True when it can begin one more exchange now.

        False once the peer has said it will take no more (``Connection:
        close``, a response that broke framing, an HTTP/2 ``GOAWAY``) or the
        socket closed. The pool asks only while it has lent the connection
        fewer than :attr:`max_exchanges` times.
        """

    @abstractmethod
    def is_idle(self) -> bool:
        """True when no exchange is in flight on it."""

    @abstractmethod
    def has_expired(self) -> bool:
        """True once it is closed or closing: it will never carry another exchange."""

    @abstractmethod
    def begin(
        self,
        method: str,
        *,
        limits: HeadLimits,
        read_bufsize: int = 2**18,
        sock_read: float | None = None,
        deadline: float | None = None,
        make_decoder: Callable[[list[bytes]], ContentDecoder | None] | None = None,
        expect_continue: bool = False,
        read_until_eof: bool = True,
        max_body_size: int | None = None,
        keep_alive: bool = True,
        max_head_time: float | None = None,
    ) -> AbstractExchange:
        """Start one request; the exchange it returns sends it and reads its answer.

        Args:
            method: the request method (it decides whether a body follows).
            limits: bounds on the response head.
            read_bufsize: the body stream's buffer size.
            sock_read: seconds allowed between two reads (None: no limit).
            deadline: loop time at which the whole exchange fails (None: never).
            make_decoder: builds the decoder of the ``Content-Encoding``s.
            expect_continue: the request waits for ``100 Continue``.
            read_until_eof: a body without framing is read until the close.
            max_body_size: the largest body accepted, in bytes.
            keep_alive: False when the request asked to close the connection after it.
            max_head_time: seconds from the first byte of a response head to its
                end (None: no bound).
        """

    async def ready(self) -> None:
        """Wait until it can begin exchanges; the connector awaits it before lending it.

        HTTP/1.1 is ready once connected, so this returns at once; a
        multiplexed protocol waits here for the peer's settings (HTTP/2's
        ``SETTINGS`` frame), which say how many exchanges it may carry.
        """
        return

    @abstractmethod
    def take_over(self, protocol: asyncio.BaseProtocol) -> tuple[asyncio.Transport, bytes]:
        """Hand the transport of an upgraded connection (a ``101`` answer) to ``protocol``.

        Returns the transport and the bytes that came after the response
        head. A multiplexed connection has no transport of its own to give
        and raises ``RuntimeError``.
        """

    @abstractmethod
    def close(self) -> None:
        """Close it now; exchanges in flight fail."""
