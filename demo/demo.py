"""lamella's demo: a tour of the client against loopback servers it starts itself.

Run it with ``hatch run demo:run``. It needs no network: an HTTP server (a
small ASGI application served by uvicorn) and a WebSocket echo server (the
``websockets`` package) listen on 127.0.0.1, on ports the OS picks. The tour:

1. a GET, and a POST of JSON;
2. cookies kept across requests by lamella's ``CookieJar``;
3. a chain of redirects, seen through ``response.history``;
4. a streamed download with a progress bar;
5. a WebSocket echo.

Each step checks what came back; the demo exits with status 1 if any check
fails, 0 otherwise.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from websockets.asyncio.server import Server, ServerConnection, serve

import lamella

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DOWNLOAD_SIZE = 4 * 1024 * 1024  # bytes served by /download
DOWNLOAD_CHUNK = 128 * 1024
DOWNLOAD_BYTES = bytes(range(256)) * (DOWNLOAD_SIZE // 256)

TTY = sys.stdout.isatty()


def style(text: str, code: str) -> str:
    """``text`` in an ANSI colour when stdout is a terminal, plain otherwise."""
    return f"\x1b[{code}m{text}\x1b[0m" if TTY else text


def title(text: str) -> None:
    print(f"\n{style(text, '1;36')}")


def check(ok: bool, what: str) -> None:
    """Print one check; a failed check stops the demo with status 1."""
    print(f"  {style('ok', '32') if ok else style('FAILED', '1;31')}  {what}")
    if not ok:
        raise SystemExit(1)


# -- the HTTP server ------------------------------------------------------------


async def respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes = b"application/json",
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> None:
    head = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The routes the tour visits; anything else is a 404."""
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    method, path = scope["method"], scope["path"]
    cookies = dict(
        part.strip().split("=", 1)
        for name, value in scope["headers"]
        if name == b"cookie"
        for part in value.decode("latin-1").split(";")
        if "=" in part
    )

    if method == "GET" and path == "/hello":
        await respond(send, 200, b'{"greeting": "hello from the loopback server"}')
    elif method == "POST" and path == "/echo":
        try:
            answer = json.dumps({"you_sent": json.loads(body)}).encode()
        except ValueError:
            await respond(send, 400, b'{"error": "the body is not JSON"}')
        else:
            await respond(send, 200, answer)
    elif method == "POST" and path == "/login":
        cookie = (b"set-cookie", b"session=c0ffee; Path=/; HttpOnly")
        await respond(send, 200, b'{"logged_in": true}', headers=(cookie,))
    elif method == "GET" and path == "/whoami":
        who = {"session": cookies.get("session")}
        await respond(send, 200 if who["session"] else 401, json.dumps(who).encode())
    elif method == "GET" and path.startswith("/redirect/"):
        # /redirect/3 -> /redirect/2 -> /redirect/1 -> /hello
        left = int(path.rsplit("/", 1)[1])
        target = f"/redirect/{left - 1}" if left > 1 else "/hello"
        await respond(send, 302, b"", b"text/plain", ((b"location", target.encode()),))
    elif method == "GET" and path == "/download":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/octet-stream"),
                    (b"content-length", str(DOWNLOAD_SIZE).encode()),
                ],
            }
        )
        for start in range(0, DOWNLOAD_SIZE, DOWNLOAD_CHUNK):
            chunk = DOWNLOAD_BYTES[start : start + DOWNLOAD_CHUNK]
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await asyncio.sleep(0.02)  # slow enough to watch the progress bar move
        await send({"type": "http.response.body", "body": b""})
    else:
        await respond(send, 404, json.dumps({"error": f"no route for {method} {path}"}).encode())


async def start_http_server() -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():  # failed to start: surface its error
            await task
        await asyncio.sleep(0.01)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return server, task, f"http://{host}:{port}"


# -- the WebSocket server -------------------------------------------------------


async def echo(connection: ServerConnection) -> None:
    """Send every message back as it came."""
    async for message in connection:
        await connection.send(message)


async def start_ws_server() -> tuple[Server, str]:
    server = await serve(echo, "127.0.0.1", 0)
    host, port = next(iter(server.sockets)).getsockname()[:2]
    return server, f"ws://{host}:{port}"


# -- the tour -------------------------------------------------------------------


async def get_and_post(session: lamella.ClientSession, base: str) -> None:
    title("1. GET, and a POST of JSON")
    async with session.get(f"{base}/hello") as resp:
        body = await resp.json()
        print(f"  GET  /hello -> {resp.status} {resp.reason}, {resp.content_type}: {body}")
        check(resp.status == 200 and "greeting" in body, "the server greeted us")

    payload = {"name": "lamella", "numbers": [1, 2, 3]}
    async with session.post(f"{base}/echo", json=payload) as resp:
        answer = await resp.json()
        print(f"  POST /echo  json={payload}")
        print(f"       -> {resp.status} {resp.reason}: {answer}")
        check(answer == {"you_sent": payload}, "the JSON came back unchanged")


