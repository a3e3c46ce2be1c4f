"""Real peers on loopback for the whole suite, on the event loop it is asked for.

``http_server`` is an aiohttp.web application with the routes the client
tests need; ``raw_server`` is a bare asyncio server that answers each
request with exact bytes, for malformed or unusual responses.

Every async test runs on asyncio's default loop, or on uvloop with
``--event-loop=uvloop`` (or ``LAMELLA_TEST_LOOP=uvloop hatch test``); CI
runs the suite both ways. While a test runs, blockbuster fails any
blocking call (a file read, ``time.sleep``, a blocking socket, ``os.stat``)
that lamella's own code makes on a thread whose event loop is running; a
test opts out with ``@pytest.mark.allow_blocking`` when it calls one of
lamella's documented synchronous APIs (such as ``CookieJar.save``) from a
coroutine on purpose.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import importlib.util
import json
import os
import socket
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from blockbuster import blockbuster_ctx
from yarl import URL

# --- the event loop, and the blocking-call detector ----------------------------

LOOPS: Mapping[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": lambda: __import__("uvloop").new_event_loop(),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--event-loop",
        choices=sorted(LOOPS),
        default=os.environ.get("LAMELLA_TEST_LOOP") or "asyncio",
        help="the event loop every async test runs on (default: $LAMELLA_TEST_LOOP or asyncio)",
    )


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    name = config.getoption("event_loop")
    return {name: LOOPS[name]}


def pytest_report_header(config: pytest.Config) -> str:
    return f"event loop: {config.getoption('event_loop')}"


# The product's import packages: a blocking call counts when one of their
# frames is on the stack, so the test's own file reads and the server peers'
# work in the same loop are not lamella's fault.
# Only those installed count: the packaging environment has fewer.
PRODUCT_PACKAGES = [
    name
    for name in (
        "lamella_core",
        "lamella_connectors",
        "lamella_websocket",
        "lamella_cookies",
        "lamella_http2",
        "lamella",
        "lamella_socks",
        "lamella_codecs",
        "lamella_testing",
        "lamella_opentelemetry",
    )
    if importlib.util.find_spec(name) is not None
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_blocking: the test calls a synchronous lamella API inside the loop"
    )


@pytest.fixture(autouse=True)
def no_blocking_calls(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if lamella's code blocks a running event loop."""
    if request.node.get_closest_marker("allow_blocking"):
        yield
        return
    with blockbuster_ctx(PRODUCT_PACKAGES):
        yield


# --- aiohttp.web server --------------------------------------------------------


async def _hello(request: web.Request) -> web.Response:
    return web.Response(text="Hello, world!")


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path_qs,
            "headers": [[k, v] for k, v in request.headers.items()],
            "body": body.decode("latin-1"),
            "version": [request.version.major, request.version.minor],
        }
    )


async def _status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text="status")


async def _redirect(request: web.Request) -> web.Response:
    n = int(request.match_info["n"])
    code = int(request.query.get("code", "302"))
    if n <= 0:
        return await _echo(request)
    return web.Response(status=code, headers={"Location": f"/redirect/{n - 1}?code={code}"})


async def _redirect_to(request: web.Request) -> web.Response:
    code = int(request.query.get("code", "302"))
    return web.Response(status=code, headers={"Location": request.query["url"]})


async def _links(request: web.Request) -> web.Response:
    return web.Response(
        text="links",
        headers={"Link": '</page/2>; rel="next", <https://example.test/last>; rel=last'},
    )


async def _gzip(request: web.Request) -> web.Response:
    return web.Response(
        body=gzip.compress(b"compressed " * 100), headers={"Content-Encoding": "gzip"}
    )


async def _deflate(request: web.Request) -> web.Response:
    return web.Response(
        body=zlib.compress(b"deflated " * 100), headers={"Content-Encoding": "deflate"}
    )


