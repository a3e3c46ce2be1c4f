"""TCPConnector: the default connector, its parameters, pooling, happy eyeballs and errors."""

from __future__ import annotations

import asyncio
import socket

import pytest
from connector_helpers import FixedResolver
from yarl import URL

from lamella_connectors import TCPConnector
from lamella_core import ClientSession, ClientTimeout, plugins, request
from lamella_core.exceptions import (
    ClientConnectorDNSError,
    ClientConnectorError,
    ConnectionTimeoutError,
)
from state_checks import eventually


def _port(url: URL) -> int:
    assert url.port is not None
    return url.port


# --- the default connector ----------------------------------------------------------------


async def test_installed_connectors_make_tcpconnector_the_default(plain_server):
    async with ClientSession() as session:
        assert type(session.connector) is TCPConnector
        async with session.get(plain_server / "hello") as resp:
            assert await resp.text() == "Hello, world!"


async def test_one_shot_request_gets_a_force_close_tcpconnector(plain_server):
    hook = plugins.get_plugin_manager().hook
    connector = hook.lamella_default_connector(connector_kwargs={"force_close": True})
    assert isinstance(connector, TCPConnector)
    assert connector.force_close
    await connector.close()
    async with request("GET", plain_server / "hello") as resp:
        assert await resp.text() == "Hello, world!"


def test_attributes_and_repr():
    connector = TCPConnector(limit=7, limit_per_host=3, family=socket.AF_INET, keepalive_timeout=5)
    assert connector.limit == 7
    assert connector.limit_per_host == 3
    assert connector.family == socket.AF_INET
    assert connector.keepalive_timeout == 5
    assert connector.use_dns_cache is True
    assert not connector.force_close
    assert repr(connector) == (
        "<TCPConnector limit=7 limit_per_host=3 in_use=0 idle=0 opening=0 waiting=0>"
    )
    assert connector.proxy_schemes == frozenset({"http", "https"})
    assert TCPConnector(force_close=True).keepalive_timeout is None
    with pytest.raises(ValueError):
        TCPConnector(force_close=True, keepalive_timeout=3)


@pytest.mark.parametrize("bad", ["yes", 1.5, object()])
def test_ssl_setting_is_checked_at_construction(bad):
    with pytest.raises(TypeError, match="ssl should be SSLContext, Fingerprint, or bool"):
        TCPConnector(ssl=bad)


# --- pooling and limits ------------------------------------------------------------------


async def test_connections_are_reused(raw_server):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    server = await raw_server([ok], cycle=True)
    async with ClientSession(connector=TCPConnector()) as session:
        for _ in range(3):
            async with session.get(server.url) as resp:
                assert await resp.read() == b"ok"
    assert server.connections == 1


async def test_force_close_opens_a_connection_per_request(raw_server):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    server = await raw_server([ok], cycle=True)
    async with ClientSession(connector=TCPConnector(force_close=True)) as session:
        for _ in range(3):
            async with session.get(server.url) as resp:
                assert await resp.read() == b"ok"
    assert server.connections == 3


async def test_limit_per_host_bounds_concurrent_connections(raw_server):
    inflight = 0
    peak = 0
    answer = asyncio.Event()

    async def held(reader, writer):
        nonlocal inflight, peak
        inflight += 1
        peak = max(peak, inflight)
        await answer.wait()
        inflight -= 1
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    server = await raw_server([held], cycle=True)
    connector = TCPConnector(limit_per_host=2)
    async with ClientSession(connector=connector) as session:

        async def one() -> bytes:
            async with session.get(server.url) as resp:
                return await resp.read()

        requests = asyncio.gather(*(one() for _ in range(6)))
        await eventually(lambda: connector.stats().total.waiting == 4 and peak == 2)
        answer.set()
        assert await requests == [b"ok"] * 6
    assert peak == 2
    assert server.connections == 2


# --- resolving and connecting --------------------------------------------------------------


async def test_names_are_resolved_with_the_given_resolver(plain_server):
    resolver = FixedResolver(("127.0.0.1", _port(plain_server)))
    connector = TCPConnector(resolver=resolver)
    async with ClientSession(connector=connector) as session:
        async with session.get("http://origin.test/echo") as resp:
            body = await resp.json()
    assert body["host"] == "origin.test"
    assert resolver.lookups == ["origin.test"]
    assert not resolver.closed  # a resolver given by the caller stays the caller's


async def test_own_resolver_is_closed_with_the_connector():
    connector = TCPConnector()
    closed = []
    resolver = connector._hosts.resolver

    async def close() -> None:
        closed.append(True)

    resolver.close = close  # type: ignore[method-assign]
    await connector.close()
    assert closed == [True]


async def test_dns_failure_raises_client_connector_dns_error():
    connector = TCPConnector(resolver=FixedResolver(fail=True))
    async with ClientSession(connector=connector) as session:
        with pytest.raises(ClientConnectorDNSError) as info:
            await session.get("http://nowhere.test:8080/")
    assert isinstance(info.value, ClientConnectorError)
    assert (info.value.host, info.value.port) == ("nowhere.test", 8080)
    assert isinstance(info.value.os_error, socket.gaierror)


