"""Runs inside a fresh virtualenv that holds only the lamella-core wheel.

Started by ``test_core_alone.py`` with that venv's interpreter. It imports
nothing but the stdlib and ``lamella_core`` (the venv has no aiohttp, no test
tools), serves HTTP on loopback from a thread, observes what lamella-core does
alone, and prints the observations as one JSON object on stdout for the test
to judge.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(BaseHTTPRequestHandler):
    """Answers every request with JSON describing it, and sets a cookie."""

    protocol_version = "HTTP/1.1"

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size + 2)[:size]
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self) -> None:
        body = self._body()
        payload = {
            "method": self.command,
            "path": self.path,
            "cookie": self.headers.get("Cookie"),
            "body": body.decode("latin-1"),
        }
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Set-Cookie", "session=s3cr3t; Path=/")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"


async def observe(base: str) -> dict[str, Any]:
    """Each step is recorded separately, so one failure does not hide the others."""
    seen: dict[str, Any] = {"errors": {}}
    seen["entry_points"] = sorted(
        f"{ep.name}={ep.value}" for ep in importlib.metadata.entry_points(group="lamella")
    )
    seen["lamella_distributions"] = sorted(
        name
        for dist in importlib.metadata.distributions()
        if (name := dist.metadata["Name"]).startswith("lamella")
    )
    seen["imports"] = {}
    for name in ("lamella_connectors", "lamella_cookies", "lamella_websocket", "lamella"):
        try:
            importlib.import_module(name)
        except ImportError as exc:
            seen["imports"][name] = f"ImportError: {exc}"
        else:
            seen["imports"][name] = "imported"

    import lamella_core

    seen["lamella_core_file"] = lamella_core.__file__

    async with lamella_core.ClientSession() as session:
        jar = session.cookie_jar
        seen["cookie_jar"] = f"{type(jar).__module__}.{type(jar).__qualname__}"
        seen["cookie_jar_is_dummy"] = isinstance(jar, lamella_core.DummyCookieJar)

        try:
            async with session.get(f"{base}/first") as resp:
                seen["get_status"] = resp.status
                seen["get_body"] = await resp.json()
                seen["get_set_cookie"] = resp.headers.get("Set-Cookie")
        except Exception as exc:
            seen["errors"]["get"] = _describe(exc)

        try:
            body = b'{"hello": "lamella"}'
            headers = {"Content-Type": "application/json"}
            async with session.post(f"{base}/echo", data=body, headers=headers) as resp:
                seen["post_status"] = resp.status
                seen["post_body"] = await resp.json()
        except Exception as exc:
            seen["errors"]["post"] = _describe(exc)

        try:
            async with session.get(f"{base}/second") as resp:
                seen["second_get_status"] = resp.status
                seen["second_get_body"] = await resp.json()
        except Exception as exc:
            seen["errors"]["second_get"] = _describe(exc)

        try:
            async with asyncio.timeout(10):
                async with session.ws_connect(base.replace("http", "ws", 1) + "/ws"):
                    pass
        except Exception as exc:
            seen["ws_error"] = _describe(exc)
        else:
            seen["ws_error"] = None
    return seen


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        seen = asyncio.run(observe(f"http://{host}:{port}"))
    finally:
        server.shutdown()
        server.server_close()
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