async def _chunked(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse()
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for i in range(10):
        await resp.write(f"chunk{i};".encode())
    await resp.write_eof()
    return resp


async def _large(request: web.Request) -> web.Response:
    size = int(request.query.get("size", str(4 * 1024 * 1024)))
    return web.Response(body=b"x" * size)


async def _json(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "items": [1, 2, 3]})


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(float(request.query.get("delay", "1")))
    return web.Response(text="slow")


async def _set_cookie(request: web.Request) -> web.Response:
    resp = web.Response(text="cookie set")
    resp.set_cookie("session", "abc123")
    return resp


@dataclass
class Server:
    """A running server: its base URL and what it has seen."""

    url: URL
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)

    def __truediv__(self, path: str) -> URL:
        return self.url.join(URL(path))


@pytest.fixture
async def http_server() -> AsyncIterator[Server]:
    """An aiohttp.web server on 127.0.0.1 with the routes above."""
    app = web.Application()
    app.router.add_get("/hello", _hello)
    app.router.add_route("*", "/echo", _echo)
    app.router.add_route("*", "/status/{code}", _status)
    app.router.add_route("*", "/redirect/{n}", _redirect)
    app.router.add_route("*", "/redirect-to", _redirect_to)
    app.router.add_get("/links", _links)
    app.router.add_get("/gzip", _gzip)
    app.router.add_get("/deflate", _deflate)
    app.router.add_get("/chunked", _chunked)
    app.router.add_get("/large", _large)
    app.router.add_get("/json", _json)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/set-cookie", _set_cookie)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield Server(URL(f"http://127.0.0.1:{port}/"))
    finally:
        await runner.cleanup()


# --- an address that never answers ------------------------------------------------


@pytest.fixture
def blackhole() -> Iterator[tuple[str, int]]:
    """A loopback address whose connects hang: a listener with a full accept queue.

    Linux drops a SYN while the accept queue (``backlog`` + 1) is full, so a
    connect neither succeeds nor is refused, as to an address behind a
    firewall that drops packets or a broken IPv6 route.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield ("127.0.0.1", port)
    for sock in [*fillers, listener]:
        sock.close()


# --- raw bytes server ----------------------------------------------------------

Reply = bytes | Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """Read one request head and its Content-Length or chunked body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    if b"content-length:" in lower:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
        return head + await reader.readexactly(length)
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while True:
            line = await reader.readuntil(b"\r\n")
            size = int(line.strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            body += line + chunk
            if size == 0:
                return head + body
    return head


@pytest.fixture
async def raw_server() -> AsyncIterator[Callable[..., Awaitable[Server]]]:
    """Start servers that answer the n-th request with ``replies[n]`` (bytes or a coroutine).

    After the last reply the connection is closed, unless ``keep_open`` is set.
    """
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []

    async def start(
        replies: Sequence[Reply], *, keep_open: bool = False, cycle: bool = False
    ) -> Server:
        state = Server(URL("http://127.0.0.1/"))
        index = 0

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal index
            writers.append(writer)
            state.connections += 1
            try:
                while index < len(replies) or cycle:
                    try:
                        state.requests.append(await read_request(reader))
                    except (asyncio.IncompleteReadError, ConnectionError):
                        return
                    reply = replies[index % len(replies)]
                    index += 1
                    if isinstance(reply, bytes):
                        writer.write(reply)
                        await writer.drain()
                    else:
                        await reply(reader, writer)
                    if writer.is_closing():
                        return
                if keep_open:
                    await reader.read()
            except ConnectionError:
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        state.url = URL(f"http://127.0.0.1:{port}/")
        return state

    yield start
    for writer in writers:
        writer.close()
    for server in servers:
        server.close()
        await server.wait_closed()


def json_body(data: object) -> bytes:
    """A keep-alive 200 response carrying ``data`` as JSON."""
    body = json.dumps(data).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b" % (
        len(body),
        body,
    )
