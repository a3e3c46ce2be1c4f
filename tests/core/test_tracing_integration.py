"""Trace signals fired by real requests, in aiohttp's order."""

from __future__ import annotations

import asyncio

import pytest

from lamella_core import BasicTCPConnector, ClientSession, ExponentialRetry, TraceConfig
from lamella_core.exceptions import (
    ClientConnectionError,
    ClientConnectorError,
    ServerDisconnectedError,
)
from state_checks import eventually

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

SIGNALS = [
    "on_request_start",
    "on_request_end",
    "on_request_exception",
    "on_request_redirect",
    "on_request_headers_sent",
    "on_request_chunk_sent",
    "on_response_chunk_received",
    "on_connection_queued_start",
    "on_connection_queued_end",
    "on_connection_create_start",
    "on_connection_create_end",
    "on_connection_reuseconn",
]


def recorder() -> tuple[TraceConfig, list[tuple[str, object, object]]]:
    events: list[tuple[str, object, object]] = []
    config = TraceConfig()
    for name in SIGNALS:

        async def record(session, ctx, params, name=name):
            events.append((name, ctx, params))

        getattr(config, name).append(record)
    return config, events


def names(events) -> list[str]:
    return [name for name, _, _ in events]


async def test_a_request_on_a_new_then_a_reused_connection(http_server):
    config, events = recorder()
    async with ClientSession(trace_configs=[config]) as session:
        async with session.get(http_server / "hello", trace_request_ctx={"id": 1}) as resp:
            body = await resp.read()
        assert names(events) == [
            "on_request_start",
            "on_connection_create_start",
            "on_connection_create_end",
            "on_request_headers_sent",
            "on_request_end",
            "on_response_chunk_received",
        ]
        ctx = events[0][1]
        assert ctx.trace_request_ctx == {"id": 1}
        assert all(event[1] is ctx for event in events)
        assert events[0][2].method == "GET"
        assert events[0][2].url == http_server / "hello"
        assert events[-1][2].chunk == body
        events.clear()
        async with session.post(http_server / "echo", data=b"payload") as resp:
            await resp.read()
        assert names(events)[:4] == [
            "on_request_start",
            "on_connection_reuseconn",
            "on_request_headers_sent",
            "on_request_chunk_sent",
        ]
        assert events[3][2].chunk == b"payload"


async def test_redirect_and_exception_signals(http_server):
    config, events = recorder()
    async with ClientSession(trace_configs=[config]) as session:
        async with session.get(http_server / "redirect/1") as resp:
            await resp.read()
        assert "on_request_redirect" in names(events)
        redirect = next(p for n, _, p in events if n == "on_request_redirect")
        assert redirect.response.status == 302
        events.clear()
        with pytest.raises(ClientConnectorError):
            await session.get("http://127.0.0.1:1/")
        assert names(events)[-1] == "on_request_exception"
        assert isinstance(events[-1][2].exception, ClientConnectorError)


async def test_queued_signals_when_the_pool_is_full(http_server):
    config, events = recorder()
    connector = BasicTCPConnector(limit=1)
    async with ClientSession(connector=connector, trace_configs=[config]) as session:
        first = await session.get(http_server / "large", params={"size": "1000000"})
        second = asyncio.ensure_future(session.get(http_server / "hello"))
        await eventually(lambda: "on_connection_queued_start" in names(events))
        assert connector.stats().total.waiting == 1
        await first.read()
        first.release()
        resp = await second
        await resp.read()
        resp.release()
    assert "on_connection_queued_end" in names(events)


async def test_trace_configs_are_frozen_by_the_session():
    config = TraceConfig()
    async with ClientSession(trace_configs=[config]) as session:
        assert session.trace_configs == [config]
        with pytest.raises(RuntimeError):
            config.on_request_start.append(lambda *args: None)


async def test_request_end_reports_the_final_hop_and_failed_checks_report_exceptions(http_server):
    config, events = recorder()
    async with ClientSession(trace_configs=[config], headers={"X-Session": "1"}) as session:
        async with session.get(http_server / "redirect/1", headers={"X-Mine": "2"}) as resp:
            await resp.read()
        start = next(p for n, _, p in events if n == "on_request_start")
        end = next(p for n, _, p in events if n == "on_request_end")
        assert end.url.path == "/redirect/0"
        # As in aiohttp: the headers the request was made with, not those lamella added.
        assert dict(end.headers) == dict(start.headers) == {"X-Session": "1", "X-Mine": "2"}
        events.clear()
        with pytest.raises(Exception, match="404"):
            await session.get(http_server / "status/404", raise_for_status=True)
        assert "on_request_end" not in names(events)
        assert names(events)[-1] == "on_request_exception"


