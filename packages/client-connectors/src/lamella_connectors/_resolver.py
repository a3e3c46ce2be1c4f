"""DNS resolvers: ``ThreadedResolver`` (the default) and ``AsyncResolver`` (aiodns).

Both implement :class:`lamella_core.abc.AbstractResolver` and return
``ResolveResult`` dictionaries, best address first. Failures are raised as
``OSError`` (``socket.gaierror`` for the threaded resolver), which
``TCPConnector`` turns into ``ClientConnectorDNSError``.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from lamella_core.abc import AbstractResolver, ResolveResult

__all__ = ["AsyncResolver", "DefaultResolver", "ThreadedResolver"]

# AI_ADDRCONFIG leaves out IPv6 answers on hosts without IPv6, and so on.
_AI_ADDRCONFIG = getattr(socket, "AI_ADDRCONFIG", 0)
_NAME_SOCKET_FLAGS = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV


def _result(hostname: str, host: str, port: int, family: int, proto: int) -> ResolveResult:
    return {
        "hostname": hostname,
        "host": host,
        "port": port,
        "family": family,
        "proto": proto,
        "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
    }


class ThreadedResolver(AbstractResolver):
    """Resolves with the event loop's ``getaddrinfo``, which runs in a thread.

    Args:
        loop: accepted for aiohttp compatibility; the running loop is used.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses of ``host``.

        Raises:
            OSError: the name does not resolve (``socket.gaierror``), or
                resolves to no address.
        """
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, family=family, flags=_AI_ADDRCONFIG
            )
        except UnicodeError as exc:
            # The IDNA codec refuses the name (a label over 63 characters, an
            # empty label) before any query: it names no host.
            raise socket.gaierror(socket.EAI_NONAME, f"{host!r} is not a host name: {exc}") from exc
        hosts: list[ResolveResult] = []
        for fam, _, proto, _, sockaddr in infos:
            address: tuple[Any, ...] = sockaddr
            resolved, port = str(address[0]), int(address[1])
            if fam == socket.AF_INET6 and address[3]:
                # A link-local address: keep its scope as "addr%scope".
                resolved, service = await loop.getnameinfo(address, _NAME_SOCKET_FLAGS)
                port = int(service)
            hosts.append(_result(host, resolved, port, fam, proto))
        if not hosts:
            raise OSError(None, f"DNS lookup of {host!r} returned no address")
        return hosts

    async def close(self) -> None:
        """Nothing to release."""


class AsyncResolver(AbstractResolver):
    """Resolves with c-ares through aiodns, without threads.

    Needs the ``aiodns`` package (``pip install lamella-connectors[aiodns]``).

    Args:
        loop: accepted for aiohttp compatibility; the running loop is used.
        *args: passed on to ``aiodns.DNSResolver``.
        **kwargs: passed on to ``aiodns.DNSResolver`` (``nameservers=``, ...).

    Raises:
        RuntimeError: aiodns is not installed.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop | None = None, *args: Any, **kwargs: Any
    ) -> None:
        try:
            import aiodns  # type: ignore[import-not-found, unused-ignore]
        except ImportError as exc:
            raise RuntimeError(
                "AsyncResolver needs aiodns: pip install lamella-connectors[aiodns]"
            ) from exc
        self._aiodns = aiodns
        self._resolver = aiodns.DNSResolver(*args, **kwargs)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses of ``host``.

        Raises:
            OSError: the name does not resolve, or resolves to no address.
        """
        try:
            answer = await self._resolver.getaddrinfo(
                host, port=port, type=socket.SOCK_STREAM, family=family, flags=_AI_ADDRCONFIG
            )
        except self._aiodns.error.DNSError as exc:
            message = exc.args[1] if len(exc.args) >= 2 else "DNS lookup failed"
            raise OSError(None, f"{message} ({host})") from exc
        hosts: list[ResolveResult] = []
        for node in answer.nodes:
            address = node.addr
            raw = address[0]
            resolved = raw.decode("ascii") if isinstance(raw, bytes) else raw
            if node.family == socket.AF_INET6 and len(address) > 3 and address[3]:
                name = await self._resolver.getnameinfo(
                    (resolved, *address[1:]), _NAME_SOCKET_FLAGS
                )
                resolved = name.node
            hosts.append(_result(host, resolved, address[1], node.family, socket.IPPROTO_TCP))
        if not hosts:
            raise OSError(None, f"DNS lookup of {host!r} returned no address")
        return hosts

    async def close(self) -> None:
        """Stop the c-ares channel."""
        close = getattr(self._resolver, "close", None)
        if close is not None:
            await close()
        else:  # aiodns before 3.3
            self._resolver.cancel()


#: The resolver ``TCPConnector`` uses when given none.
DefaultResolver = ThreadedResolver
