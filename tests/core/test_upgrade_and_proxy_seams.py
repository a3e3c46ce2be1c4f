"""The seams that sibling distributions build on: upgrades and proxies."""

from __future__ import annotations

import asyncio

from yarl import URL

from lamella_core import (
    BasicAuth,
    BasicTCPConnector,
    ClientSession,
    HTTP11Connection,
    hookimpl,
    plugins,
)


class _Collect(asyncio.Protocol):
    def __init__(self) -> None:
        self.data = b""
        self.got = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.data += data
        self.got.set()


async def test_a_101_connection_can_be_taken_over(raw_server):
    async def switch(reader, writer):
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nEARLY"
        )
        await writer.drain()
        writer.write(await reader.readexactly(4))
        await writer.drain()

    server = await raw_server([switch])
    connector = BasicTCPConnector()
    async with ClientSession(connector=connector) as session:
        resp = await session.get(server.url, headers={"Upgrade": "echo", "Connection": "Upgrade"})
        assert resp.status == 101
        conn = resp.connection
        assert conn is not None
        assert isinstance(conn.protocol, HTTP11Connection)
        collector = _Collect()
        transport, leftover = conn.protocol.take_over(collector)
        conn.detach()
        assert leftover == b"EARLY"
        transport.resume_reading()
        transport.write(b"ping")
        await asyncio.wait_for(collector.got.wait(), 5)
        assert collector.data == b"ping"
        assert connector.stats().total.in_use == 0
        transport.close()


class _ViaProxy(BasicTCPConnector):
    """Speaks plain-http proxies: connects to the proxy instead of the origin."""

    proxy_schemes = frozenset({"http"})

    async def _create_connection(self, req, traces, timeout):
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(
            lambda: HTTP11Connection(loop), req.proxy.host, req.proxy.port
        )
        return protocol


async def test_plain_http_through_a_proxy_uses_absolute_form(raw_server):
    proxy = await raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
    async with ClientSession(connector=_ViaProxy()) as session:
        async with session.get(
            "http://origin.test/path?q=1",
            proxy=proxy.url,
            proxy_auth=BasicAuth("user", "pass"),
            proxy_headers={"X-Proxy": "yes"},
        ) as resp:
            assert await resp.read() == b"ok"
    head = proxy.requests[0].decode()
    assert head.startswith("GET http://origin.test/path?q=1 HTTP/1.1\r\n")
    assert "Host: origin.test\r\n" in head
    assert "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n" in head
    assert "X-Proxy: yes\r\n" in head


async def test_a_plugin_supplies_the_connector_for_its_proxy_scheme(raw_server):
    proxy = await raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
    made: list[URL] = []

    class Plugin:
        @hookimpl
        def lamella_proxy_connector(self, proxy_url):
            if proxy_url.scheme != "x-relay":
                return None

            def factory(url: URL) -> _ViaProxy:
                made.append(url)
                return _ViaProxy()

            return factory

    plugin = Plugin()
    plugins.register(plugin)
    try:
        relay = proxy.url.with_scheme("x-relay")
        async with ClientSession() as session:
            for _ in range(2):
                async with session.get("http://origin.test/", proxy=relay) as resp:
                    assert await resp.read() == b"ok"
                    break
    finally:
        plugins.unregister(plugin)
    assert made == [relay]


async def test_connect_requests_use_authority_form():
    from lamella_core import ClientRequest

    req = ClientRequest("CONNECT", URL("https://origin.test:8443/"))
    assert req.head_bytes().startswith(b"CONNECT origin.test:8443 HTTP/1.1\r\n")


async def test_non_http_proxies_get_origin_form_and_no_proxy_credentials():
    from lamella_core import ClientRequest

    req = ClientRequest(
        "GET",
        URL("http://origin.test/path"),
        proxy=URL("socks5://user:pw@127.0.0.1:1080"),
        proxy_headers=None,
    )
    head = req.head_bytes()
    assert head.startswith(b"GET /path HTTP/1.1\r\n")
    assert b"proxy-authorization" not in head.lower()
