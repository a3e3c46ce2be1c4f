"""aiohttp 3.12-3.14 connector names: dns_cache_max_size, ssl_shutdown_timeout,
NamedPipeConnector and the socket factory aliases."""

from __future__ import annotations

import asyncio
import socket
import sys

import pytest
from connector_helpers import FixedResolver
from yarl import URL

import lamella
from lamella_connectors import (
    AddrInfoType,
    NamedPipeConnector,
    SocketFactoryType,
    TCPConnector,
)
from lamella_core import ClientSession


async def test_the_dns_cache_keeps_at_most_dns_cache_max_size_hosts(plain_server: URL) -> None:
    resolver = FixedResolver(("127.0.0.1", plain_server.port or 80))
    connector = TCPConnector(resolver=resolver, dns_cache_max_size=2)
    async with ClientSession(connector=connector) as session:
        for name in ("a.test", "b.test", "c.test", "b.test"):
            async with session.get(plain_server.with_host(name) / "hello") as resp:
                assert resp.status == 200
        port = plain_server.port
        assert set(connector.cached_hosts) == {("b.test", port), ("c.test", port)}
    assert resolver.lookups == ["a.test", "b.test", "c.test"]  # b.test was a hit


async def test_ssl_shutdown_timeout_is_deprecated_and_sets_the_grace(tls_server: URL) -> None:
    with pytest.warns(DeprecationWarning, match="ssl_shutdown_timeout"):
        connector = TCPConnector(ssl_shutdown_timeout=0)
    assert connector.TLS_SHUTDOWN_GRACE == 0
    assert TCPConnector().TLS_SHUTDOWN_GRACE == TCPConnector.TLS_SHUTDOWN_GRACE > 0
    await connector.close()
    with pytest.warns(DeprecationWarning, match="ssl_shutdown_timeout"):
        session = ClientSession(ssl_shutdown_timeout=2.0)
    async with session:
        assert session.connector.TLS_SHUTDOWN_GRACE == 2.0  # type: ignore[union-attr]


@pytest.mark.skipif(sys.platform == "win32", reason="the error path of other systems")
async def test_named_pipes_say_why_they_cannot_work_here() -> None:
    with pytest.raises(RuntimeError, match="proactor event loop on Windows"):
        NamedPipeConnector(r"\\.\pipe\lamella")
    assert lamella.NamedPipeConnector is NamedPipeConnector


@pytest.mark.skipif(sys.platform != "win32", reason="named pipes are Windows's")
async def test_a_named_pipe_carries_requests_on_windows() -> None:
    path = r"\\.\pipe\lamella-test"
    loop = asyncio.get_running_loop()

    class Answer(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport

        def data_received(self, data: bytes) -> None:
            if b"\r\n\r\n" in data:
                self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\npipe")  # type: ignore[attr-defined]

    [server] = await loop.start_serving_pipe(Answer, path)  # type: ignore[attr-defined]
    try:
        async with ClientSession(connector=NamedPipeConnector(path)) as session:
            async with session.get("http://localhost/") as resp:
                assert await resp.text() == "pipe"
    finally:
        server.close()


def test_the_socket_factory_aliases_are_exported() -> None:
    assert lamella.AddrInfoType is AddrInfoType
    assert lamella.SocketFactoryType is SocketFactoryType

    def factory(addr_info: AddrInfoType) -> socket.socket:
        family, kind, proto, _, _ = addr_info
        return socket.socket(family, kind, proto)

    checked: SocketFactoryType = factory
    assert callable(checked)