async def cookies(session: lamella.ClientSession, base: str) -> None:
    title("2. Cookies kept across requests")
    async with session.post(f"{base}/login") as resp:
        print(f"  POST /login  -> {resp.status}, Set-Cookie: {resp.headers['Set-Cookie']}")
    for cookie in session.cookie_jar:
        print(f"  the jar now holds {cookie.key}={cookie.value} (path {cookie['path']})")
    async with session.get(f"{base}/whoami") as resp:
        who = await resp.json()
        print(f"  GET  /whoami -> {resp.status}: {who}")
        check(who == {"session": "c0ffee"}, "the jar sent the cookie back by itself")


async def redirects(session: lamella.ClientSession, base: str) -> None:
    title("3. Redirects, seen through response.history")
    async with session.get(f"{base}/redirect/3") as resp:
        for hop in resp.history:
            print(f"  {hop.status} {hop.reason:<6} {hop.url.path:<12} -> {hop.headers['Location']}")
        print(f"  {resp.status} {resp.reason:<6} {resp.url.path}")
        check(len(resp.history) == 3 and resp.url.path == "/hello", "3 hops, ending at /hello")


def draw_bar(done: int, total: int, started: float) -> str:
    width = 30
    filled = width * done // total
    elapsed = max(time.monotonic() - started, 1e-6)
    speed = done / elapsed / 2**20
    return (
        f"  [{'#' * filled}{'.' * (width - filled)}] {100 * done // total:3d}%"
        f"  {done / 2**20:4.1f}/{total / 2**20:.1f} MiB  {speed:5.1f} MiB/s"
    )


async def download(session: lamella.ClientSession, base: str) -> None:
    title("4. A streamed download with a progress bar")
    digest = hashlib.sha256()
    async with session.get(f"{base}/download") as resp:
        total = resp.content_length or 0
        print(f"  GET /download -> {resp.status}, Content-Length {total}")
        done, started, next_mark = 0, time.monotonic(), 0.25
        # The body is never held whole: each piece is hashed and dropped.
        async for chunk in resp.content.iter_chunked(64 * 1024):
            digest.update(chunk)
            done += len(chunk)
            if TTY:  # redraw in place
                print("\r" + draw_bar(done, total, started), end="", flush=True)
            elif done >= next_mark * total:  # one line per quarter in a log
                print(draw_bar(done, total, started))
                next_mark += 0.25
        if TTY:
            print()
    expected = hashlib.sha256(DOWNLOAD_BYTES).hexdigest()
    check(done == total and digest.hexdigest() == expected, "every byte arrived, sha256 matches")


async def websocket(session: lamella.ClientSession, ws_base: str) -> None:
    title("5. A WebSocket echo")
    async with session.ws_connect(f"{ws_base}/echo") as ws:
        print(f"  connected to {ws_base}/echo")
        for text in ("hello", "lamella speaks WebSocket"):
            await ws.send_str(text)
            answer = await ws.receive_str()
            print(f"  sent {text!r:<28} received {answer!r}")
            check(answer == text, "echoed")
        await ws.send_bytes(b"\x00\x01\x02")
        data = await ws.receive_bytes()
        print(f"  sent b'\\x00\\x01\\x02' (binary)   received {data!r}")
        check(data == b"\x00\x01\x02", "echoed")
    print(f"  closed with code {ws.close_code}")


async def main() -> int:
    http_server, http_task, base = await start_http_server()
    ws_server, ws_base = await start_ws_server()
    print(f"lamella {lamella.__version__}, talking to loopback servers it started:")
    print(f"  HTTP      uvicorn on {base}")
    print(f"  WebSocket websockets on {ws_base}")
    try:
        # The servers are addressed by IP; like aiohttp's, lamella's CookieJar
        # ignores cookies from IP addresses unless told otherwise (unsafe=True).
        jar = lamella.CookieJar(unsafe=True)
        async with lamella.ClientSession(cookie_jar=jar) as session:
            await get_and_post(session, base)
            await cookies(session, base)
            await redirects(session, base)
            await download(session, base)
            await websocket(session, ws_base)
    except SystemExit as exc:
        return int(exc.code or 0)
    finally:
        ws_server.close()
        await ws_server.wait_closed()
        http_server.should_exit = True
        await http_task
    print(f"\n{style('all five steps went through lamella.ClientSession.', '1;32')}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