async def test_refused_connection_raises_client_connector_error():
    port = _free_port()
    async with ClientSession(connector=TCPConnector()) as session:
        with pytest.raises(ClientConnectorError) as info:
            await session.get(f"http://127.0.0.1:{port}/")
    assert type(info.value) is ClientConnectorError
    assert isinstance(info.value.os_error, ConnectionRefusedError)
    assert f"Cannot connect to host 127.0.0.1:{port}" in str(info.value)


async def test_sock_connect_timeout_raises_connection_timeout_error(blackhole):
    host, port = blackhole
    connector = TCPConnector()
    async with ClientSession(
        connector=connector, timeout=ClientTimeout(sock_connect=0.1)
    ) as session:
        with pytest.raises(ConnectionTimeoutError):
            await session.get(f"http://{host}:{port}/")
        assert connector.stats().total.in_use == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- happy eyeballs (RFC 8305) ----------------------------------------------------------


async def test_happy_eyeballs_moves_on_from_an_address_that_does_not_answer(
    blackhole, plain_server
):
    resolver = FixedResolver(blackhole, ("127.0.0.1", _port(plain_server)))
    connector = TCPConnector(resolver=resolver, happy_eyeballs_delay=0.05)
    # Without happy eyeballs the silent address would use up sock_connect and
    # fail (the next test); with it, the second address answers meanwhile.
    async with ClientSession(connector=connector, timeout=ClientTimeout(sock_connect=5)) as session:
        async with session.get("http://dual.test/hello") as resp:
            assert await resp.text() == "Hello, world!"


@pytest.mark.parametrize("delay", [None, 0.25, 30])
async def test_each_address_gets_its_own_sock_connect_budget(blackhole, plain_server, delay):
    resolver = FixedResolver(blackhole, ("127.0.0.1", _port(plain_server)))
    connector = TCPConnector(resolver=resolver, happy_eyeballs_delay=delay)
    timeout = ClientTimeout(sock_connect=0.2, total=60)
    async with ClientSession(connector=connector, timeout=timeout) as session:
        async with session.get("http://fallback.test/hello") as resp:
            assert await resp.text() == "Hello, world!"


async def test_every_address_silent_is_a_connection_timeout(blackhole):
    resolver = FixedResolver(blackhole, blackhole)
    connector = TCPConnector(resolver=resolver, happy_eyeballs_delay=None)
    timeout = ClientTimeout(sock_connect=0.1, total=60)
    async with ClientSession(connector=connector, timeout=timeout) as session:
        with pytest.raises(ConnectionTimeoutError):
            await session.get("http://silent.test/hello")


async def test_refused_first_address_falls_back_to_the_next(plain_server):
    resolver = FixedResolver(("127.0.0.1", _free_port()), ("127.0.0.1", _port(plain_server)))
    async with ClientSession(connector=TCPConnector(resolver=resolver)) as session:
        async with session.get("http://two.test/hello") as resp:
            assert resp.status == 200


async def test_interleave_and_socket_factory_are_used(plain_server):
    made: list[tuple] = []
    sockets: list[socket.socket] = []

    def factory(addr_info):
        made.append(addr_info)
        family, type_, proto, _, _ = addr_info
        sock = socket.socket(family=family, type=type_, proto=proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sockets.append(sock)
        return sock

    resolver = FixedResolver(("127.0.0.1", _port(plain_server)))
    connector = TCPConnector(resolver=resolver, interleave=2, socket_factory=factory)
    async with ClientSession(connector=connector) as session:
        async with session.get("http://made.test/hello") as resp:
            assert await resp.read() == b"Hello, world!"
        # The pooled connection runs on the socket the factory made.
        assert connector.stats().total.idle == 1
        (made_socket,) = sockets
        assert made_socket.getpeername() == ("127.0.0.1", _port(plain_server))
        assert made_socket.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert made_socket.fileno() == -1  # closing the connector closed the pooled connection
    assert [info[4] for info in made] == [("127.0.0.1", _port(plain_server))]
    assert connector._interleave == 2


async def test_local_addr_binds_the_local_end(plain_server):
    connector = TCPConnector(local_addr=("127.0.0.2", 0))
    async with ClientSession(connector=connector) as session:
        async with session.get(plain_server / "echo") as resp:
            assert (await resp.json())["peer"] == "127.0.0.2"


async def test_family_restricts_the_addresses_used(plain_server):
    resolver = FixedResolver(("::1", _port(plain_server)), ("127.0.0.1", _port(plain_server)))
    connector = TCPConnector(resolver=resolver, family=socket.AF_INET)
    async with ClientSession(connector=connector) as session:
        async with session.get("http://v4.test/echo") as resp:
            assert (await resp.json())["peer"] == "127.0.0.1"
    only_v6 = TCPConnector(resolver=FixedResolver(("::1", 1)), family=socket.AF_INET)
    async with ClientSession(connector=only_v6) as session:
        with pytest.raises(ClientConnectorDNSError, match="requested family"):
            await session.get("http://v6.test/")
