"""Helpers for the lamella-cookies tests: a controllable clock, the Cookie header a jar
would send, and a connector that reaches named hosts on loopback.

Cookie rules depend on host names (``app.test`` versus ``other.test``), yet
tests only reach 127.0.0.1. :class:`LoopbackConnector` connects every host
name to 127.0.0.1 at the URL's port, so a request to
``http://app.test:PORT/`` reaches the local server while the session, the jar
and the ``Host`` header all see ``app.test``.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from yarl import URL

from lamella_cookies import CookieJar
from lamella_core import BasicTCPConnector, HTTP11Connection


class Clock:
    """A wall clock that only moves when told to."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sent(jar: CookieJar, url: str) -> str:
    """The Cookie header a request to ``url`` would carry, in order."""
    return "; ".join(f"{m.key}={m.coded_value}" for m in jar.filter_cookies(URL(url)).values())


class LoopbackConnector(BasicTCPConnector):
    """Connects every host name to 127.0.0.1, keeping the URL's port (and TLS name)."""

    def __init__(self, *, tls: ssl.SSLContext | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tls = tls

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> HTTP11Connection:
        loop = asyncio.get_running_loop()
        key = req.connection_key
        tls = self._tls if req.is_ssl() else None
        _, protocol = await loop.create_connection(
            lambda: HTTP11Connection(loop),
            "127.0.0.1",
            key.port,
            ssl=tls,
            server_hostname=key.host if tls is not None else None,
        )
        return protocol