async def test_request_exception_reports_the_hop_that_failed(http_server):
    # As aiohttp: the method and URL of the hop a redirect led to.
    config, events = recorder()
    refused = "http://127.0.0.1:1/gone"
    async with ClientSession(trace_configs=[config]) as session:
        with pytest.raises(ClientConnectorError):
            await session.post(
                http_server / "redirect-to", params={"url": refused, "code": "303"}, data=b"x"
            )
    failed = events[-1][2]
    assert names(events)[-1] == "on_request_exception"
    assert (failed.method, str(failed.url)) == ("GET", refused)


def retry_recorder() -> tuple[TraceConfig, list[object]]:
    """A config recording the parameters of every ``on_request_retry``."""
    seen: list[object] = []
    config = TraceConfig()

    @config.on_request_retry
    async def record(session, ctx, params):
        seen.append(params)

    return config, seen


async def test_a_policy_retry_fires_on_request_retry_with_what_ended(raw_server):
    busy = b"HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
    server = await raw_server([busy, busy, OK])
    config, seen = retry_recorder()
    retry = ExponentialRetry(attempts=3, base_delay=0.01, jitter="none")
    async with ClientSession(trace_configs=[config], retry=retry) as session:
        async with session.get(server.url / "x") as resp:
            assert await resp.read() == b"ok"
    assert [(p.attempt, p.response.status, p.exception) for p in seen] == [
        (1, 503, None),
        (2, 503, None),
    ]
    assert [p.delay for p in seen] == [0.01, 0.02]  # the backoff, as Retry-After asks less
    assert {(p.method, str(p.url)) for p in seen} == {("GET", str(server.url / "x"))}


async def test_a_failed_attempt_is_reported_with_its_exception(raw_server):
    async def reset(reader, writer):
        writer.transport.abort()

    server = await raw_server([reset, OK])
    config, seen = retry_recorder()
    retry = ExponentialRetry(attempts=2, base_delay=0.01, jitter="none")
    async with ClientSession(trace_configs=[config], retry=retry) as session:
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"
    (params,) = seen
    assert params.response is None
    assert isinstance(params.exception, ClientConnectionError)
    assert params.attempt == 1


async def test_a_dead_keep_alive_connection_resend_fires_on_request_retry(raw_server):
    async def drop(reader, writer):
        writer.close()

    server = await raw_server([OK, drop, OK])
    config, seen = retry_recorder()
    async with ClientSession(trace_configs=[config]) as session:
        for _ in range(2):
            async with session.get(server.url) as resp:
                assert await resp.read() == b"ok"
    (params,) = seen
    assert isinstance(params.exception, ServerDisconnectedError)
    assert (params.attempt, params.delay, params.response) == (1, 0.0, None)
    assert server.connections == 2


async def test_a_middleware_calling_its_handler_again_fires_on_request_retry(raw_server):
    teapot = b"HTTP/1.1 418 Teapot\r\nContent-Length: 0\r\n\r\n"
    server = await raw_server([teapot, OK])

    async def again(req, handler):
        resp = await handler(req)
        if resp.status != 418:
            return resp
        resp.release()
        req.headers["X-Attempt"] = "2"
        return await handler(req)

    config, seen = retry_recorder()
    async with ClientSession(trace_configs=[config], middlewares=(again,)) as session:
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"
    (params,) = seen
    assert (params.attempt, params.response.status, params.delay) == (1, 418, 0.0)
    assert params.headers["X-Attempt"] == "2"  # the headers the next attempt sends
    assert b"x-attempt: 2" in server.requests[1].lower()


async def test_a_redirect_is_not_a_retry(http_server):
    config, seen = retry_recorder()
    async with ClientSession(trace_configs=[config]) as session:
        async with session.get(http_server / "redirect/2") as resp:
            await resp.read()
    assert seen == []
