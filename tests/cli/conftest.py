"""Loopback peers for the ``lamella`` command, served from a background thread.

The command runs in a subprocess, so the servers live in a thread with an
event loop of their own and the tests stay plain synchronous functions:
an aiohttp.web application (HTTP, HTTPS with a trustme certificate, and
WebSocket routes) and a tiny recording forward proxy.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import ssl
import threading
from collections.abc import Iterator

import pytest
import trustme
from aiohttp import WSMsgType, web
from cli_helpers import DOWNLOAD_CHUNK, STALL_SENT, Proxy, Servers, download_bytes


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path_qs,
            "headers": dict(request.headers),
            "body": body.decode("latin-1"),
        }
    )


async def status(request: web.Request) -> web.Response:
    code = int(request.match_info["code"])
    return web.Response(status=code, text=f"the body of a {code}\n")


async def redirect(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    if n <= 0:
        return web.Response(text="arrived\n")
    return web.Response(status=302, headers={"Location": f"/redirect/{n - 1}"})


async def text(request: web.Request) -> web.Response:
    return web.Response(text="hello from loopback\n")


async def binary(request: web.Request) -> web.Response:
    return web.Response(body=b"\x00\x01\x02binary\xff")


async def download(request: web.Request) -> web.StreamResponse:
    data = download_bytes()
    resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    if "chunked" in request.query:
        resp.enable_chunked_encoding()
    else:
        resp.content_length = len(data)
    await resp.prepare(request)
    for start in range(0, len(data), DOWNLOAD_CHUNK):
        await resp.write(data[start : start + DOWNLOAD_CHUNK])
        # Deliberately slow, the behaviour under test: the progress bar redraws
        # at most ten times a second, so it needs a download that lasts.
        await asyncio.sleep(0.02)
    await resp.write_eof()
    return resp


async def stall(request: web.Request) -> web.StreamResponse:
    """Send the first 64 KiB of a 1 MiB body, then nothing until the client leaves."""
    resp = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
    resp.content_length = 2**20
    await resp.prepare(request)
    await resp.write(b"x" * STALL_SENT)
    await asyncio.Event().wait()  # cancelled when the client disconnects
    return resp


FLAKY: dict[str, int] = {}


async def flaky(request: web.Request) -> web.Response:
    """503 on the first request for an ``id``, 200 from the second on (for --retry)."""
    key = request.query["id"]
    FLAKY[key] = FLAKY.get(key, 0) + 1
    if FLAKY[key] == 1:
        return web.Response(status=503, text="try again\n")
    return web.Response(text=f"recovered on attempt {FLAKY[key]}\n")


async def set_cookie(request: web.Request) -> web.Response:
    resp = web.Response(text="cookie set\n")
    resp.set_cookie("flavour", "oat")
    return resp


async def slow(request: web.Request) -> web.Response:
    """Never answers: the client's timeout is what ends the request."""
    await asyncio.Event().wait()  # cancelled when the client disconnects
    return web.Response(text="too late")


async def ws_echo(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type is WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type is WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


async def ws_binary(request: web.Request) -> web.WebSocketResponse:
    """Sends one binary message and closes normally."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_bytes(b"\x00\x01\x02")
    await ws.close()
    return ws


async def ws_fail(request: web.Request) -> web.WebSocketResponse:
    """Closes with 1011 (internal error) after the first message."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.receive()
    await ws.close(code=1011, message=b"broken")
    return ws


DIGEST_USER, DIGEST_PASSWORD, DIGEST_REALM = "ann", "s3cret", "cli"


async def digest(request: web.Request) -> web.Response:
    """A resource behind Digest authentication (RFC 7616, MD5, qop=auth), checked in full."""
    nonce = "cli-nonce"
    challenge = f'Digest realm="{DIGEST_REALM}", qop="auth", nonce="{nonce}", algorithm=MD5'
    given = request.headers.get("Authorization", "")
    if not given.startswith("Digest "):
        return web.Response(status=401, headers={"WWW-Authenticate": challenge})
    pairs = re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', given[7:])
    fields = {name: quoted or bare for name, quoted, bare in pairs}

    def md5(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    ha1 = md5(f"{DIGEST_USER}:{DIGEST_REALM}:{DIGEST_PASSWORD}")
    ha2 = md5(f"{request.method}:{fields.get('uri', '')}")
    expected = md5(f"{ha1}:{nonce}:{fields.get('nc')}:{fields.get('cnonce')}:auth:{ha2}")
    if fields.get("username") != DIGEST_USER or fields.get("response") != expected:
        return web.Response(status=401, headers={"WWW-Authenticate": challenge})
    return web.Response(text="welcome")


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_get("/digest", digest)
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/redirect/{n}", redirect)
    app.router.add_get("/text", text)
    app.router.add_get("/binary", binary)
    app.router.add_get("/download", download)
    app.router.add_get("/slow", slow)
    app.router.add_get("/stall", stall)
    app.router.add_get("/flaky", flaky)
    app.router.add_get("/set-cookie", set_cookie)
    app.router.add_get("/ws", ws_echo)
    app.router.add_get("/ws-binary", ws_binary)
    app.router.add_get("/ws-fail", ws_fail)
    return app


async def start_proxy(proxy: Proxy) -> asyncio.Server:
    """A forward proxy that answers every request itself, naming what it was asked."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        line = head.split(b"\r\n", 1)[0].decode()
        proxy.seen.append(line)
        body = f"proxied {line}\n".encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    proxy.port = server.sockets[0].getsockname()[1]
    return server


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    # The CA's own certificate, which signed itself, as a server's certificate.
    self_signed_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with ca.cert_pem.tempfile() as cert, ca.private_key_pem.tempfile() as key:
        self_signed_ctx.load_cert_chain(cert, key)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    found: dict[str, object] = {}

    async def serve() -> None:
        # handler_cancellation: /stall's handler ends when its client goes away.
        # shutdown_timeout: at the end, handlers still running (a stall) are
        # cancelled after a second instead of aiohttp's minute.
        runner = web.AppRunner(
            make_app(), handle_signals=False, handler_cancellation=True, shutdown_timeout=1
        )
        await runner.setup()
        plain = web.TCPSite(runner, "127.0.0.1", 0)
        secure = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx)
        self_signed = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self_signed_ctx)
        await plain.start()
        await secure.start()
        await self_signed.start()
        proxy = Proxy()
        proxy_server = await start_proxy(proxy)
        found["http"] = runner.addresses[0][1]
        found["https"] = runner.addresses[1][1]
        found["self_signed"] = runner.addresses[2][1]
        found["proxy"] = proxy
        ready.set()
        await stop.wait()
        proxy_server.close()
        await runner.cleanup()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the loopback servers did not start"
    proxy = found["proxy"]
    assert isinstance(proxy, Proxy)
    yield Servers(
        http=f"http://127.0.0.1:{found['http']}",
        https=f"https://127.0.0.1:{found['https']}",
        ws=f"ws://127.0.0.1:{found['http']}",
        proxy=proxy,
        self_signed=f"https://127.0.0.1:{found['self_signed']}",
    )
    loop.call_soon_threadsafe(stop.set)
    thread.join(60)
    if not thread.is_alive():  # else the daemon thread goes with the process
        loop.close()
