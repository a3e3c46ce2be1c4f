"""Two independent WebSocket servers on loopback, over ws:// and wss://.

Each ``Peer`` answers the same routes, so interoperability tests run
unchanged against websockets' asyncio server and aiohttp.web's
``WebSocketResponse``:

- ``/echo``: sends every message back;
- ``/close?code=N&reason=R``: closes at once with that code;
- ``/fragments``: sends the text "frag-ment-ed" in three frames and the
  bytes b"ab" in two, then echoes;
- ``/ping``: pings with b"hello" and, once the pong came back, sends the
  text "pong received";
- ``/record``: records the code and reason of the client's close frame in
  ``Peer.closes``;
- ``/send?size=N``: sends N bytes as one binary message, then echoes;
- ``/vanish``: drops the TCP connection without a close frame.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import WSMsgType as AioMsgType
from aiohttp import web
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from yarl import URL

from state_checks import eventually

PROTOCOLS = ("chat", "superchat")


@dataclass
class Peer:
    """A running WebSocket server: where it is and what it saw."""

    kind: str
    url: URL
    ssl: ssl.SSLContext | bool
    compression: bool
    closes: list[tuple[int | None, str | None]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    def __truediv__(self, path: str) -> URL:
        return self.url.join(URL(path))


# --- the websockets server ------------------------------------------------------


def _select_protocol(connection: ServerConnection, offered: Any) -> Any:
    for name in PROTOCOLS:
        if name in offered:
            return name
    return None


def _websockets_handler(peer: Peer) -> Callable[[ServerConnection], Awaitable[None]]:
    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        split = urlsplit(ws.request.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        peer.headers.append(dict(ws.request.headers.raw_items()))
        route = split.path
        try:
            if route == "/close":
                await ws.close(int(query["code"]), query.get("reason", ""))
                return
            if route == "/fragments":
                await ws.send(["frag-", "ment", "-ed"])
                await ws.send([b"a", b"b"])
            elif route == "/ping":
                pong = await ws.ping(b"hello")
                await asyncio.wait_for(pong, 5)
                await ws.send("pong received")
            elif route == "/record":
                await ws.wait_closed()
                peer.closes.append((ws.close_code, ws.close_reason))
                return
            elif route == "/send":
                await ws.send(b"x" * int(query["size"]))
            elif route == "/vanish":
                ws.transport.abort()
                return
            async for message in ws:
                await ws.send(message)
        except ConnectionClosed:
            pass

    return handler


async def _start_websockets(peer: Peer, server_ssl: ssl.SSLContext | None) -> Any:
    server = await serve(
        _websockets_handler(peer),
        "127.0.0.1",
        0,
        ssl=server_ssl,
        compression="deflate" if peer.compression else None,
        select_subprotocol=_select_protocol,
        max_size=None,
        close_timeout=2,
    )
    return server


# --- the aiohttp.web server -------------------------------------------------------


def _aiohttp_handler(peer: Peer) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        route = request.path
        peer.headers.append(dict(request.headers))
        ws = web.WebSocketResponse(
            protocols=PROTOCOLS,
            compress=peer.compression,
            max_msg_size=0,
            autoping=route != "/ping",
        )
        await ws.prepare(request)
        if route == "/close":
            await ws.close(
                code=int(request.query["code"]), message=request.query.get("reason", "").encode()
            )
            return ws
        if route == "/fragments":
            transport = request.transport
            assert transport is not None
            # Unmasked server frames written by hand: aiohttp cannot fragment.
            transport.write(b"\x01\x05frag-" + b"\x00\x04ment" + b"\x80\x03-ed")
            transport.write(b"\x02\x01a" + b"\x80\x01b")
        elif route == "/ping":
            await ws.ping(b"hello")
            msg = await ws.receive()
            assert msg.type is AioMsgType.PONG, msg
            assert msg.data == b"hello"
            await ws.send_str("pong received")
        elif route == "/record":
            msg = await ws.receive()
            if msg.type is AioMsgType.CLOSE:
                peer.closes.append((msg.data, msg.extra))
            await ws.close()
            return ws
        elif route == "/send":
            await ws.send_bytes(b"x" * int(request.query["size"]))
        elif route == "/vanish":
            transport = request.transport
            assert transport is not None
            transport.abort()
            return ws
        async for msg in ws:
            if msg.type is AioMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type is AioMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    return handler


async def _start_aiohttp(peer: Peer, server_ssl: ssl.SSLContext | None) -> web.AppRunner:
    app = web.Application()
    handler = _aiohttp_handler(peer)
    for route in ("/echo", "/close", "/fragments", "/ping", "/record", "/send", "/vanish"):
        app.router.add_get(route, handler)
    runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ssl)
    await site.start()
    return runner


async def start_server(
    peer: Peer, server_ssl: ssl.SSLContext | None
) -> tuple[int, Callable[[], Awaitable[None]]]:
    """Start ``peer``'s server; returns its port and the coroutine function that stops it."""
    if peer.kind == "websockets":
        server = await _start_websockets(peer, server_ssl)

        async def stop_websockets() -> None:
            server.close()
            await server.wait_closed()

        return server.sockets[0].getsockname()[1], stop_websockets
    runner = await _start_aiohttp(peer, server_ssl)
    return runner.addresses[0][1], runner.cleanup


KINDS = ["websockets", "aiohttp"]
SCHEMES = ["ws", "wss"]
StartPeer = Callable[..., Awaitable[Peer]]


async def receiving(ws: Any) -> None:
    """Return once a ``receive()`` started in another task waits for a message.

    No public state says so; the WebSocket's own flag (the one that refuses a
    concurrent ``receive()``) does.
    """
    await eventually(lambda: ws._waiting)


# --- a bare asyncio server for handshakes and frames written by hand ----------------

RawBehaviour = Callable[
    [asyncio.StreamReader, asyncio.StreamWriter, dict[str, str]], Awaitable[None]
]


def accept_for(key: str) -> str:
    """The Sec-WebSocket-Accept value for ``key`` (RFC 6455 section 4.2.2)."""
    import base64
    import hashlib

    digest = hashlib.sha1(key.encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest()
    return base64.b64encode(digest).decode()


def switching(headers: dict[str, str], extra: str = "", *, accept: str | None = None) -> bytes:
    """A 101 response that completes the handshake of ``headers`` (lower-case names)."""
    accept = accept_for(headers["sec-websocket-key"]) if accept is None else accept
    return (
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
    ).encode()


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0) -> bytes:
    """An unmasked server frame."""
    head = bytes([(0x80 if fin else 0) | rsv << 4 | opcode])
    if len(payload) < 126:
        return head + bytes([len(payload)]) + payload
    if len(payload) < 65536:
        return head + bytes([126]) + len(payload).to_bytes(2, "big") + payload
    return head + bytes([127]) + len(payload).to_bytes(8, "big") + payload


async def read_head(reader: asyncio.StreamReader) -> dict[str, str]:
    """Read a request head; returns its headers with lower-case names, plus ``:target``."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    headers = {":target": lines[0].split(" ")[1]}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return headers
