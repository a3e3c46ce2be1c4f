"""What a connection is, and where it may go: pool keys, proxies, ALPN, fallback, SSRF.

* Proxy credentials given in ``headers=`` go to the proxy, never to the origin.
* A pooled TLS connection serves only requests with its ``server_hostname``
  and ``ssl=`` setting, so every name's certificate is checked.
* The request's ``ssl=`` secures the connection to an https proxy.
* TLS offers ``http/1.1`` in ALPN.
* ``deny_private`` refuses internal addresses after resolution, before connecting.
"""

from __future__ import annotations

import asyncio
import base64
import socket
from collections.abc import AsyncIterator

import pytest
import trustme
from connector_helpers import FixedResolver, certificate_digest, serve, server_context
from yarl import URL

from lamella import (
    ClientConnectorCertificateError,
    ClientConnectorDeniedError,
    ClientSession,
    Fingerprint,
    TCPConnector,
)

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


# --- proxy credentials ---------------------------------------------------------------


async def test_proxy_authorization_in_headers_goes_on_the_connect_request(
    tunnel_proxy, tls_server, trusting
):
    token = "Basic " + base64.b64encode(b"user:pass").decode()
    given = {"Proxy-Authorization": token, "Proxy-Connection": "keep-alive", "X-Origin": "yes"}
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        async with session.get(tls_server / "echo", proxy=tunnel_proxy.url, headers=given) as resp:
            seen_by_origin = (await resp.json())["headers"]
    (head,) = tunnel_proxy.heads
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("CONNECT ")
    assert f"Proxy-Authorization: {token}" in lines
    assert "Proxy-Connection: keep-alive" in lines
    assert seen_by_origin["X-Origin"] == "yes"
    assert "Proxy-Authorization" not in seen_by_origin
    assert "Proxy-Connection" not in seen_by_origin


async def test_proxy_authorization_in_headers_never_crosses_a_socks_proxy(
    socks_proxy, plain_server
):
    headers = {"Proxy-Authorization": "Basic c2VjcmV0", "X-Origin": "yes"}
    async with ClientSession() as session:
        async with session.get(
            plain_server / "echo", proxy=socks_proxy().url, headers=headers
        ) as resp:
            seen_by_origin = (await resp.json())["headers"]
    assert seen_by_origin["X-Origin"] == "yes"
    assert "Proxy-Authorization" not in seen_by_origin


# --- pool keys -------------------------------------------------------------------------


@pytest.fixture
async def a_example_server(ca: trustme.CA) -> AsyncIterator[URL]:
    """An https server on 127.0.0.1 whose certificate names a.example only."""
    async for url in serve(server_context(ca.issue_cert("a.example"))):
        yield url


async def test_a_connection_checked_for_one_name_never_serves_another(a_example_server, trusting):
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        async with session.get(a_example_server / "hello", server_hostname="a.example") as resp:
            assert await resp.text() == "Hello, world!"
        # The pooled connection was verified for a.example: b.example gets its own check.
        with pytest.raises(ClientConnectorCertificateError):
            await session.get(a_example_server / "hello", server_hostname="b.example")


async def test_a_connection_verified_with_one_context_never_serves_another_setting(
    tls_server, trusting
):
    async with ClientSession() as session:
        async with session.get(tls_server / "hello", ssl=trusting) as resp:
            assert await resp.read()
        with pytest.raises(ClientConnectorCertificateError):
            await session.get(tls_server / "hello")  # the system trust store: not the test CA


# --- the request's ssl= for an https proxy --------------------------------------------------


async def test_the_request_ssl_secures_an_https_proxy_for_plain_http(
    http_proxy, plain_server, trusting
):
    proxy = http_proxy(tls=True)
    async with ClientSession(connector=TCPConnector()) as session:
        async with session.get(plain_server / "hello", proxy=proxy.url, ssl=trusting) as resp:
            assert await resp.text() == "Hello, world!"
        # The connection verified with `trusting` is not lent to a default-ssl request.
        with pytest.raises(ClientConnectorCertificateError):
            await session.get(plain_server / "hello", proxy=proxy.url)


# --- ALPN --------------------------------------------------------------------------------


@pytest.mark.parametrize("setting", ["unverified", "fingerprint"])
async def test_tls_offers_http_1_1_in_alpn(ca: trustme.CA, setting: str) -> None:
    context = server_context(ca.issue_cert("127.0.0.1"))
    context.set_alpn_protocols(["h2", "http/1.1"])
    chosen: list[str | None] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chosen.append(writer.get_extra_info("ssl_object").selected_alpn_protocol())
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(OK)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the digest probe below connects and leaves
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    url = URL(f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}/")
    ssl_setting = Fingerprint(await certificate_digest(url)) if setting == "fingerprint" else False
    try:
        async with ClientSession(connector=TCPConnector(ssl=ssl_setting)) as session:
            async with session.get(url) as resp:
                assert await resp.read() == b"ok"
    finally:
        server.close()
        await server.wait_closed()
    assert chosen[-1] == "http/1.1"


# --- happy eyeballs fallback -------------------------------------------------------------


# --- the SSRF guard ------------------------------------------------------------------------


def loopback_only(info):
    """A socket factory that would fail a test rather than connect off loopback."""
    family, type_, proto, _, address = info
    assert address[0] in ("127.0.0.1", "::1"), f"the guard let {address[0]} through"
    return socket.socket(family, type_, proto)


INTERNAL = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "::ffff:127.0.0.1",
    "0.0.0.0",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "fe80::1",
    "fd00::1",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
    "64:ff9b::a01:203",
]


@pytest.mark.parametrize("address", INTERNAL)
async def test_deny_private_refuses_internal_addresses_before_connecting(address, plain_server):
    resolver = FixedResolver((address, plain_server.port))
    connector = TCPConnector(resolver=resolver, deny_private=True, socket_factory=loopback_only)
    async with ClientSession(connector=connector) as session:
        with pytest.raises(ClientConnectorDeniedError, match="deny_private") as info:
            await session.get("http://internal.test/hello")
    assert info.value.host == "internal.test"


async def test_deny_private_keeps_the_allowed_addresses_of_a_name(plain_server, raw_server):
    server = await raw_server([OK])
    resolver = FixedResolver(("10.0.0.1", 80), ("127.0.0.1", server.url.port))
    connector = TCPConnector(
        resolver=resolver,
        deny_private=True,
        allowed_networks=["127.0.0.0/8"],
        socket_factory=loopback_only,
    )
    async with ClientSession(connector=connector) as session:
        async with session.get("http://mixed.test/") as resp:
            assert await resp.read() == b"ok"
    assert server.connections == 1


async def test_deny_private_applies_to_ip_literals_and_redirects(raw_server):
    target = await raw_server([OK])
    redirect = (
        b"HTTP/1.1 302 Found\r\nLocation: %b\r\nContent-Length: 0\r\n\r\n"
        % str(target.url).encode()
    )
    front = await raw_server([redirect])
    connector = TCPConnector(deny_private=True, allowed_networks=["127.0.0.1/32"])
    async with ClientSession(connector=connector) as session:
        async with session.get(front.url.with_host("127.0.0.1")) as resp:
            assert await resp.read() == b"ok"
    strict = TCPConnector(deny_private=True)
    async with ClientSession(connector=strict) as session:
        with pytest.raises(ClientConnectorDeniedError):
            await session.get(front.url)
    assert front.connections == 1
    assert target.connections == 1


def test_allowed_networks_need_deny_private():
    with pytest.raises(ValueError, match="deny_private"):
        TCPConnector(allowed_networks=["10.0.0.0/8"])
