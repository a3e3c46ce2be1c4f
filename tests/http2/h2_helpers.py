"""The peers of the HTTP/2 tests: the ASGI app hypercorn serves, and a raw h2c server.

The raw server is plain asyncio plus h2's server-side state machine, so it
can do what a well-behaved server never does on purpose: reset a stream,
send GOAWAY mid-flight, drop the connection inside a body, flood frames.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
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
    /large?size=N, /trailers (a body then trailer fields), and a WebSocket echo."""

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
        elif path == "/trailers":
            start = {"type": "http.response.start", "status": 200, "headers": headers}
            await send({**start, "trailers": True})
            await send({"type": "http.response.body", "body": b"body", "more_body": False})
            trailers = [(b"grpc-status", b"0"), (b"x-checksum", b"abc")]
            await send({"type": "http.response.trailers", "headers": trailers})
            return
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


# (h2 connection, stream id of a complete request, connection number) -> True to go
# on, False to drop the socket once what the behaviour queued is written, or raw
# bytes to write after it (frames h2 would refuse to build)
Behaviour = Callable[[h2.connection.H2Connection, int, int], bool | bytes]


class RawH2Server:
    """An h2c server: every complete request goes to ``behaviour``.

    ``goaways`` records the error code of every ``GOAWAY`` the client sent,
    ``closed`` counts the connections that ended, ``pings`` the PINGs received;
    setting ``mute`` stops every answer, as a server that hung would.
    """

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.connections = 0
        self.max_streams = 100  # SETTINGS_MAX_CONCURRENT_STREAMS
        self.goaways: list[int] = []
        self.closed = 0  # connections ended, by either side
        self.pings = 0  # PING frames received
        self.mute = False  # once set, nothing more is written (no PING answered)
        self.heads: list[list[Any]] = []  # each request's decoded header list, as h2 gave it
        self.url = URL()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.local_settings = h2.settings.Settings(
            client=False,
            initial_values={h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: self.max_streams},
        )
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        try:
            while data := await reader.read(65536):
                try:
                    events = conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    return  # the client sent what our state no longer expects
                for event in events:
                    if isinstance(event, h2.events.ConnectionTerminated):
                        self.goaways.append(event.error_code or 0)
                    self.pings += isinstance(event, h2.events.PingReceived)
                    if isinstance(event, h2.events.RequestReceived):
                        self.heads.append(list(event.headers or ()))
                    if not isinstance(event, h2.events.StreamEnded):
                        continue
                    outcome = self.behaviour(conn, event.stream_id, number)
                    writer.write(conn.data_to_send())
                    if outcome is False:
                        return
                    if isinstance(outcome, bytes):
                        writer.write(outcome)
                pending = conn.data_to_send()
                if not self.mute:
                    writer.write(pending)
                    await writer.drain()
        finally:
            self.closed += 1
            writer.close()


def respond(conn: h2.connection.H2Connection, stream_id: int, body: bytes = b"ok") -> None:
    conn.send_headers(stream_id, [(":status", "200"), ("content-length", str(len(body)))])
    conn.send_data(stream_id, body, end_stream=True)
