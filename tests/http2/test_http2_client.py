"""HTTP/2 through the ordinary ClientSession API, against hypercorn (TLS + ALPN, and h2c)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

import pytest

from lamella_core import ClientSession, HttpVersion
from lamella_core.exceptions import ClientResponseError
from lamella_connectors import TCPConnector

from h2_helpers import H2Server

Start = Callable[..., Awaitable[H2Server]]


async def test_get_over_tls_speaks_h2(h2_server: Start, trusting: ssl.SSLContext) -> None:
    server = await h2_server()
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.get(server / "/") as resp:
            assert resp.status == 200
            assert resp.version == HttpVersion(2, 0)
            assert await resp.text() == "hello over 2"
            assert resp.headers["Content-Type"] == "text/plain"
            assert not any(name.startswith(":") for name in resp.headers)
    assert server.versions == ["2"]
