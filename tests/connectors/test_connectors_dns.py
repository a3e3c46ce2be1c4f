"""Resolvers and TCPConnector's DNS cache: TTL, shared lookups, clearing."""

from __future__ import annotations

import asyncio
import socket

import pytest
from connector_helpers import FixedResolver

from lamella_connectors import AsyncResolver, DefaultResolver, TCPConnector, ThreadedResolver
from lamella_core import ClientSession
from lamella_core.abc import AbstractResolver
from lamella_core.exceptions import ClientConnectorDNSError
from state_checks import eventually


def test_default_resolver_is_the_threaded_one():
    assert DefaultResolver is ThreadedResolver
    assert issubclass(ThreadedResolver, AbstractResolver)
    assert issubclass(AsyncResolver, AbstractResolver)
    assert isinstance(TCPConnector()._hosts.resolver, ThreadedResolver)


async def test_threaded_resolver_resolves_localhost():
    resolver = ThreadedResolver()
    found = await resolver.resolve("localhost", 8080, family=socket.AF_INET)
    assert {k: found[0][k] for k in ("hostname", "host", "port")} == {
        "hostname": "localhost",
        "host": "127.0.0.1",
        "port": 8080,
    }
    assert found[0]["family"] == socket.AF_INET
    await resolver.close()


async def test_async_resolver_resolves_localhost_with_aiodns():
    resolver = AsyncResolver()
    try:
        found = await resolver.resolve("localhost", 8080, family=socket.AF_INET)
    finally:
        await resolver.close()
    assert found[0]["host"] == "127.0.0.1"
    assert found[0]["port"] == 8080


async def test_async_resolver_failure_is_an_oserror_and_a_dns_error():
    # The only name server is a loopback port where nothing listens.
    resolver = AsyncResolver(nameservers=["127.0.0.1"], timeout=0.2, tries=1)
    connector = TCPConnector(resolver=resolver)
    async with ClientSession(connector=connector) as session:
        with pytest.raises(ClientConnectorDNSError) as info:
            await session.get("http://name.invalid/")
    await resolver.close()
    assert isinstance(info.value.os_error, OSError)
    assert "name.invalid" in str(info.value)


async def test_answers_are_cached_and_rotated(plain_server):
    port = plain_server.port
    resolver = FixedResolver(("127.0.0.1", port), ("127.0.0.2", port))
    connector = TCPConnector(resolver=resolver, force_close=True)
    orders = []
    async with ClientSession(connector=connector) as session:
        for _ in range(3):
            async with session.get(f"http://cached.test:{port}/echo") as resp:
                assert resp.status == 200  # 127.0.0.2 refuses; the next address answers
            orders.append([a["host"] for a in connector.cached_hosts[("cached.test", port)]])
    assert resolver.lookups == ["cached.test"]
    # Every hit rotates the answer, spreading connections over the addresses.
    assert orders == [
        ["127.0.0.1", "127.0.0.2"],
        ["127.0.0.2", "127.0.0.1"],
        ["127.0.0.1", "127.0.0.2"],
    ]


async def test_answers_expire_after_the_ttl(plain_server):
    resolver = FixedResolver(("127.0.0.1", plain_server.port))
    connector = TCPConnector(resolver=resolver, ttl_dns_cache=0.05, force_close=True)
    async with ClientSession(connector=connector) as session:
        await (await session.get("http://ttl.test/hello")).read()
        await (await session.get("http://ttl.test/hello")).read()
        assert len(resolver.lookups) == 1
        await eventually(lambda: connector.cached_hosts == {})  # the TTL ran out
        await (await session.get("http://ttl.test/hello")).read()
    assert len(resolver.lookups) == 2


async def test_use_dns_cache_false_resolves_every_time(plain_server):
    resolver = FixedResolver(("127.0.0.1", plain_server.port))
    connector = TCPConnector(resolver=resolver, use_dns_cache=False, force_close=True)
    assert not connector.use_dns_cache
    assert not connector.dns_cache
    caching = TCPConnector()
    assert caching.dns_cache
    await caching.close()
    async with ClientSession(connector=connector) as session:
        for _ in range(2):
            await (await session.get("http://nocache.test/hello")).read()
    assert len(resolver.lookups) == 2
    assert connector.cached_hosts == {}


