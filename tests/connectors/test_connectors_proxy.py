"""HTTP and HTTPS proxies: proxy.py (a real proxy from PyPI) and a recording proxy of our own."""

from __future__ import annotations

import base64
import ssl

import pytest
from connector_helpers import FixedResolver, free_port, serve, server_context
from yarl import URL

from lamella_connectors import TCPConnector, UnixConnector
from lamella_core import BasicAuth, BasicTCPConnector, ClientSession, TraceConfig
from lamella_core.exceptions import (
    ClientConnectorCertificateError,
    ClientConnectorError,
    ClientHttpProxyError,
    ClientProxyConnectionError,
)
from state_checks import eventually

LARGE = bytes(range(256)) * 4096


async def _logged(proxy, text: str) -> str:
    """Wait until proxy.py's access log shows ``text`` (it is written after the exchange)."""
    try:
        await eventually(lambda: text in proxy.log_text())
    except TimeoutError:
        raise AssertionError(f"{text!r} not in the proxy log:\n{proxy.log_text()}") from None
    return proxy.log_text()


# --- through proxy.py -------------------------------------------------------------------


async def test_plain_http_through_a_real_proxy(http_proxy, plain_server):
    proxy = http_proxy()
    async with ClientSession() as session:
        async with session.get(plain_server / "echo", proxy=proxy.url) as resp:
            body = await resp.json()
    assert body["host"] == f"127.0.0.1:{plain_server.port}"
    await _logged(proxy, f"GET 127.0.0.1:{plain_server.port}/echo")


async def test_https_through_a_real_proxy_tunnel(http_proxy, tls_server, trusting):
    proxy = http_proxy()
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        async with session.get(tls_server / "echo", proxy=proxy.url) as resp:
            assert (await resp.json())["secure"] is True
        # A large body exercises the buffered protocol under TLS in the tunnel.
        async with session.get(tls_server / "large", proxy=proxy.url) as resp:
            assert await resp.read() == LARGE
    await _logged(proxy, f"CONNECT 127.0.0.1:{tls_server.port}")


async def test_proxy_authentication(http_proxy, plain_server, tls_server, trusting):
    proxy = http_proxy(auth="user:secret")
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        async with session.get(plain_server / "hello", proxy=proxy.url) as resp:
            assert resp.status == 407  # the proxy's own answer, for plain http
        with pytest.raises(ClientHttpProxyError) as info:
            await session.get(tls_server / "hello", proxy=proxy.url)
        assert info.value.status == 407
        auth = BasicAuth("user", "secret")
        for origin in (plain_server, tls_server):
            async with session.get(origin / "hello", proxy=proxy.url, proxy_auth=auth) as resp:
                assert await resp.text() == "Hello, world!"
        with_credentials = proxy.url.with_user("user").with_password("secret")
        async with session.get(tls_server / "hello", proxy=with_credentials) as resp:
            assert resp.status == 200


async def test_session_wide_proxy_and_proxy_auth(http_proxy, tls_server, trusting):
    proxy = http_proxy(auth="user:secret")
    async with ClientSession(
        connector=TCPConnector(ssl=trusting),
        proxy=proxy.url,
        proxy_auth=BasicAuth("user", "secret"),
    ) as session:
        async with session.get(tls_server / "hello") as resp:
            assert resp.status == 200


async def test_a_proxy_that_speaks_tls(http_proxy, plain_server, tls_server, trusting):
    proxy = http_proxy(tls=True)
    assert proxy.url.scheme == "https"
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        for origin in (plain_server, tls_server):
            async with session.get(origin / "large", proxy=proxy.url) as resp:
                assert await resp.read() == LARGE
    async with ClientSession(connector=TCPConnector()) as session:
        # The proxy's certificate is verified too (the test CA is not trusted here).
        with pytest.raises(ClientConnectorCertificateError) as info:
            await session.get(plain_server / "hello", proxy=proxy.url)
        assert info.value.port == proxy.url.port


async def test_an_unreachable_proxy_raises_client_proxy_connection_error(plain_server):
    port = free_port()
    async with ClientSession() as session:
        for origin in (plain_server, plain_server.with_scheme("https")):
            with pytest.raises(ClientProxyConnectionError) as info:
                await session.get(origin / "hello", proxy=f"http://127.0.0.1:{port}")
            assert isinstance(info.value, ClientConnectorError)
            assert (info.value.host, info.value.port) == ("127.0.0.1", port)


# --- through a recording proxy ------------------------------------------------------------


async def test_connect_request_carries_proxy_headers_and_credentials(
    tunnel_proxy, tls_server, trusting
):
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        async with session.get(
            tls_server / "echo",
            proxy=tunnel_proxy.url,
            proxy_auth=BasicAuth("user", "pass"),
            proxy_headers={"X-Proxy": "yes"},
            headers={"X-Origin": "yes"},
        ) as resp:
            seen_by_origin = (await resp.json())["headers"]
    (head,) = tunnel_proxy.heads
    lines = head.decode().split("\r\n")
    assert lines[0] == f"CONNECT 127.0.0.1:{tls_server.port} HTTP/1.1"
    assert f"Host: 127.0.0.1:{tls_server.port}" in lines
    token = base64.b64encode(b"user:pass").decode()
    assert f"Proxy-Authorization: Basic {token}" in lines
    assert "X-Proxy: yes" in lines
    assert not any(line.startswith("X-Origin") for line in lines)
    # Inside the tunnel the origin gets its own headers, never the proxy's.
    assert seen_by_origin["X-Origin"] == "yes"
    assert "Proxy-Authorization" not in seen_by_origin
    assert "X-Proxy" not in seen_by_origin


