"""UnixConnector against real servers on Unix sockets."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from connector_helpers import unix_path

from lamella_connectors import UnixConnector
from lamella_core import ClientSession
from lamella_core.exceptions import ClientConnectorError, UnixClientConnectorError
from state_checks import eventually

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def _host(request: web.Request) -> web.Response:
    return web.Response(text=request.host)


async def test_requests_go_to_the_socket(tmp_path):
    path = unix_path(tmp_path)
    app = web.Application()
    app.router.add_get("/host", _host)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.UnixSite(runner, path).start()
    try:
        connector = UnixConnector(path)
        assert connector.path == path
        assert repr(connector).endswith(f" path={path!r}>")
        async with ClientSession(connector=connector) as session:
            async with session.get("http://service.local/host") as resp:
                assert await resp.text() == "service.local"
    finally:
        await runner.cleanup()


async def _counting_server(path: str, answer: asyncio.Event | None = None):
    """A Unix-socket server that counts; each answer waits for ``answer`` when given."""
    state = {"connections": 0, "inflight": 0, "peak": 0}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state["connections"] += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                state["inflight"] += 1
                state["peak"] = max(state["peak"], state["inflight"])
                if answer is not None:
                    await answer.wait()
                state["inflight"] -= 1
                writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_unix_server(handle, path)
    return server, state


async def test_connections_are_pooled(tmp_path):
    path = unix_path(tmp_path)
    server, state = await _counting_server(path)
    async with server, ClientSession(connector=UnixConnector(path)) as session:
        for _ in range(3):
            async with session.get("http://x/") as resp:
                assert await resp.read() == b"ok"
    assert state["connections"] == 1


async def test_limit_bounds_concurrent_connections(tmp_path):
    path = unix_path(tmp_path)
    answer = asyncio.Event()
    server, state = await _counting_server(path, answer)
    connector = UnixConnector(path, limit=2)
    async with server, ClientSession(connector=connector) as session:

        async def one() -> bytes:
            async with session.get("http://x/") as resp:
                return await resp.read()

        requests = asyncio.gather(*(one() for _ in range(5)))
        await eventually(lambda: connector.stats().total.waiting == 3 and state["peak"] == 2)
        answer.set()
        assert await requests == [b"ok"] * 5
    assert state["peak"] == 2
    assert state["connections"] == 2


async def test_force_close_and_keepalive_parameters(tmp_path):
    path = unix_path(tmp_path)
    assert UnixConnector(path, force_close=True).force_close
    assert UnixConnector(path, keepalive_timeout=3).keepalive_timeout == 3
    assert UnixConnector(path, limit_per_host=4).limit_per_host == 4
    server, state = await _counting_server(path)
    async with server, ClientSession(connector=UnixConnector(path, force_close=True)) as session:
        for _ in range(2):
            async with session.get("http://x/") as resp:
                await resp.read()
    assert state["connections"] == 2


async def test_a_missing_socket_raises_unix_client_connector_error(tmp_path):
    path = unix_path(tmp_path)
    async with ClientSession(connector=UnixConnector(path)) as session:
        with pytest.raises(UnixClientConnectorError) as info:
            await session.get("http://x/")
    assert isinstance(info.value, ClientConnectorError)
    assert info.value.path == path
    assert str(info.value).startswith(f"Cannot connect to unix socket {path}")
