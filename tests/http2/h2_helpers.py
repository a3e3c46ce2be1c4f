"""The ASGI app the HTTP/2 tests serve with hypercorn, and what it records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from yarl import URL

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class H2Server:
    """A running hypercorn server and what it saw."""

    url: URL
    peers: list[tuple[str, int]] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)

    def __truediv__(self, path: str) -> URL:
        return self.url.join(URL(path))


async def _read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def make_app(server: H2Server) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The ASGI app: /, /echo, /set-cookie, /headers, /status/N, /redirect,
    /large?size=N, and a WebSocket echo."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] == "websocket":  # an echo of one message, over HTTP/1.1
            await receive()  # websocket.connect
            await send({"type": "websocket.accept"})
            message = await receive()
            await send({"type": "websocket.send", "text": message.get("text")})
            await send({"type": "websocket.close"})
            return
        server.peers.append(tuple(scope["client"]))
        server.versions.append(scope["http_version"])
        path: str = scope["path"]
        headers = [(b"content-type", b"text/plain")]
        status, body = 200, b"hello over " + scope["http_version"].encode()
        if path == "/echo":
            body = await _read_body(receive)
            headers.append((b"x-method", scope["method"].encode()))
        elif path == "/set-cookie":
            headers.append((b"set-cookie", b"flavour=oat; Path=/"))
        elif path == "/headers":  # the request's fields, one per line
            body = b"\n".join(name + b": " + value for name, value in scope["headers"])
        elif path.startswith("/status/"):
            status, body = int(path.rsplit("/", 1)[1]), b"status"
        elif path == "/redirect":
            status, body = 302, b""
            headers.append((b"location", b"/"))
        elif path == "/large":
            size = int(
                dict(x.split("=") for x in scope["query_string"].decode().split("&"))["size"]
            )
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            block = b"x" * 65536
            while size > 0:
                piece = block[:size]
                size -= len(piece)
                await send({"type": "http.response.body", "body": piece, "more_body": size > 0})
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app