async def test_plain_http_uses_absolute_form_with_proxy_authorization(tunnel_proxy, plain_server):
    async with ClientSession() as session:
        async with session.get(
            plain_server.with_path("/echo").with_query(q="1"),
            proxy=tunnel_proxy.url,
            proxy_auth=BasicAuth("u", "p"),
        ) as resp:
            assert (await resp.json())["path"] == "/echo?q=1"
    head = tunnel_proxy.heads[0].decode()
    assert head.startswith(f"GET http://127.0.0.1:{plain_server.port}/echo?q=1 HTTP/1.1\r\n")
    assert "Proxy-Authorization: Basic dTpw\r\n" in head


async def test_a_tunnel_is_pooled_and_reused(tunnel_proxy, tls_server, trusting):
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        for _ in range(3):
            async with session.get(tls_server / "hello", proxy=tunnel_proxy.url) as resp:
                assert await resp.text() == "Hello, world!"
    assert tunnel_proxy.connections == 1
    assert len(tunnel_proxy.heads) == 1


async def test_the_handshake_inside_a_tunnel_is_traced_with_the_origin(
    tunnel_proxy, tls_server, trusting
):
    seen: list[tuple[str, str, int]] = []
    config = TraceConfig()

    @config.on_tls_handshake_start
    async def started(session, ctx, params):
        seen.append(("start", params.host, params.port))

    @config.on_tls_handshake_end
    async def ended(session, ctx, params):
        seen.append(("end", params.host, params.port))

    connector = TCPConnector(ssl=trusting)
    async with ClientSession(connector=connector, trace_configs=[config]) as session:
        async with session.get(tls_server / "hello", proxy=tunnel_proxy.url) as resp:
            assert resp.status == 200
    origin = ("127.0.0.1", tls_server.port)
    assert seen == [("start", *origin), ("end", *origin)]  # the proxy itself is plain http


@pytest.mark.parametrize("status", [403, 407, 502])
async def test_a_refused_connect_raises_client_http_proxy_error(tunnel_proxy, tls_server, status):
    tunnel_proxy.refuse = status
    connector = TCPConnector()
    async with ClientSession(connector=connector) as session:
        with pytest.raises(ClientHttpProxyError) as info:
            await session.get(tls_server / "hello", proxy=tunnel_proxy.url)
        assert connector.stats().total.in_use == 0
    assert info.value.status == status
    assert info.value.message == "Nope"
    assert info.value.headers["X-Why"] == "test"
    assert info.value.request_info.method == "CONNECT"


@pytest.mark.parametrize("http2", [False, True])
async def test_a_context_offering_h2_inside_a_tunnel_fails_naming_alpn(tunnel_proxy, ca, http2):
    """A tunnel speaks HTTP/1.1: an origin that picks h2 there is refused, not misread."""
    origin_context = server_context(ca.issue_cert("127.0.0.1"))
    origin_context.set_alpn_protocols(["h2", "http/1.1"])  # picks h2 whenever offered
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    client_context.set_alpn_protocols(["h2", "http/1.1"])
    connector = TCPConnector(ssl=client_context, http2=http2)
    async for origin in serve(origin_context):
        async with ClientSession(connector=connector) as session:
            with pytest.raises(ClientConnectorError, match="h2 in ALPN inside the proxy's tunnel"):
                await session.get(origin / "hello", proxy=tunnel_proxy.url)
            assert connector.stats().total.in_use == 0
            client_context.set_alpn_protocols(["http/1.1"])  # the way out the message gives
            async with session.get(origin / "hello", proxy=tunnel_proxy.url) as resp:
                assert await resp.text() == "Hello, world!"


async def test_origin_certificate_is_verified_inside_the_tunnel(tunnel_proxy, tls_server):
    async with ClientSession(connector=TCPConnector()) as session:
        with pytest.raises(ClientConnectorCertificateError) as info:
            await session.get(tls_server / "hello", proxy=tunnel_proxy.url)
    assert (info.value.host, info.value.port) == ("127.0.0.1", tls_server.port)


async def test_origin_names_are_resolved_by_the_proxy(tunnel_proxy, tls_server, trusting):
    # The connector resolves only the proxy; "localhost" travels in the CONNECT line.
    resolver = FixedResolver(fail=True)
    url = URL(f"https://localhost:{tls_server.port}/hello")
    async with ClientSession(connector=TCPConnector(ssl=trusting, resolver=resolver)) as session:
        async with session.get(url, proxy=tunnel_proxy.url) as resp:
            assert resp.status == 200
    assert resolver.lookups == []
    assert tunnel_proxy.heads[0].startswith(f"CONNECT localhost:{tls_server.port} ".encode())


@pytest.mark.parametrize("make", [BasicTCPConnector, lambda: UnixConnector("/nonexistent")])
async def test_other_connectors_get_http_proxies_from_the_hook(make, tunnel_proxy, plain_server):
    async with ClientSession(connector=make()) as session:
        async with session.get(plain_server / "hello", proxy=tunnel_proxy.url) as resp:
            assert await resp.text() == "Hello, world!"
        (made,) = session._proxy_connectors.values()
        assert type(made) is TCPConnector
    assert made.closed
