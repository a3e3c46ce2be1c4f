"""Fixtures of the lamella-http2 tests: hypercorn serving an ASGI app over h2.

- ``ca`` / ``trusting``: a trustme CA and a client context trusting it that
  offers ``h2`` and ``http/1.1`` in ALPN (a context given by the caller keeps
  its own ALPN list).
- ``h2_server``: starts hypercorn in the test's loop on a socket bound to
  127.0.0.1, over TLS (``tls=True``, ALPN offering h2 unless ``alpn`` says
  otherwise) or plain TCP (h2c with prior knowledge), and returns a
  :class:`H2Server` whose ``peers`` records the client address of every
  request, so a test can tell how many connections carried them.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import trustme
from h2_helpers import Behaviour, H2Server, RawH2Server, make_app
from hypercorn.asyncio import serve
from hypercorn.config import Config
from yarl import URL


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def cert_files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("h2-certs")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    paths = {"cert": folder / "cert.pem", "key": folder / "key.pem"}
    cert.cert_chain_pems[0].write_to_path(paths["cert"])
    cert.private_key_pem.write_to_path(paths["key"])
    return paths


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    context.set_alpn_protocols(["h2", "http/1.1"])
    return context


@pytest.fixture
async def h2_server(
    cert_files: dict[str, Path],
) -> AsyncIterator[Callable[..., Awaitable[H2Server]]]:
    stops: list[tuple[asyncio.Event, asyncio.Task[None]]] = []

    async def start(*, tls: bool = True, alpn: tuple[str, ...] = ("h2", "http/1.1")) -> H2Server:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        port = sock.getsockname()[1]
        config = Config()
        config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns the socket from now on
        config.accesslog = None
        config.errorlog = None
        config.graceful_timeout = 0.5
        if tls:
            config.certfile = str(cert_files["cert"])
            config.keyfile = str(cert_files["key"])
            config.alpn_protocols = list(alpn)
        server = H2Server(URL.build(scheme="https" if tls else "http", host="127.0.0.1", port=port))
        stop = asyncio.Event()
        task = asyncio.ensure_future(serve(make_app(server), config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
        stops.append((stop, task))
        return server

    yield start
    for stop, task in stops:
        stop.set()
        with contextlib.suppress(Exception):
            await task


@pytest.fixture
async def raw_h2() -> AsyncIterator[Callable[[Behaviour], Awaitable[RawH2Server]]]:
    servers: list[asyncio.Server] = []

    async def start(behaviour: Behaviour) -> RawH2Server:
        raw = RawH2Server(behaviour)
        server = await asyncio.start_server(raw.handle, "127.0.0.1", 0)
        servers.append(server)
        raw.url = URL.build(
            scheme="http", host="127.0.0.1", port=server.sockets[0].getsockname()[1]
        )
        return raw

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()
