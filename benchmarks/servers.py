"""The servers the benchmarks talk to, started and stopped by the harness.

nginx (from the distribution's packages) serves every HTTP workload from a
temporary prefix: ``nginx.conf`` beside this file is copied there with the
port and document root filled in, the data files (among them the 64 MiB file
the upload workload sends) are generated there, and nginx runs in the
foreground (``daemon off``) as a child of the harness, pinned to its own core
with ``taskset``. It listens three times: plain HTTP/1.1, HTTP/1.1 over
TLS and HTTP/2 over TLS, with a certificate trustme makes for the run (its
CA is written beside it for the clients to trust). The upload workload goes to ``sink.py`` instead, a
raw asyncio server on the same core that counts each body into a reused
buffer (nginx caps the upload near 1.1 GB/s, see that file). The WebSocket
echo server is owned by ``benchmarks/ws/`` and started the same way when
that folder provides it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "BIG_SIZE",
    "UPLOAD_NAME",
    "UPLOAD_SIZE",
    "NginxServer",
    "ensure_nginx",
    "free_port",
    "nginx_server",
    "script_server",
    "sink_server",
]

HERE = Path(__file__).resolve().parent
BIG_SIZE = 256 * 1024 * 1024
UPLOAD_SIZE = 64 * 1024 * 1024
UPLOAD_NAME = "upload.bin"  # in the document root; the upload workload POSTs it to the sink
CHUNKED_SIZE = 64 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_nginx() -> str:
    """The path of nginx, installing Debian's package first when root can."""
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("nginx not found: installing Debian's package (apt-get install nginx)", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx"], check=True, env=env)
        found = shutil.which("nginx") or "/usr/sbin/nginx"
        if os.access(found, os.X_OK):
            return found
    sys.exit("nginx is needed: install it (e.g. `apt-get install nginx`) and run again")


def _json_document() -> bytes:
    """About 1 KiB of JSON shaped like an API answer."""
    items = [
        {"id": i, "name": f"item-{i}", "price": i * 1.25, "tags": ["a", "b"], "ok": i % 2 == 0}
        for i in range(15)
    ]
    return json.dumps({"items": items, "next": None}, separators=(",", ":")).encode()


def _write_data(root: Path) -> None:
    (root / "data.json").write_bytes(_json_document())
    line = b"lamella chunked response body, one line of text repeated.\n"
    (root / "chunked.txt").write_bytes((line * (CHUNKED_SIZE // len(line) + 1))[:CHUNKED_SIZE])
    _write_filler(root / "big.bin", BIG_SIZE)
    _write_filler(root / UPLOAD_NAME, UPLOAD_SIZE)


def _write_filler(path: Path, size: int) -> None:
    """Write ``size`` real bytes (a multiple of 1 MiB) to ``path``, 1 MiB at a time."""
    # Real bytes rather than a sparse file: the page cache then holds them, so
    # sendfile serves /big and the clients read the upload without disk reads.
    piece = bytes(range(256)) * 4096
    with path.open("wb") as out:
        for _ in range(size // len(piece)):
            out.write(piece)


def _write_certificate(prefix: Path) -> tuple[Path, Path]:
    """A trustme CA (``ca.pem``) and a certificate for 127.0.0.1 it signed; their paths."""
    import trustme

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(prefix / "ca.pem"))
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = prefix / "server.pem", prefix / "server.key"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    for extra in leaf.cert_chain_pems[1:]:
        extra.write_to_path(str(cert), append=True)
    leaf.private_key_pem.write_to_path(str(key))
    return cert, key


class NginxServer:
    """A running nginx: its port, prefix and process."""

    def __init__(
        self, ports: dict[str, int], prefix: Path, process: subprocess.Popen[bytes]
    ) -> None:
        self.port = ports["plain"]
        self.tls_port = ports["tls"]  # HTTP/1.1 over TLS
        self.h2_port = ports["h2"]  # HTTP/2 over TLS (ALPN h2)
        self.prefix = prefix
        self.process = process

    @property
    def ca_file(self) -> Path:
        """The PEM of the CA that signed the TLS listeners' certificate."""
        return self.prefix / "ca.pem"

    @property
    def upload_file(self) -> Path:
        """The generated file the upload workload sends."""
        return self.prefix / "www" / UPLOAD_NAME

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with status {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on port {port} within {timeout} s")


@contextlib.contextmanager
def nginx_server(core: int | None) -> Iterator[NginxServer]:
    """Run nginx from a temporary prefix, pinned to ``core``, for the block."""
    binary = ensure_nginx()
    with tempfile.TemporaryDirectory(prefix="lamella-bench-") as tmp:
        prefix = Path(tmp)
        root = prefix / "www"
        root.mkdir()
        for sub in ("logs", "tmp"):
            (prefix / sub).mkdir()
        _write_data(root)
        ports = {"plain": free_port(), "tls": free_port(), "h2": free_port()}
        cert, key = _write_certificate(prefix)
        conf = (HERE / "nginx.conf").read_text()
        for name, value in (
            ("@PORT@", ports["plain"]),
            ("@TLS_PORT@", ports["tls"]),
            ("@H2_PORT@", ports["h2"]),
            ("@CERT@", cert),
            ("@KEY@", key),
            ("@ROOT@", root),
        ):
            conf = conf.replace(name, str(value))
        (prefix / "nginx.conf").write_text(conf)
        cmd = [binary, "-e", "stderr", "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
        if core is not None:
            cmd = ["taskset", "-c", str(core), *cmd]
        process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        try:
            for port in ports.values():
                _wait_listening(port, process)
            yield NginxServer(ports, prefix, process)
        finally:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def script_server(script: Path, core: int | None, what: str) -> Iterator[int]:
    """Run ``script PORT`` in its own process (pinned to ``core``) until it prints
    ``ready``; yields the port and stops the process after the block."""
    port = free_port()
    cmd = [sys.executable, str(script), str(port)]
    if core is not None:
        cmd = ["taskset", "-c", str(core), *cmd]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the {what} did not start")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sink_server(core: int | None) -> contextlib.AbstractContextManager[int]:
    """Run ``sink.py`` (the upload workload's server) pinned to ``core``; yields its port."""
    return script_server(HERE / "sink.py", core, "upload sink")
