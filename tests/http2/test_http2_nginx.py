"""HTTP/2 against nginx over TLS (ALPN h2): small bodies, 200 streams at once, 256 MiB.

nginx (Debian's, /usr/sbin/nginx) runs from a temporary prefix for the
module, as benchmarks/servers.py runs it; its access log names the
connection of every request, so a test can count the connections that
carried them.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lamella_connectors import TCPConnector
from lamella_core import ClientSession, HttpVersion

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LARGE = 256 * 1024 * 1024

CONF = """
daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid nginx.pid;
events { worker_connections 1024; }
http {
    log_format conns '$connection $server_protocol $status $request_uri';
    access_log logs/access.log conns;
    default_type application/octet-stream;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    http2_max_concurrent_streams 256;
    server {
        listen 127.0.0.1:@PORT@ ssl http2;
        ssl_certificate @CERT@;
        ssl_certificate_key @KEY@;
        root @ROOT@;
    }
}
"""


class Nginx:
    """A running nginx: its base URL and what its access log says."""

    def __init__(self, port: int, prefix: Path) -> None:
        self.url = f"https://127.0.0.1:{port}"
        self.log = prefix / "logs" / "access.log"

    def requests(self) -> list[list[str]]:
        """One ``[connection, protocol, status, uri]`` per request logged so far."""
        return [line.split() for line in self.log.read_text().splitlines()]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def nginx(cert_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nginx]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed for these tests (apt-get install nginx)")
    prefix = tmp_path_factory.mktemp("nginx-h2")
    root = prefix / "www"
    for sub in ("www", "logs", "tmp"):
        (prefix / sub).mkdir()
    (root / "small.txt").write_bytes(b"hello from nginx")
    with (root / "large.bin").open("wb") as out:
        out.truncate(LARGE)  # 256 MiB of zeros, sparse on disk
    port = _free_port()
    conf = CONF.replace("@PORT@", str(port)).replace("@ROOT@", str(root))
    conf = conf.replace("@CERT@", str(cert_files["cert"])).replace("@KEY@", str(cert_files["key"]))
    (prefix / "nginx.conf").write_text(conf)
    cmd = [NGINX, "-e", "stderr", "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, f"nginx exited with status {process.returncode}"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            assert time.monotonic() < deadline, "nginx did not start listening"
            time.sleep(0.05)
        yield Nginx(port, prefix)
    finally:
        process.terminate()
        process.wait(5)


async def test_small_get_over_tls_speaks_h2(nginx: Nginx, trusting: ssl.SSLContext) -> None:
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.get(f"{nginx.url}/small.txt") as resp:
            assert resp.version == HttpVersion(2, 0)
            assert resp.status == 200
            assert await resp.read() == b"hello from nginx"
            assert resp.headers["Content-Length"] == "16"
    assert nginx.requests()[-1][1:] == ["HTTP/2.0", "200", "/small.txt"]


async def test_200_concurrent_streams_ride_one_connection(
    nginx: Nginx, trusting: ssl.SSLContext
) -> None:
    before = len(nginx.requests())
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:

        async def one(i: int) -> bytes:
            async with session.get(f"{nginx.url}/small.txt", params={"n": i}) as resp:
                assert resp.version == HttpVersion(2, 0)
                return await resp.read()

        bodies = await asyncio.gather(*(one(i) for i in range(200)))
    assert bodies == [b"hello from nginx"] * 200
    logged = nginx.requests()[before:]
    assert len(logged) == 200
    assert {entry[1] for entry in logged} == {"HTTP/2.0"}
    assert len({entry[0] for entry in logged}) == 1  # nginx saw one connection


async def test_a_256_mib_download_streams_in_bounded_memory(
    nginx: Nginx, trusting: ssl.SSLContext
) -> None:
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.get(f"{nginx.url}/large.bin") as resp:
            assert resp.version == HttpVersion(2, 0)
            assert resp.content_length == LARGE
            received = 0
            async for piece in resp.content.iter_chunked(1 << 20):
                assert not piece.strip(b"\0")
                received += len(piece)
                # Never much more than a stream window and the reader's buffer held.
                assert resp.content.total_bytes - received <= 4 * 1024 * 1024
    assert received == LARGE
