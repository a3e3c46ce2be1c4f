"""Every Python code block of the documentation compiles, and every complete example runs.

The examples name real hosts (``https://httpbin.org/get``,
``wss://echo.example/ws``); while one runs, a plugin gives every new session
lamella's TCPConnector with a resolver that answers those names with servers
on 127.0.0.1, an https one with a trustme certificate for the names the
example uses. The
example's own code is not changed: it runs with its URLs, headers and TLS
checks as a reader would run it.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import json
import re
import socket
import ssl
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import pytest
import trustme
from aiohttp import WSMsgType, web
from doc_blocks import Block, all_blocks

from lamella_connectors import TCPConnector
from lamella_core import hookimpl
from lamella_core.abc import AbstractResolver, ResolveResult
from lamella_core.plugins import register, unregister

BLOCKS = all_blocks()
URL = re.compile(r"\b(?P<scheme>https?|wss?)://(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>\d+))?")
TLS_SCHEMES = {"https", "wss"}


def of_kind(*kinds: str) -> list[Any]:
    return [pytest.param(b, id=b.id) for b in BLOCKS if b.kind in kinds]


def test_the_collector_finds_the_documentation_blocks() -> None:
    kinds = {block.kind for block in BLOCKS}
    assert {"example", "fragment", "signature"} <= kinds
    assert any(block.path.name == "README.md" for block in BLOCKS)


@pytest.mark.parametrize("block", of_kind("fragment", "compile", "example"))
def test_block_compiles(block: Block) -> None:
    compile(block.source, block.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


@pytest.mark.parametrize("block", of_kind("signature"))
def test_signature_mark_is_needed(block: Block) -> None:
    """A block marked as a signature really is not Python; otherwise it should compile."""
    with pytest.raises(SyntaxError):
        compile(block.source, block.id, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


# --- the loopback peers of the examples ----------------------------------------


async def _anything(request: web.Request) -> web.StreamResponse:
    """Answer any HTTP request with what it was, as JSON (httpbin's habit)."""
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "url": str(request.url),
            "args": dict(request.query),
            "headers": dict(request.headers),
            "data": body.decode("utf-8", "replace"),
        }
    )


async def _websocket(request: web.Request) -> web.WebSocketResponse:
    """Echo text; answer a JSON ``subscribe`` with one update each way, then close."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type is not WSMsgType.TEXT:
            break
        try:
            command = json.loads(msg.data)
        except ValueError:
            await ws.send_str(msg.data)
            continue
        if isinstance(command, dict) and command.get("op") == "subscribe":
            await ws.send_str(json.dumps({"topic": command.get("topic"), "price": 1}))
            await ws.send_bytes(b"\x00\x01")
            await ws.close()
    return ws


class Peers:
    """An aiohttp.web application on two loopback ports (http, https) in its own thread."""

    def __init__(self, certified: ssl.SSLContext) -> None:
        self._tls = certified
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self.ports: Future[tuple[int, int]] = Future()
        self._thread = threading.Thread(target=self._run, name="doc-example-peers")

    def __enter__(self) -> tuple[int, int]:
        self._thread.start()
        return self.ports.result()

    def __exit__(self, *_: object) -> None:
        stop = self._stop
        assert stop is not None
        self._loop.call_soon_threadsafe(stop.set)
        self._thread.join()
        self._loop.close()

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/ws", _websocket)
        app.router.add_route("*", "/{tail:.*}", _anything)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            plain = web.TCPSite(runner, "127.0.0.1", 0)
            await plain.start()
            tls = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self._tls)
            await tls.start()
            self._stop = asyncio.Event()
            ports = [address[1] for address in runner.addresses]
            self.ports.set_result((ports[0], ports[1]))
            await self._stop.wait()
        except BaseException as exc:
            if not self.ports.done():
                self.ports.set_exception(exc)
            raise
        finally:
            await runner.cleanup()


class LoopbackResolver(AbstractResolver):
    """Resolves the example's hosts to the peers' address and port, like a test DNS."""

    def __init__(self, routes: dict[tuple[str, int], int]) -> None:
        self._routes = routes

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if (host, port) not in self._routes:
            raise OSError(f"the example's peers do not serve {host}:{port}")
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=self._routes[host, port],
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


class LoopbackConnectors:
    """A plugin: a session made without ``connector=`` gets a TCPConnector on the peers."""

    def __init__(self, routes: dict[tuple[str, int], int], trust: ssl.SSLContext) -> None:
        self._routes = routes
        self._trust = trust

    @hookimpl
    def lamella_default_connector(self, connector_kwargs: dict[str, Any]) -> TCPConnector:
        resolver = LoopbackResolver(self._routes)
        return TCPConnector(resolver=resolver, ssl=self._trust, **connector_kwargs)


@pytest.fixture
def loopback_for(request: pytest.FixtureRequest) -> Iterator[None]:
    """Route the hosts of the example being run to loopback peers."""
    block: Block = request.node.callspec.params["block"]
    urls = list(URL.finditer(block.source))
    hosts = sorted({url["host"] for url in urls}) or ["localhost"]
    ca = trustme.CA()
    certified = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*hosts).configure_cert(certified)
    trust = ssl.create_default_context()
    ca.configure_trust(trust)
    with Peers(certified) as (plain_port, tls_port):
        routes = {}
        for url in urls:
            tls = url["scheme"] in TLS_SCHEMES
            port = int(url["port"]) if url["port"] else (443 if tls else 80)
            routes[url["host"], port] = tls_port if tls else plain_port
        plugin = LoopbackConnectors(routes, trust)
        register(plugin, name="doc-examples-loopback")
        try:
            yield
        finally:
            unregister(plugin)


@pytest.mark.parametrize("block", of_kind("example"))
@pytest.mark.usefixtures("loopback_for")
def test_example_runs(block: Block, capsys: pytest.CaptureFixture[str]) -> None:
    code = compile(block.source, block.id, "exec")
    exec(code, {"__name__": "__main__"})
    gc.collect()  # a connection the example left open warns here, in its own test
    # Every complete example prints what it got; an empty output means it did nothing.
    assert capsys.readouterr().out.strip()