@pytest.mark.parametrize("use_dns_cache", [True, False])
async def test_concurrent_lookups_of_one_host_share_one_query(plain_server, use_dns_cache):
    resolver = FixedResolver(("127.0.0.1", plain_server.port), delay=0.05)
    connector = TCPConnector(resolver=resolver, use_dns_cache=use_dns_cache)
    async with ClientSession(connector=connector) as session:

        async def one() -> str:
            async with session.get("http://shared.test/hello") as resp:
                return await resp.text()

        assert await asyncio.gather(*(one() for _ in range(5))) == ["Hello, world!"] * 5
    assert resolver.lookups == ["shared.test"]


async def test_a_cancelled_waiter_does_not_cancel_the_shared_lookup(plain_server):
    resolver = FixedResolver(("127.0.0.1", plain_server.port), delay=0.1)
    connector = TCPConnector(resolver=resolver)
    async with ClientSession(connector=connector) as session:
        first = asyncio.ensure_future(session.get("http://shared.test/hello"))
        second = asyncio.ensure_future(session.get("http://shared.test/hello"))
        await eventually(lambda: resolver.lookups == ["shared.test"])  # both wait on it
        first.cancel()
        resp = await second
        assert await resp.text() == "Hello, world!"
        with pytest.raises(asyncio.CancelledError):
            await first
    assert resolver.lookups == ["shared.test"]


async def test_ip_literals_never_reach_the_resolver(plain_server):
    resolver = FixedResolver(fail=True)
    async with ClientSession(connector=TCPConnector(resolver=resolver)) as session:
        async with session.get(plain_server / "hello") as resp:
            assert resp.status == 200
    assert resolver.lookups == []


async def test_clear_dns_cache(plain_server):
    resolver = FixedResolver(("127.0.0.1", plain_server.port))
    connector = TCPConnector(resolver=resolver, force_close=True)
    async with ClientSession(connector=connector) as session:
        for host in ("a.test", "b.test"):
            await (await session.get(f"http://{host}/hello")).read()
        assert set(connector.cached_hosts) == {("a.test", 80), ("b.test", 80)}
        connector.clear_dns_cache("a.test", 80)
        assert set(connector.cached_hosts) == {("b.test", 80)}
        with pytest.raises(ValueError, match="both host and port"):
            connector.clear_dns_cache("b.test")
        with pytest.raises(ValueError, match="both host and port"):
            connector.clear_dns_cache(port=80)
        connector.clear_dns_cache()
        assert connector.cached_hosts == {}
        await (await session.get("http://a.test/hello")).read()
    assert resolver.lookups == ["a.test", "b.test", "a.test"]


async def test_dns_trace_signals(plain_server):
    from lamella_core import TraceConfig

    events: list[tuple[str, str]] = []
    config = TraceConfig()
    for name in ("dns_cache_miss", "dns_cache_hit", "dns_resolvehost_start", "dns_resolvehost_end"):

        async def record(session, ctx, params, name=name):
            events.append((name, params.host))

        getattr(config, f"on_{name}").append(record)
    resolver = FixedResolver(("127.0.0.1", plain_server.port))
    connector = TCPConnector(resolver=resolver, force_close=True)
    async with ClientSession(connector=connector, trace_configs=[config]) as session:
        for _ in range(2):
            await (await session.get("http://traced.test/hello")).read()
        await (await session.get(plain_server / "hello")).read()  # an IP: no DNS at all
    assert events == [
        ("dns_cache_miss", "traced.test"),
        ("dns_resolvehost_start", "traced.test"),
        ("dns_resolvehost_end", "traced.test"),
        ("dns_cache_hit", "traced.test"),
    ]


async def test_a_name_the_idna_codec_refuses_is_a_dns_error():
    # A 64-character label cannot be encoded, so no query is ever sent: the
    # request fails as a name that does not resolve, not with a UnicodeError.
    host = "a" * 64 + ".example"
    async with ClientSession(connector=TCPConnector(resolver=ThreadedResolver())) as session:
        with pytest.raises(ClientConnectorDNSError):
            await session.get(f"http://{host}/")
