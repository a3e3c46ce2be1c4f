"""Real peers for the connector tests, all on loopback.

- ``ca`` / ``tls_server`` / ``trusting``: trustme certificates and an https
  aiohttp.web server that serves the shared routes' ``/hello`` and ``/echo``.
- ``http_proxy``: proxy.py (from PyPI) in a subprocess, plain or with Basic
  authentication or serving TLS itself.
- ``socks_proxy``: pproxy (from PyPI) as a SOCKS5 server, with or without
  username/password authentication.
- ``tunnel_proxy``: a tiny asyncio CONNECT/forward proxy written here, which
  records the exact request heads it receives and can refuse with any status.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from connector_helpers import free_port, serve, server_context
from yarl import URL

# --- TLS ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def cert_files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PEM files of a certificate for 127.0.0.1/localhost, its key and the CA."""
    folder = tmp_path_factory.mktemp("certs")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    paths = {"cert": folder / "cert.pem", "key": folder / "key.pem", "ca": folder / "ca.pem"}
    cert.cert_chain_pems[0].write_to_path(paths["cert"])
    cert.private_key_pem.write_to_path(paths["key"])
    ca.cert_pem.write_to_path(paths["ca"])
    return paths


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    """A client context that trusts the test CA."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[URL]:
    """An https server on 127.0.0.1 whose certificate names 127.0.0.1 and localhost."""
    async for url in serve(server_context(ca.issue_cert("127.0.0.1", "localhost"))):
        yield url


@pytest.fixture
async def plain_server() -> AsyncIterator[URL]:
    """A plain http server on 127.0.0.1 with ``/hello`` and ``/echo``."""
    async for url in serve(None):
        yield url


# --- subprocess servers ---------------------------------------------------------------


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on {port}:\n{log.read_text()}")


@contextlib.contextmanager
def _subprocess(args: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class ProxyServer:
    url: URL
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="session")
def http_proxy(
    tmp_path_factory: pytest.TempPathFactory, cert_files: dict[str, Path]
) -> Iterator[Callable[..., ProxyServer]]:
    """Start proxy.py once per configuration: ``http_proxy(auth="u:p", tls=True)``."""
    started: dict[tuple[str | None, bool], ProxyServer] = {}
    stack = contextlib.ExitStack()

    def get(*, auth: str | None = None, tls: bool = False) -> ProxyServer:
        key = (auth, tls)
        if key in started:
            return started[key]
        folder = tmp_path_factory.mktemp("proxy")
        port = free_port()
        args = [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", str(port)]
        args += ["--num-workers", "1", "--num-acceptors", "1", "--log-level", "INFO"]
        if auth:
            args += ["--basic-auth", auth]
        if tls:
            args += ["--cert-file", str(cert_files["cert"]), "--key-file", str(cert_files["key"])]
        log = folder / "proxy.log"
        proc = stack.enter_context(_subprocess(args, log))
        _wait_for_port(port, proc, log)
        scheme = "https" if tls else "http"
        started[key] = ProxyServer(URL(f"{scheme}://127.0.0.1:{port}"), log)
        return started[key]

    with stack:
        yield get


@pytest.fixture(scope="session")
def socks_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., ProxyServer]]:
    """Start pproxy once per configuration: ``socks_proxy(auth="u:p", protocol="socks4")``."""
    started: dict[tuple[str | None, str], ProxyServer] = {}
    stack = contextlib.ExitStack()

    def get(*, auth: str | None = None, protocol: str = "socks5") -> ProxyServer:
        key = (auth, protocol)
        if key in started:
            return started[key]
        port = free_port()
        listen = f"{protocol}://127.0.0.1:{port}" + (f"#{auth}" if auth else "")
        log = tmp_path_factory.mktemp("socks") / "pproxy.log"
        # --auth 0: check credentials on every connection (pproxy otherwise
        # remembers an address that authenticated once).
        # pproxy switches to uvloop when it imports, then fails to find a loop
        # on it; the peer runs on asyncio's own loop whatever the suite uses.
        main = "import sys; sys.modules['uvloop'] = None; from pproxy.server import main; main()"
        args = [sys.executable, "-c", main, "-l", listen, "--auth", "0"]
        proc = stack.enter_context(_subprocess(args, log))
        _wait_for_port(port, proc, log)
        started[key] = ProxyServer(URL(f"{protocol}://127.0.0.1:{port}"), log)
        return started[key]

    with stack:
        yield get


# --- a CONNECT proxy of our own -------------------------------------------------------


@dataclass
class TunnelProxy:
    """A loopback proxy that records request heads; ``refuse`` makes it answer with a status."""

    url: URL
    heads: list[bytes] = field(default_factory=list)
    refuse: int | None = None
    connections: int = 0


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


@pytest.fixture
async def tunnel_proxy() -> AsyncIterator[TunnelProxy]:
    """Answers ``CONNECT`` by tunnelling and absolute-form requests by forwarding one exchange."""
    tasks: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []
    state = TunnelProxy(URL("http://127.0.0.1/"))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        state.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        state.heads.append(head)
        if state.refuse is not None:
            writer.write(
                b"HTTP/1.1 %d Nope\r\nContent-Length: 4\r\nX-Why: test\r\n\r\nnope" % state.refuse
            )
            await writer.drain()
            writer.close()
            return
        method, target, _ = head.split(b"\r\n", 1)[0].split(b" ")
        if method == b"CONNECT":
            host, _, port = target.rpartition(b":")
            up_reader, up_writer = await asyncio.open_connection(
                host.strip(b"[]").decode(), int(port)
            )
            writers.append(up_writer)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:
            url = URL(target.decode())
            up_reader, up_writer = await asyncio.open_connection(url.host, url.port)
            writers.append(up_writer)
            up_writer.write(head)
        for pair in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.ensure_future(_pipe(*pair))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.url = URL(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
    yield state
    server.close()
    for writer in writers:
        writer.close()
    for task in list(tasks):
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await server.wait_closed()


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No proxy variables from the machine, and a netrc file that does not exist."""
    for name in list(os.environ):
        if name.lower() in {
            "http_proxy",
            "https_proxy",
            "ws_proxy",
            "wss_proxy",
            "all_proxy",
            "no_proxy",
            "request_method",
        }:
            monkeypatch.delenv(name)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    return monkeypatch
