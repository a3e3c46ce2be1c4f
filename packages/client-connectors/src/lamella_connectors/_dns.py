"""Name resolution for ``TCPConnector``: a TTL cache and shared lookups.

Theory of operation: a lookup is keyed by ``(host, port)``. IP literals
never reach the resolver. A cached answer younger than ``ttl`` is returned
at once, rotated by one address on every hit so that successive
connections spread over the host's addresses. Otherwise the first caller
starts one lookup task and every concurrent caller for the same key awaits
that same task (through ``asyncio.shield``, so a cancelled caller does not
cancel the lookup the others wait for). Sharing applies with or without the
cache; only storing the answer depends on ``use_dns_cache``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections.abc import Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lamella_core.abc import AbstractResolver, ResolveResult

__all__ = ["HostResolver", "literal_address"]

_Key = tuple[str, int]


def literal_address(host: str, port: int) -> ResolveResult | None:
    """The resolved form of an IP literal, or None when ``host`` is a name."""
    try:
        ip = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None
    return {
        "hostname": host,
        "host": host,
        "port": port,
        "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
        "proto": 0,
        "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
    }


class HostResolver:
    """Resolves ``(host, port)`` with a resolver, a TTL cache and shared lookups.

    Args:
        resolver: the resolver that does the lookups.
        use_cache: keep answers for ``ttl`` seconds.
        ttl: seconds an answer stays valid; None keeps it until cleared.
        family: the address family to ask for (0 for any).
        max_size: hosts kept in the cache; the least recently stored goes
            first (None: no bound).
    """

    def __init__(
        self,
        resolver: AbstractResolver,
        *,
        use_cache: bool,
        ttl: float | None,
        family: int,
        max_size: int | None = None,
    ) -> None:
        self.resolver = resolver
        self._use_cache = use_cache
        self._ttl = ttl
        self._max_size = max_size
        self._family = socket.AddressFamily(family)
        self._cache: dict[_Key, tuple[list[ResolveResult], float]] = {}
        self._inflight: dict[_Key, asyncio.Task[list[ResolveResult]]] = {}

    @property
    def cached(self) -> MappingProxyType[_Key, list[ResolveResult]]:
        """A read-only view of the unexpired cached answers."""
        now = time.monotonic()
        return MappingProxyType(
            {key: list(addrs) for key, (addrs, expires) in self._cache.items() if expires > now}
        )

    def clear(self, host: str | None = None, port: int | None = None) -> None:
        """Forget the answer for ``(host, port)``, or every answer."""
        if host is not None and port is not None:
            self._cache.pop((host, port), None)
        elif host is not None or port is not None:
            raise ValueError("Either both host and port or none of them are allowed.")
        else:
            self._cache.clear()

    async def resolve(
        self, host: str, port: int, traces: Sequence[Any] = ()
    ) -> list[ResolveResult]:
        """The addresses of ``host``, best first.

        ``traces`` (lamella_core.tracing.Trace objects) hear about cache hits
        and misses, and about the lookup, as aiohttp's ``on_dns_*`` signals.

        Raises:
            OSError: the lookup failed.
        """
        literal = literal_address(host, port)
        if literal is not None:
            return [literal]
        key = (host, port)
        if self._use_cache:
            entry = self._cache.get(key)
            if entry is not None and entry[1] > time.monotonic():
                addrs = entry[0]
                if len(addrs) > 1:
                    addrs.append(addrs.pop(0))  # round-robin across hits
                for trace in traces:
                    await trace.send_dns_cache_hit(host)
                return list(addrs)
            self._cache.pop(key, None)
            for trace in traces:
                await trace.send_dns_cache_miss(host)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(self._lookup(key, traces))
            self._inflight[key] = task
            task.add_done_callback(self._lookup_done(key))
        return list(await asyncio.shield(task))

    def _lookup_done(self, key: _Key) -> _DoneCallback:
        def done(task: asyncio.Task[list[ResolveResult]]) -> None:
            if self._inflight.get(key) is task:
                del self._inflight[key]
            if not task.cancelled():
                task.exception()  # seen, even when every waiter was cancelled

        return done

    async def _lookup(self, key: _Key, traces: Sequence[Any]) -> list[ResolveResult]:
        # The traces of the request that started the lookup hear about it.
        for trace in traces:
            await trace.send_dns_resolvehost_start(key[0])
        addrs = await self.resolver.resolve(key[0], key[1], family=self._family)
        for trace in traces:
            await trace.send_dns_resolvehost_end(key[0])
        if self._use_cache:
            expires = float("inf") if self._ttl is None else time.monotonic() + self._ttl
            cache = self._cache
            cache.pop(key, None)  # re-stored: the most recent again
            cache[key] = (list(addrs), expires)
            if self._max_size is not None:
                while len(cache) > self._max_size:
                    del cache[next(iter(cache))]
        return addrs

    async def close(self, *, close_resolver: bool) -> None:
        """Cancel lookups in flight and, when asked, close the resolver."""
        for task in list(self._inflight.values()):
            task.cancel()
        self._inflight.clear()
        if close_resolver:
            await self.resolver.close()


if TYPE_CHECKING:
    from collections.abc import Callable

    _DoneCallback = Callable[[asyncio.Task[list[ResolveResult]]], None]
