"""lamella-socks, a third-party plugin kept in plugins/, against pproxy's SOCKS server.

lamella-socks is installed into the test environment like any distribution;
nothing here imports it to make it work: lamella finds it through its entry
point in the ``lamella`` group.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import os
import subprocess
import sys
import textwrap

import pytest
from connector_helpers import FixedResolver, free_port
from yarl import URL

from lamella_connectors import TCPConnector
from lamella_core import BasicAuth, ClientSession, TraceConfig, plugins
from lamella_core.exceptions import ClientConnectorError, ClientProxyConnectionError

LARGE = bytes(range(256)) * 4096


def test_the_plugin_is_found_through_its_entry_point():
    (point,) = [ep for ep in importlib.metadata.entry_points(group="lamella") if ep.name == "socks"]
    assert point.value == "lamella_socks._plugin"
    assert point.dist is not None
    assert point.dist.name == "lamella-socks"
    registered = plugins.get_plugin_manager().get_plugin("socks")
    assert registered is not None
    assert registered.__name__ == "lamella_socks._plugin"
    import lamella_socks

    assert lamella_socks.__version__ == importlib.metadata.version("lamella-socks")


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_http_and_https_origins_through_socks5(
    socks_proxy, plain_server, tls_server, trusting, scheme
):
    proxy = socks_proxy().url.with_scheme(scheme)
    async with ClientSession() as session:
        async with session.get(plain_server / "echo", proxy=proxy) as resp:
            assert (await resp.json())["host"] == f"127.0.0.1:{plain_server.port}"
        async with session.get(tls_server / "large", proxy=proxy, ssl=trusting) as resp:
            assert await resp.read() == LARGE
        (connector,) = session._proxy_connectors.values()
        assert type(connector).__name__ == "SocksConnector"


async def test_names_resolve_at_the_proxy_with_socks5h(socks_proxy, tls_server, trusting):
    proxy = socks_proxy().url.with_scheme("socks5h")
    url = URL(f"https://localhost:{tls_server.port}/hello")
    async with ClientSession() as session:
        async with session.get(url, proxy=proxy, ssl=trusting) as resp:
            assert await resp.text() == "Hello, world!"
        (connector,) = session._proxy_connectors.values()
        assert connector.cached_hosts == {}  # nothing resolved here


async def test_names_resolve_locally_with_socks5(socks_proxy, plain_server):
    proxy = socks_proxy().url
    from lamella_socks import SocksConnector

    resolver = FixedResolver(("127.0.0.1", plain_server.port))
    connector = SocksConnector(proxy, resolver=resolver)
    async with ClientSession(connector=connector) as session:
        async with session.get(f"http://named.test:{plain_server.port}/hello") as resp:
            assert await resp.text() == "Hello, world!"
    assert resolver.lookups == ["named.test"]


async def test_socks4(socks_proxy, plain_server):
    proxy = socks_proxy(protocol="socks4").url
    async with ClientSession() as session:
        async with session.get(plain_server / "hello", proxy=proxy) as resp:
            assert await resp.text() == "Hello, world!"


async def test_authentication(socks_proxy, plain_server, tls_server, trusting):
    proxy = socks_proxy(auth="user:secret").url
    async with ClientSession() as session:
        with_credentials = proxy.with_user("user").with_password("secret")
        async with session.get(
            plain_server.with_path("/echo").with_query(q="1"), proxy=with_credentials
        ) as resp:
            seen = await resp.json()
        # The origin gets an origin-form request and never the proxy's credentials.
        assert seen["path"] == "/echo?q=1"
        assert "Proxy-Authorization" not in seen["headers"]
        async with session.get(
            tls_server / "hello",
            proxy=proxy,
            proxy_auth=BasicAuth("user", "secret"),
            ssl=trusting,
        ) as resp:
            assert await resp.text() == "Hello, world!"
        for auth in (None, BasicAuth("user", "wrong")):
            with pytest.raises(ClientProxyConnectionError) as info:
                await session.get(plain_server / "hello", proxy=proxy, proxy_auth=auth)
            assert info.value.port == proxy.port


async def test_an_unreachable_socks_proxy(plain_server):
    port = free_port()
    async with ClientSession() as session:
        with pytest.raises(ClientProxyConnectionError) as info:
            await session.get(plain_server / "hello", proxy=f"socks5://127.0.0.1:{port}")
    assert isinstance(info.value, ClientConnectorError)
    assert (info.value.host, info.value.port) == ("127.0.0.1", port)


async def test_the_connector_can_be_used_directly(socks_proxy, plain_server):
    from lamella_socks import SocksConnector

    connector = SocksConnector.from_url(socks_proxy().url, limit=3)
    assert connector.proxy_url == socks_proxy().url
    assert connector.limit == 3
    assert "proxy='socks5://127.0.0.1:" in repr(connector)
    async with ClientSession(connector=connector) as session:
        for _ in range(2):
            async with session.get(plain_server / "hello") as resp:
                assert await resp.text() == "Hello, world!"
    with pytest.raises(ValueError, match="not a SOCKS proxy URL"):
        SocksConnector("http://127.0.0.1:3128")


async def test_without_the_plugin_socks5_names_the_scheme(plain_server):
    manager = plugins.get_plugin_manager()
    plugin = manager.unregister(name="socks")
    try:
        async with ClientSession() as session:
            with pytest.raises(ValueError, match="'socks5'") as info:
                await session.get(plain_server / "hello", proxy="socks5://127.0.0.1:1080")
        assert "plugin" in str(info.value)
    finally:
        manager.register(plugin, "socks")


def test_without_autoloaded_plugins_socks5_names_the_scheme():
    script = textwrap.dedent(
        """
        import asyncio
        from lamella_core import ClientSession

        async def main():
            async with ClientSession() as session:
                try:
                    await session.get("http://127.0.0.1:9/", proxy="socks5://127.0.0.1:1080")
                except ValueError as exc:
                    print(exc)

        asyncio.run(main())
        """
    )
    env = {**os.environ, "LAMELLA_DISABLE_PLUGIN_AUTOLOAD": "1"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "'socks5'" in out.stdout
    assert "plugin" in out.stdout


# --- one pool for every transport ---------------------------------------------------------


async def test_one_limit_governs_direct_and_socks_connections(
    socks_proxy, plain_server, raw_server
):
    body_may_go = asyncio.Event()

    async def held(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        await writer.drain()
        await body_may_go.wait()
        writer.write(b"ok")

    holder = await raw_server([held])
    queued = asyncio.Event()

    async def on_queued(*args: object) -> None:
        queued.set()

    tracing = TraceConfig()
    tracing.on_connection_queued_start.append(on_queued)
    connector = TCPConnector(limit=1)
    async with ClientSession(connector=connector, trace_configs=[tracing]) as session:
        first = await session.get(holder.url)  # holds the only connection
        through_socks = asyncio.ensure_future(
            session.get(plain_server / "hello", proxy=socks_proxy().url)
        )
        waiting = asyncio.ensure_future(queued.wait())
        await asyncio.wait({through_socks, waiting}, return_when=asyncio.FIRST_COMPLETED)
        assert queued.is_set()  # it waits for the slot
        assert not through_socks.done()
        body_may_go.set()
        assert await first.read() == b"ok"
        second = await through_socks
        assert await second.text() == "Hello, world!"
        assert connector.limit == 1


async def test_socks_connections_use_the_session_connector_settings(
    socks_proxy, plain_server, tls_server, trusting
):
    resolver = FixedResolver(("127.0.0.1", plain_server.port))
    connector = TCPConnector(ssl=trusting, resolver=resolver)
    async with ClientSession(connector=connector) as session:
        # socks5:// resolves here, with the session connector's resolver.
        origin = URL(f"http://origin.test:{plain_server.port}/hello")
        async with session.get(origin, proxy=socks_proxy().url) as resp:
            assert await resp.text() == "Hello, world!"
        assert resolver.lookups == ["origin.test"]
        # The session connector's ssl= verifies the origin inside the SOCKS tunnel.
        proxy = socks_proxy().url.with_scheme("socks5h")
        async with session.get(tls_server / "hello", proxy=proxy) as resp:
            assert await resp.text() == "Hello, world!"
