"""The plugin manager and every hook, exercised through real sessions."""

from __future__ import annotations

import inspect
import subprocess
import sys
from collections.abc import Iterator

import pytest

from lamella_core import (
    BasicTCPConnector,
    ClientError,
    ClientSession,
    DummyCookieJar,
    hookimpl,
    hookspecs,
    plugins,
)
from lamella_core.abc import AbstractCookieJar


@pytest.fixture
def register() -> Iterator:
    """Register plugin objects for one test, and check their hookimpls."""
    added: list[object] = []

    def add(plugin: object) -> None:
        plugins.register(plugin)
        added.append(plugin)
        plugins.get_plugin_manager().check_pending()

    yield add
    for plugin in added:
        plugins.unregister(plugin)


def test_manager_is_built_once_with_core_fallbacks():
    manager = plugins.get_plugin_manager()
    assert manager is plugins.get_plugin_manager()
    assert manager.get_plugin("lamella_core") is not None
    manager.check_pending()


def test_every_hook_has_a_test_here():
    hooks = [
        name
        for name, _ in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("lamella_")
    ]
    tests = {name for name in globals() if name.startswith("test_hook_")}
    assert {f"test_hook_{name}" for name in hooks} <= tests
    assert sorted(hooks) == sorted(
        name for name in hookspecs.__all__ if name.startswith("lamella_")
    )


async def test_hook_lamella_default_connector(register):
    made: list[BasicTCPConnector] = []

    class Plugin:
        @hookimpl
        def lamella_default_connector(self, connector_kwargs):
            connector = BasicTCPConnector(limit=3, **connector_kwargs)
            made.append(connector)
            return connector

    register(Plugin())
    async with ClientSession() as session:
        assert session.connector is made[0]
        assert session.connector.limit == 3


async def test_hook_lamella_default_cookie_jar(register):
    class Jar(DummyCookieJar):
        pass

    class Plugin:
        @hookimpl
        def lamella_default_cookie_jar(self):
            return Jar()

    register(Plugin())
    async with ClientSession() as session:
        assert isinstance(session.cookie_jar, Jar)
        assert isinstance(session.cookie_jar, AbstractCookieJar)


async def test_hook_lamella_session_created(register):
    seen: list[ClientSession] = []

    class Plugin:
        @hookimpl
        def lamella_session_created(self, session):
            seen.append(session)

    register(Plugin())
    async with ClientSession() as session:
        assert seen == [session]


async def test_hook_lamella_proxy_connector(register, http_server):
    # socks6: a scheme no installed plugin claims (lamella-socks, installed in
    # the test environment, claims socks4, socks4a, socks5 and socks5h).
    async with ClientSession() as session:
        with pytest.raises(ValueError, match="'socks6'"):
            await session.get(http_server / "hello", proxy="socks6://127.0.0.1:1080")
    asked = []

    class Plugin:
        @hookimpl
        def lamella_proxy_connector(self, proxy_url):
            asked.append(proxy_url.scheme)
            return None

    register(Plugin())
    async with ClientSession() as session:
        with pytest.raises(ValueError, match="'socks6'"):
            await session.get(http_server / "hello", proxy="socks6://127.0.0.1:1080")
    assert asked == ["socks6"]


async def test_hook_lamella_http2_connection(register, http_server):
    from lamella_connectors import TCPConnector
    from lamella_http2 import H2Connection

    made: list[H2Connection] = []

    class Plugin:
        @hookimpl
        def lamella_http2_connection(self):
            def factory(loop):
                made.append(H2Connection(loop))
                return made[-1]

            return factory

    register(Plugin())
    connector = TCPConnector(http2="prior-knowledge")
    async with ClientSession(connector=connector) as session:
        # aiohttp's server speaks no h2c: the connection fails, but it was ours.
        with pytest.raises(ClientError):
            await session.get(http_server / "/")
    assert len(made) == 1


async def test_hook_lamella_websocket_support(register, http_server):
    calls = []

    def ws_connect(session, url, **kwargs):
        calls.append((session, str(url), kwargs))
        return "websocket"

    class Plugin:
        @hookimpl(tryfirst=True)
        def lamella_websocket_support(self):
            return ws_connect

    register(Plugin())
    async with ClientSession() as session:
        assert session.ws_connect("ws://127.0.0.1/", heartbeat=5) == "websocket"
        assert calls == [(session, "ws://127.0.0.1/", {"heartbeat": 5})]


async def test_hook_lamella_content_decoders(register, raw_server):
    class Rot13:
        def decompress(self, data: bytes) -> bytes:
            return data.translate(
                bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz", b"nopqrstuvwxyzabcdefghijklm")
            )

        def flush(self) -> bytes:
            return b""

    class Plugin:
        @hookimpl
        def lamella_content_decoders(self, register):
            register("x-rot13", Rot13)

    register(Plugin())
    server = await raw_server(
        [b"HTTP/1.1 200 OK\r\nContent-Encoding: x-rot13\r\nContent-Length: 5\r\n\r\nuryyb"]
    )
    async with ClientSession() as session, session.get(server.url) as resp:
        assert await resp.read() == b"hello"
    assert b"x-rot13" in server.requests[0]


async def test_duplicate_decoder_token_is_refused(register):
    class Plugin:
        @hookimpl
        def lamella_content_decoders(self, register):
            register("gzip", object)

    register(Plugin())
    with pytest.raises(ValueError, match="gzip"):
        ClientSession()


def test_autoload_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("LAMELLA_DISABLE_PLUGIN_AUTOLOAD", "1")
    manager = plugins._build()
    names = {name for name, _ in manager.list_name_plugin()}
    assert names == {"lamella_core"}


def test_entry_points_are_loaded():
    import importlib.metadata

    manager = plugins._build()
    declared = {ep.name for ep in importlib.metadata.entry_points(group="lamella")} - {"core"}
    loaded = {name for name, _ in manager.list_name_plugin()}
    assert declared <= loaded


FIRST_SESSION_IN_A_LOOP = """
import asyncio, sys
from blockbuster import blockbuster_ctx
import lamella_core

async def main():
    with blockbuster_ctx(["lamella_core", "lamella_connectors", "lamella_cookies"]):
        async with lamella_core.ClientSession() as session:
            print(type(session.connector).__name__)

asyncio.run(main())
"""


def test_the_first_session_in_a_loop_reads_no_metadata():
    # A fresh process: its first ClientSession, made inside a running loop,
    # builds the plugin manager from the entry points the discovery thread
    # found, so no metadata file is read on the loop (blockbuster would raise).
    code = FIRST_SESSION_IN_A_LOOP.replace(
        "import lamella_core\n", "import lamella_core\nlamella_core._discovery._thread.join()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "TCPConnector"


def test_discovery_scans_by_itself_when_its_thread_never_ran(monkeypatch):
    from lamella_core import _discovery

    monkeypatch.setattr(_discovery, "_found", [])
    names = {ep.name for ep in _discovery.entry_points()}
    assert {"connectors", "cookies", "websocket"} <= names
