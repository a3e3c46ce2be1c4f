"""Stalls and lost connections, against real servers on loopback, with both parsers.

* A head (or chunk-size or trailer line) with bare LF line ends fails at
  once: it never waits for a CRLF that will not come.
* A server dripping its head byte by byte is stopped by
  ``ClientLimits.max_head_time``, which ``sock_read`` alone never does.
* When the cookie jar, a trace callback or ``raise_for_status`` raises
  while a response is being handled, its connection goes back: with
  ``limit=1`` the next request proceeds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from reliability_helpers import PARSERS, use_parser

from lamella import (
    ClientLimits,
    ClientPayloadError,
    ClientResponseError,
    ClientSession,
    ClientTimeout,
    CookieJar,
    ResponseHeadTimeoutError,
    TCPConnector,
    TraceConfig,
)
from lamella_core._limits import DEFAULT_LIMITS


@pytest.fixture(params=PARSERS, ids=lambda cls: cls.__name__)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    use_parser(monkeypatch, request.param)
    return request.param


# --- bare LF ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\nContent-Length: 5\n\nhello",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\n\nhello",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\nhello",
    ],
)
async def test_a_bare_lf_head_fails_at_once(parser, raw_server, head):
    # The server keeps the connection open: only a refusal ends the request
    # before the total timeout, which would raise ServerTimeoutError instead.
    server = await raw_server([head], keep_open=True)
    async with ClientSession(timeout=ClientTimeout(total=60)) as session:
        with pytest.raises(ClientResponseError, match="Bare LF"):
            await session.get(server.url)


async def test_a_bare_lf_chunk_size_line_fails_at_once(parser, raw_server):
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n"
    server = await raw_server([reply], keep_open=True)
    async with ClientSession(timeout=ClientTimeout(total=60)) as session:
        async with session.get(server.url) as resp:
            with pytest.raises(ClientPayloadError, match="Bare LF"):
                await resp.read()


# --- a dripping head ------------------------------------------------------------------------


def dripping(head: bytes, *, every: float) -> Callable[..., Awaitable[None]]:
    """A reply that sends ``head`` one byte every ``every`` seconds, then a body."""

    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for byte in head:
            if writer.is_closing():
                return
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every)
        writer.write(b"ok")

    return reply


async def test_a_dripping_head_is_stopped_by_max_head_time(parser, raw_server):
    # 40 s of head at 0.2 s a byte: far longer than the bound, each gap far below sock_read.
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Drip: y\r\n" * 17 + b"Content-Length: 2\r\n\r\n"
    server = await raw_server([dripping(head, every=0.2)])
    limits = DEFAULT_LIMITS.replace(max_head_time=1)
    async with ClientSession(timeout=ClientTimeout(sock_read=1), limits=limits) as session:
        with pytest.raises(ResponseHeadTimeoutError, match="max_head_time") as info:
            await session.get(server.url)
    assert info.value.limit == "max_head_time"
    assert info.value.value == 1


async def test_a_head_in_pieces_within_max_head_time_is_read(parser, raw_server):
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"
    server = await raw_server([dripping(head, every=0)])
    limits = DEFAULT_LIMITS.replace(max_head_time=30)
    async with ClientSession(limits=limits) as session:
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"


async def test_a_slow_upload_after_100_continue_is_not_timed_as_a_head(parser):
    async def continue_then_answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        await reader.readuntil(b"0\r\n\r\n")  # the whole chunked body
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        writer.close()

    async def slow_upload() -> AsyncIterator[bytes]:
        for _ in range(4):  # 1.2 s of upload after the 100, more than max_head_time
            await asyncio.sleep(0.3)
            yield b"piece"

    server = await asyncio.start_server(continue_then_answer, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    limits = DEFAULT_LIMITS.replace(max_head_time=0.5)
    try:
        async with ClientSession(limits=limits) as session:
            async with session.post(url, data=slow_upload(), expect100=True) as resp:
                assert await resp.read() == b"ok"
    finally:
        server.close()
        await server.wait_closed()


def test_max_head_time_is_on_by_default() -> None:
    assert ClientLimits().max_head_time == 30
    assert DEFAULT_LIMITS.unlimited().max_head_time is None


# --- connections handed back whatever raises ------------------------------------------------

# A body far larger than the stream's buffer: unread, it never ends, so its
# connection is not handed back by the end of the body either.
LARGE = b"x" * (8 * 1024 * 1024)
OK = b"HTTP/1.1 200 OK\r\nSet-Cookie: a=b\r\nContent-Length: %d\r\n\r\n%b" % (len(LARGE), LARGE)
REDIRECT = b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n"


class Boom(Exception):
    """Raised by the failing callback under test."""


class FailOnce:
    """A callback that raises the first time it is called, and passes after."""

    def __init__(self) -> None:
        self.failed = False

    async def __call__(self, *args: Any) -> None:
        self.fail()

    def fail(self) -> None:
        if not self.failed:
            self.failed = True
            raise Boom("a callback")


class FailingJar(CookieJar):
    """A cookie jar whose first update raises."""

    def __init__(self) -> None:
        super().__init__()
        self.once = FailOnce()

    def update_cookies_from_headers(self, headers: Any, response_url: Any) -> None:
        self.once.fail()
        super().update_cookies_from_headers(headers, response_url)


def _tracing(signal: str) -> TraceConfig:
    config = TraceConfig()
    getattr(config, signal).append(FailOnce())
    return config


FAILURES: dict[str, Callable[[], dict[str, Any]]] = {
    "cookie jar": lambda: {"session": {"cookie_jar": FailingJar()}},
    "on_request_end": lambda: {"session": {"trace_configs": [_tracing("on_request_end")]}},
    "on_request_redirect": lambda: {
        "session": {"trace_configs": [_tracing("on_request_redirect")]},
        "redirect": True,
    },
    "raise_for_status callable": lambda: {"request": {"raise_for_status": FailOnce()}},
}


@pytest.mark.parametrize("point", sorted(FAILURES))
async def test_a_raising_callback_never_keeps_the_connection(parser, raw_server, point):
    setup = FAILURES[point]()
    replies = [REDIRECT, OK] if setup.get("redirect") else [OK]
    server = await raw_server(replies, cycle=True)
    connector = TCPConnector(limit=1)
    timeout = ClientTimeout(total=30)
    async with ClientSession(
        connector=connector, timeout=timeout, **setup.get("session", {})
    ) as session:
        with pytest.raises(Boom) as raised:
            await session.get(server.url, **setup.get("request", {}))
        # The traceback (kept here, as a logger or error reporter keeps it)
        # holds the response: only an explicit hand-back frees its slot.
        assert raised.value.__traceback__ is not None
        assert connector.stats().total.in_use == 0
        # limit=1: the next request would wait for a lost slot until the timeout.
        async with session.get(server.url, **setup.get("request", {})) as resp:
            assert await resp.read() == LARGE
