"""Cancelling a request at every await point leaks nothing and leaves no stale answer.

Each test cancels one request while it waits at one point (a pool slot, a
trace signal, opening the socket, the TLS handshake, writing a streamed
body, waiting for ``100 Continue``, the head, the body), once a state shows
that the request has reached that point, then checks that
no slot is held, nothing is opening or waiting, and that follow-up requests
on the same session get their own answers, even though the server answers
the cancelled request late, on the connection the client gave up.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from reliability_helpers import PARSERS, read_request, use_parser
from yarl import URL

from lamella import ClientSession, ClientTimeout, TCPConnector, TraceConfig
from state_checks import eventually


class LateServer:
    """``/ok/<x>`` answers ``x`` at once; ``/late/<x>`` answers ``x`` after 0.15 s;
    ``/partial`` sends half a body and stalls; ``/hang`` never answers."""

    def __init__(self) -> None:
        self.url = URL("http://127.0.0.1/")
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.paths: list[str] = []  # the request heads received, in order
        self.late_pending = 0  # late answers not written yet

    async def start(self) -> LateServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = URL(f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/")
        return self

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=2)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            while True:
                head = await read_request(reader)
                path = head.split(b" ", 2)[1].decode()
                self.paths.append(path)
                if b"Expect: 100-continue" in head:
                    continue  # never says 100: the client waits
                if path == "/hang":
                    await reader.read()
                    return
                if path == "/partial":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf")
                    await writer.drain()
                    await reader.read()
                    return
                text = path.rsplit("/", 1)[1].encode()
                if path.startswith("/late/"):
                    self.late_pending += 1
                    try:
                        await asyncio.sleep(0.15)  # the lateness under test
                    finally:
                        self.late_pending -= 1
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(text), text))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def late_server() -> AsyncIterator[LateServer]:
    server = await LateServer().start()
    yield server
    await server.close()


@pytest.fixture(params=PARSERS, ids=lambda cls: cls.__name__)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    use_parser(monkeypatch, request.param)


def blocking_trace(signal: str, reached: asyncio.Event) -> TraceConfig:
    """A trace config whose ``signal`` callback blocks until cancelled."""
    config = TraceConfig()

    async def block(*args: Any) -> None:
        reached.set()
        await asyncio.Event().wait()

    getattr(config, signal).append(block)
    return config


def assert_pool_idle(session: ClientSession) -> None:
    connector = session.connector
    assert connector is not None
    total = connector.stats().total
    assert total.in_use == 0, "a slot is still held"
    assert total.opening == 0, "a connection is still counted as opening"
    assert total.waiting == 0, "a waiter was left behind"


async def follow_up(session: ClientSession, server: LateServer, count: int = 3) -> None:
    """Requests after the cancellation get their own answers, even after the late one."""
    await eventually(lambda: server.late_pending == 0)  # the late answer has been sent
    for i in range(count):
        async with session.get(server.url / f"ok/follow{i}") as resp:
            assert await resp.read() == f"follow{i}".encode()
    assert_pool_idle(session)


async def cancel_when(coro: Awaitable[Any], reached: asyncio.Event | Callable[[], object]) -> None:
    """Run ``coro``, and cancel it once ``reached`` (an event or a state check) says
    that it has come to the point under test."""
    task = asyncio.ensure_future(coro)
    if isinstance(reached, asyncio.Event):
        await asyncio.wait_for(reached.wait(), 5)
    else:
        await eventually(reached)
    assert not task.done(), "the request ended before it could be cancelled"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def _get(session: ClientSession, url: URL, **kwargs: Any) -> bytes:
    async with session.get(url, **kwargs) as resp:
        return await resp.read()


SIGNALS = [
    "on_request_start",
    "on_connection_create_start",
    "on_connection_create_end",
    "on_request_headers_sent",
    "on_connection_reuseconn",
]


@pytest.mark.parametrize("signal", SIGNALS)
async def test_cancel_at_each_trace_point(
    late_server: LateServer, parser: None, signal: str
) -> None:
    reached = asyncio.Event()
    async with ClientSession(trace_configs=[blocking_trace(signal, reached)]) as traced:
        if signal == "on_connection_reuseconn":
            # A pooled connection first, so the reuse signal fires.
            async with traced.get(late_server.url / "ok/warm") as warm:
                await warm.read()
        if signal != "on_request_start":
            # The blocking callback fires for warm-up too: only count the next one.
            reached.clear()
        await cancel_when(_get(traced, late_server.url / "late/cancelled"), reached)
        assert_pool_idle(traced)
    async with ClientSession() as session:
        await follow_up(session, late_server)


async def test_cancel_while_waiting_for_a_pool_slot(late_server: LateServer, parser: None) -> None:
    async with ClientSession(connector=TCPConnector(limit=1)) as session:
        connector = session.connector
        assert connector is not None
        holder = asyncio.ensure_future(_get(session, late_server.url / "late/holder"))
        await eventually(lambda: connector.stats().total.in_use == 1)
        waiter = _get(session, late_server.url / "ok/waiter")
        await cancel_when(waiter, lambda: connector.stats().total.waiting == 1)
        assert await holder == b"holder"
        await follow_up(session, late_server)


async def test_cancel_while_waiting_for_the_head(late_server: LateServer, parser: None) -> None:
    async with ClientSession() as session:
        async with session.get(late_server.url / "ok/warm") as resp:
            await resp.read()
        # The cancelled request reuses the warm connection; its answer comes late.
        stale = _get(session, late_server.url / "late/stale")
        await cancel_when(stale, lambda: "/late/stale" in late_server.paths)
        await follow_up(session, late_server)


async def test_cancel_while_reading_the_body(late_server: LateServer, parser: None) -> None:
    head_returned = asyncio.Event()

    async def on_request_end(*args: Any) -> None:
        head_returned.set()  # the session returns the response: the body is next

    config = TraceConfig()
    config.on_request_end.append(on_request_end)
    async with ClientSession(trace_configs=[config]) as session:
        await cancel_when(_get(session, late_server.url / "partial"), head_returned)
        await follow_up(session, late_server)


async def test_cancel_while_the_server_never_answers(late_server: LateServer, parser: None) -> None:
    async with ClientSession() as session:
        hang = _get(session, late_server.url / "hang")
        await cancel_when(hang, lambda: "/hang" in late_server.paths)
        await follow_up(session, late_server)


async def test_cancel_while_writing_a_streamed_body(late_server: LateServer, parser: None) -> None:
    first_piece_written = asyncio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield b"first piece"
        first_piece_written.set()  # asked for the next piece: the first one went out
        await asyncio.Event().wait()
        yield b"never"

    async with ClientSession() as session:

        async def post() -> bytes:
            async with session.post(late_server.url / "ok/posted", data=body()) as resp:
                return await resp.read()

        await cancel_when(post(), first_piece_written)
        await follow_up(session, late_server)


async def test_cancel_while_waiting_for_100_continue(late_server: LateServer, parser: None) -> None:
    async with ClientSession() as session:

        async def post() -> bytes:
            async with session.post(
                late_server.url / "ok/continued", data=b"body", expect100=True
            ) as resp:
                return await resp.read()

        # The server never says 100: once it has the head, the client waits for it.
        await cancel_when(post(), lambda: "/ok/continued" in late_server.paths)
        await follow_up(session, late_server)


async def test_cancel_while_connecting_over_tls(late_server: LateServer) -> None:
    # A TCP server that never speaks TLS: the client waits in the handshake.
    accepted: list[asyncio.StreamWriter] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)
        await reader.read()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with ClientSession() as session:
            # Accepted, the TCP connection waits for a handshake the server never does.
            await cancel_when(_get(session, URL(f"https://127.0.0.1:{port}/")), lambda: accepted)
            await follow_up(session, late_server)
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_cancel_while_opening_the_socket(late_server: LateServer) -> None:
    class SlowConnector(TCPConnector):
        async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
            await asyncio.sleep(10)
            raise AssertionError("unreachable")

    connector = SlowConnector()
    async with ClientSession(connector=connector) as session:
        never = _get(session, late_server.url / "ok/never")
        await cancel_when(never, lambda: connector.stats().total.opening == 1)
        assert_pool_idle(session)


async def test_timeouts_cancel_as_cleanly(late_server: LateServer, parser: None) -> None:
    async with ClientSession(timeout=ClientTimeout(total=0.1)) as session:
        for path in ("late/a", "hang", "partial"):
            with pytest.raises(asyncio.TimeoutError):
                await _get(session, late_server.url / path)
        await follow_up(session, late_server)


# --- the transparent retry -------------------------------------------------------------


async def _one_answer_per_connection(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Answer the first request of a connection, close on the second unanswered."""
    try:
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await read_request(reader)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def test_stale_keep_alive_is_retried_once() -> None:
    server = await asyncio.start_server(_one_answer_per_connection, "127.0.0.1", 0)
    url = URL(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/")
    try:
        async with ClientSession() as session:
            assert await _get(session, url) == b"ok"
            # The pooled connection is closed unanswered: sent again on a new one.
            assert await _get(session, url) == b"ok"
    finally:
        server.close()
        await server.wait_closed()


async def test_retry_uses_a_new_connection() -> None:
    server = await asyncio.start_server(_one_answer_per_connection, "127.0.0.1", 0)
    url = URL(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/")
    try:
        async with ClientSession() as session:
            # Two connections in the pool, each of which the server will close unanswered.
            assert await asyncio.gather(_get(session, url), _get(session, url)) == [b"ok", b"ok"]
            assert session.connector is not None
            assert session.connector.stats().total.idle == 2
            assert await _get(session, url) == b"ok"
    finally:
        server.close()
        await server.wait_closed()
