"""Trace signals fired by real requests, in aiohttp's order."""

from __future__ import annotations

import asyncio

import pytest

from lamella_core import BasicTCPConnector, ClientSession, TraceConfig
from lamella_core.exceptions import ClientConnectorError
from state_checks import eventually

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
