"""Extension points: the interfaces plugins implement (cookie jars, DNS resolvers).

These mirror ``aiohttp.abc``, so a jar or resolver written against aiohttp's
client API plugs into lamella after changing the import. Hooks return objects
of these types (see :mod:`lamella_core.hookspecs`), never coroutines.
"""

from __future__ import annotations

import asyncio
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence, Sized
from http.cookies import BaseCookie, CookieError, Morsel, SimpleCookie
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypedDict

from yarl import URL

__all__ = [
    "AbstractCookieJar",
    "AbstractResolver",
    "ClearCookiePredicate",
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

        Each value is parsed on its own, so one malformed field drops only
        itself. Jars with a stricter RFC 6265 parser override this.
        """
        parsed: SimpleCookie = SimpleCookie()
        for header in headers:
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(header)
            except CookieError:
                continue
            parsed.update(cookie)
        if parsed:
            self.update_cookies(parsed, response_url)

    @abstractmethod
    def filter_cookies(self, request_url: URL) -> BaseCookie[str]:
        """Return the cookies a request to ``request_url`` should carry."""
