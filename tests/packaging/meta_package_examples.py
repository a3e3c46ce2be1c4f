"""aiohttp's client reference examples, run on the installed ``lamella`` wheel.

Started by ``test_meta_package.py`` with the interpreter of a fresh virtualenv
that holds lamella's five wheels, built locally, and their third-party
dependencies (no aiohttp, no test tools). The examples are those of aiohttp's
client reference and quickstart, unchanged except for the import line below
and the URLs, which point at loopback servers started here: an HTTP server
(stdlib, in a thread) and a WebSocket echo server (``websockets``' threaded
server; ``websockets`` is a dependency of lamella-websocket). The observations
go to stdout as one JSON object, for the test to judge.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from websockets.sync.server import ServerConnection, serve

import lamella as aiohttp  # the one changed line: was `import aiohttp`

seen: dict[str, Any] = {"errors": {}}


# --- the loopback servers --------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = f"<html>{self.path} cookie={self.headers.get('Cookie')}</html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Set-Cookie", "my_cookie=my_value; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def ws_echo(connection: ServerConnection) -> None:
    for message in connection:
        connection.send(message)


# --- the examples, as aiohttp's documentation writes them ------------------------


async def fetch(client, url):
    async with client.get(url) as resp:
        assert resp.status == 200
        return await resp.text()


async def client_session_example(url: str) -> None:
    async with aiohttp.ClientSession() as client:
        html = await fetch(client, url)
        seen["client_session"] = html


async def request_example(url: str) -> None:
    async with aiohttp.request("GET", url) as resp:
        assert resp.status == 200
        seen["request"] = await resp.text()


async def cookie_jar_example(url: str) -> None:
    # aiohttp's CookieJar refuses cookies from IP addresses unless unsafe=True.
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(url) as resp:
            await resp.text()
        seen["cookies"] = []
        for cookie in session.cookie_jar:
            seen["cookies"].append([cookie.key, cookie.value, cookie["domain"]])
        async with session.get(url) as resp:
            seen["cookie_sent_back"] = await resp.text()


async def dummy_cookie_jar_example(url: str) -> None:
    jar = aiohttp.DummyCookieJar()
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        async with session.get(url) as resp:
            await resp.text()
        async with session.get(url) as resp:
            seen["dummy_jar_sent"] = await resp.text()
        seen["dummy_jar_len"] = len(session.cookie_jar)


async def timeout_and_connector_example(url: str) -> None:
    timeout = aiohttp.ClientTimeout(total=60)
    conn = aiohttp.TCPConnector(limit=30)
    async with aiohttp.ClientSession(connector=conn, timeout=timeout) as session:
        async with session.get(url) as resp:
            seen["connector"] = [type(conn).__module__, resp.status]


async def ws_connect_example(url: str) -> None:
    seen["ws"] = []
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url) as ws:
            await ws.send_str("hello")
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    seen["ws"].append(msg.data)
                    if msg.data == "close cmd":
                        await ws.close()
                        break
                    else:
                        await ws.send_str("close cmd")
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    break


async def errors_example(url: str) -> None:
    try:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as resp:
                resp.raise_for_status()
    except aiohttp.ClientConnectorError as exc:
        seen["connector_error"] = [type(exc).__name__, isinstance(exc, OSError)]


# --- running them ----------------------------------------------------------------


async def main(base: str, ws_base: str) -> None:
    examples = {
        "client_session": client_session_example(f"{base}/session"),
        "request": request_example(f"{base}/request"),
        "cookie_jar": cookie_jar_example(f"{base}/cookies"),
        "dummy_cookie_jar": dummy_cookie_jar_example(f"{base}/dummy"),
        "connector": timeout_and_connector_example(f"{base}/connector"),
        "ws_connect": ws_connect_example(f"{ws_base}/ws"),
        "errors": errors_example("http://127.0.0.1:1/"),
    }
    for name, example in examples.items():  # each recorded on its own
        try:
            async with asyncio.timeout(20):
                await example
        except Exception as exc:
            seen["errors"][name] = f"{type(exc).__module__}.{type(exc).__qualname__}: {exc}"


def command_line(base: str) -> None:
    """The ``lamella`` console script of the installed wheel."""
    script = Path(sys.executable).with_name("lamella")
    run = subprocess.run(
        [str(script), "-v", f"{base}/cli"], capture_output=True, text=True, timeout=60
    )
    seen["cli"] = {"status": run.returncode, "stdout": run.stdout, "stderr": run.stderr}


if __name__ == "__main__":
    seen["distributions"] = sorted(
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in importlib.metadata.distributions()
        if dist.metadata["Name"].startswith("lamella")
    )
    seen["aiohttp_installed"] = importlib.util.find_spec("aiohttp") is not None
    seen["lamella_file"] = aiohttp.__file__
    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    http.daemon_threads = True
    threading.Thread(target=http.serve_forever, daemon=True).start()
    with serve(ws_echo, "127.0.0.1", 0) as ws_server:
        threading.Thread(target=ws_server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{http.server_address[1]}"
        ws_base = f"ws://127.0.0.1:{ws_server.socket.getsockname()[1]}"
        asyncio.run(main(base, ws_base))
        command_line(base)
        ws_server.shutdown()
    http.shutdown()
    print(json.dumps(seen))
