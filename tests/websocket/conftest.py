"""Fixtures of the WebSocket tests: the servers of ``ws_peers`` and a test CA."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import trustme
from ws_peers import KINDS, SCHEMES, Peer, RawBehaviour, StartPeer, read_head, start_server
from yarl import URL


@pytest.fixture(scope="session")
def ws_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def client_ssl(ws_ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA."""
    ctx = ssl.create_default_context()
    ws_ca.configure_trust(ctx)
    return ctx


@pytest.fixture
async def start_peer(ws_ca: trustme.CA, client_ssl: ssl.SSLContext) -> AsyncIterator[StartPeer]:
    """Start a server: ``await start_peer(kind, scheme, compression=True)``."""
    stops: list[Callable[[], Awaitable[None]]] = []

    async def start(kind: str, scheme: str = "ws", *, compression: bool = True) -> Peer:
        server_ssl = None
        if scheme == "wss":
            server_ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ws_ca.issue_cert("127.0.0.1").configure_cert(server_ssl)
        peer = Peer(kind, URL(), client_ssl if server_ssl else True, compression)
        port, stop = await start_server(peer, server_ssl)
        stops.append(stop)
        peer.url = URL(f"{scheme}://127.0.0.1:{port}/")
        return peer

    yield start
    for stop in reversed(stops):
        await stop()


@pytest.fixture(params=[(k, s) for k in KINDS for s in SCHEMES], ids=lambda p: f"{p[0]}-{p[1]}")
async def peer(request: pytest.FixtureRequest, start_peer: StartPeer) -> Peer:
    """Each of the two servers, over ws:// and wss://, with compression on."""
    kind, scheme = request.param
    return await start_peer(kind, scheme)


@pytest.fixture
async def raw_ws() -> AsyncIterator[Callable[[RawBehaviour], Awaitable[URL]]]:
    """Start a bare server: ``url = await raw_ws(behaviour)``.

    ``behaviour(reader, writer, headers)`` runs for each connection once the
    request head is read, and writes everything itself, the 101 included.
    """
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []

    async def start(behaviour: RawBehaviour) -> URL:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            try:
                await behaviour(reader, writer, await read_head(reader))
                await writer.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return URL(f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/")

    yield start
    for writer in writers:
        writer.close()
    for server in servers:
        server.close()
        await server.wait_closed()
