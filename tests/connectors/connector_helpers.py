"""Helpers shared by the connector tests."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import ssl
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import trustme
from aiohttp import web
from yarl import URL

from lamella_core.abc import AbstractResolver, ResolveResult


class FixedResolver(AbstractResolver):
    """Answers every name with chosen (host, port) pairs; counts its lookups."""

    def __init__(self, *addresses: tuple[str, int], delay: float = 0, fail: bool = False) -> None:
        self.addresses = addresses
        self.delay = delay
        self.fail = fail
        self.lookups: list[str] = []
        self.closed = False

    async def resolve(self, host, port=0, family=socket.AF_INET) -> list[ResolveResult]:
        self.lookups.append(host)
        await asyncio.sleep(self.delay)
        if self.fail:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            {
                "hostname": host,
                "host": addr,
                "port": addr_port,
                "family": socket.AF_INET6 if ":" in addr else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for addr, addr_port in self.addresses
        ]

    async def close(self) -> None:
        self.closed = True


async def _hello(request: web.Request) -> web.Response:
    return web.Response(text="Hello, world!")


async def _large(request: web.Request) -> web.Response:
    return web.Response(body=bytes(range(256)) * 4096)  # 1 MiB


async def _echo(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "path": request.path_qs,
            "host": request.host,
            "secure": request.secure,
            "headers": dict(request.headers),
            "peer": request.transport.get_extra_info("peername")[0] if request.transport else None,
        }
    )


async def serve(ssl_context: ssl.SSLContext | None, host: str = "127.0.0.1") -> AsyncIterator[URL]:
    app = web.Application()
    app.router.add_get("/hello", _hello)
    app.router.add_get("/echo", _echo)
    app.router.add_get("/large", _large)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, 0, ssl_context=ssl_context)
    await site.start()
    scheme = "https" if ssl_context else "http"
    port = runner.addresses[0][1]
    try:
        yield URL(f"{scheme}://{host}:{port}/")
    finally:
        # A TLS shutdown waits on its peer: end the server's connections now,
        # so none is still closing when the test's loop goes away.
        if runner.server is not None:
            for handler in list(runner.server.connections):
                if handler.transport is not None:
                    handler.transport.abort()
        await runner.cleanup()


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


async def certificate_digest(url: URL) -> bytes:
    """The SHA-256 digest of the certificate the server at ``url`` presents."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.open_connection(url.host, url.port, ssl=context)
    der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    writer.close()
    await writer.wait_closed()
    return hashlib.sha256(der).digest()


def unix_path(tmp_path: Path) -> str:
    """A socket path in ``tmp_path``, or in a short folder when that is too long."""
    path = str(tmp_path / "s.sock")
    if len(path) < 100:
        return path
    return str(Path(tempfile.mkdtemp(prefix="lamella-")) / "s.sock")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
