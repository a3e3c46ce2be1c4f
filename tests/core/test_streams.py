"""Tests for ``lamella_core._content.streams``: reading, flow control and chunk boundaries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lamella_core as lamella
from lamella_core._content.empty_stream import EMPTY_PAYLOAD, EmptyStreamReader
from lamella_core._content.streams import StreamReader


class Controller:
    """Records the flow-control calls a stream makes."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def pause_reading(self) -> None:
        self.calls.append("pause")

    def resume_reading(self) -> None:
        self.calls.append("resume")


def make_stream(limit: int = 2**16) -> tuple[StreamReader, Controller]:
    controller = Controller()
    return StreamReader(controller, limit, loop=asyncio.get_running_loop()), controller


def filled(*pieces: bytes, eof: bool = True, limit: int = 2**16) -> StreamReader:
    stream, _ = make_stream(limit)
    for piece in pieces:
        stream.feed_data(piece)
    if eof:
        stream.feed_eof()
    return stream


_T = TypeVar("_T")


async def collect(iterable: AsyncIterable[_T]) -> list[_T]:
    return [item async for item in iterable]


# --- read ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_read_all_of_a_complete_body_returns_the_fed_object() -> None:
    body = b"Hello, world!"
    stream = filled(body)
    assert await stream.read() is body
    assert await stream.read() == b""
    assert stream.at_eof()


@pytest.mark.asyncio
async def test_read_all_joins_pieces() -> None:
    stream = filled(b"ab", b"cd", b"ef")
    assert await stream.read() == b"abcdef"


@pytest.mark.asyncio
async def test_read_all_waits_for_eof() -> None:
    stream, _ = make_stream()
    task = asyncio.create_task(stream.read())
    await asyncio.sleep(0)
    stream.feed_data(b"one ")
    await asyncio.sleep(0)
    stream.feed_data(b"two")
    await asyncio.sleep(0)
    assert not task.done()
    stream.feed_eof()
    assert await task == b"one two"


@pytest.mark.asyncio
async def test_read_n_returns_at_most_n_and_whatever_is_there() -> None:
    stream = filled(b"abc", b"defgh", eof=False)
    assert await stream.read(2) == b"ab"
    assert await stream.read(4) == b"cdef"
    assert await stream.read(10) == b"gh"
    assert await stream.read(0) == b""


@pytest.mark.asyncio
async def test_read_n_waits_for_data() -> None:
    stream, _ = make_stream()
    task = asyncio.create_task(stream.read(5))
    await asyncio.sleep(0)
    assert not task.done()
    stream.feed_data(b"xy")
    assert await task == b"xy"


@pytest.mark.asyncio
async def test_read_at_eof_returns_empty() -> None:
    stream = filled()
    assert await stream.read() == b""
    assert await stream.read(3) == b""
    assert await stream.readany() == b""
    assert await stream.readline() == b""


@pytest.mark.asyncio
async def test_readany_returns_everything_buffered() -> None:
    stream = filled(b"a", b"b", eof=False)
    assert await stream.readany() == b"ab"
    stream.feed_data(b"c")
    stream.feed_eof()
    assert await stream.readany() == b"c"
    assert await stream.readany() == b""


@pytest.mark.asyncio
async def test_read_nowait() -> None:
    stream = filled(b"abc", b"de", eof=False)
    assert stream.read_nowait(1) == b"a"
    assert stream.read_nowait() == b"bcde"
    assert stream.read_nowait() == b""


@pytest.mark.asyncio
async def test_read_nowait_refuses_while_a_reader_waits() -> None:
    stream, _ = make_stream()
    task = asyncio.create_task(stream.read())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="waiting"):
        stream.read_nowait()
    stream.feed_eof()
    assert await task == b""


@pytest.mark.asyncio
async def test_second_concurrent_reader_is_refused() -> None:
    stream, _ = make_stream()
    first = asyncio.create_task(stream.readany())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="already waiting"):
        await stream.readany()
    stream.feed_data(b"x")
    assert await first == b"x"


@pytest.mark.asyncio
async def test_cancelled_reader_frees_the_stream() -> None:
    stream, _ = make_stream()
    task = asyncio.create_task(stream.read(1))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stream.feed_data(b"z")
    assert await stream.read(1) == b"z"


# --- readexactly ----------------------------------------------------------


@pytest.mark.asyncio
async def test_readexactly_spans_pieces() -> None:
    stream = filled(b"ab", b"cde", b"f")
    assert await stream.readexactly(4) == b"abcd"
    assert await stream.readexactly(2) == b"ef"
    assert await stream.readexactly(0) == b""


@pytest.mark.asyncio
async def test_readexactly_waits_for_more() -> None:
    stream, _ = make_stream()
    task = asyncio.create_task(stream.readexactly(3))
    await asyncio.sleep(0)
    stream.feed_data(b"a")
    await asyncio.sleep(0)
    stream.feed_data(b"bcd")
    assert await task == b"abc"
    assert stream.read_nowait() == b"d"


@pytest.mark.asyncio
async def test_readexactly_incomplete() -> None:
    stream = filled(b"ab", b"c")
    with pytest.raises(asyncio.IncompleteReadError) as info:
        await stream.readexactly(5)
    assert info.value.partial == b"abc"
    assert info.value.expected == 5


# --- lines and separators ---------------------------------------------------


@pytest.mark.asyncio
async def test_readline_across_pieces() -> None:
    stream = filled(b"li", b"ne1\nline", b"2\n", b"tail")
    assert await stream.readline() == b"line1\n"
    assert await stream.readline() == b"line2\n"
    assert await stream.readline() == b"tail"
    assert await stream.readline() == b""


@pytest.mark.asyncio
async def test_readline_waits_for_newline() -> None:
    stream, _ = make_stream()
    task = asyncio.create_task(stream.readline())
    stream.feed_data(b"abc")
    await asyncio.sleep(0)
    assert not task.done()
    stream.feed_data(b"d\nrest")
    assert await task == b"abcd\n"


@pytest.mark.asyncio
async def test_readline_too_long() -> None:
    stream = filled(b"x" * 10, b"y" * 10 + b"\n", limit=4)
    with pytest.raises(ValueError, match="Line is too long"):
        await stream.readline()


@pytest.mark.asyncio
async def test_readline_explicit_max_line_length() -> None:
    stream = filled(b"abcdef\n")
    with pytest.raises(ValueError, match="Line is too long"):
        await stream.readline(max_line_length=3)


@pytest.mark.asyncio
async def test_readuntil_multibyte_separator_straddling_pieces() -> None:
    stream = filled(b"head\r", b"\nbody\r\n", b"x\r", b"\r", b"\ny")
    assert await stream.readuntil(b"\r\n") == b"head\r\n"
    assert await stream.readuntil(b"\r\n") == b"body\r\n"
    assert await stream.readuntil(b"\r\n") == b"x\r\r\n"
    assert await stream.readuntil(b"\r\n") == b"y"


@pytest.mark.asyncio
async def test_readuntil_separator_split_over_three_pieces() -> None:
    stream = filled(b"a-", b"-", b"-b")
    assert await stream.readuntil(b"---") == b"a---"
    assert await stream.read() == b"b"


@pytest.mark.asyncio
async def test_readuntil_rejects_empty_separator() -> None:
    stream = filled(b"a")
    with pytest.raises(ValueError, match="Separator"):
        await stream.readuntil(b"")


@pytest.mark.asyncio
async def test_readuntil_too_big() -> None:
    stream = filled(b"abcdefgh|")
    with pytest.raises(ValueError, match="Chunk too big"):
        await stream.readuntil(b"|", max_size=4)


@pytest.mark.asyncio
async def test_async_for_iterates_lines() -> None:
    stream = filled(b"a\nb", b"\nc")
    assert await collect(stream) == [b"a\n", b"b\n", b"c"]


# --- iterators --------------------------------------------------------------


@pytest.mark.asyncio
async def test_iter_chunked() -> None:
    stream = filled(b"abcde", b"fg")
    assert await collect(stream.iter_chunked(3)) == [b"abc", b"def", b"g"]


@pytest.mark.asyncio
async def test_iter_any() -> None:
    stream, _ = make_stream()

    async def produce() -> None:
        for piece in (b"1", b"22", b"333"):
            stream.feed_data(piece)
            await asyncio.sleep(0)
        stream.feed_eof()

    producer = asyncio.create_task(produce())
    chunks = await collect(stream.iter_any())
    await producer
    assert b"".join(chunks) == b"122333"


@pytest.mark.asyncio
async def test_iter_chunked_large_body_is_linear() -> None:
    # A coarse guard against quadratic slicing: 32 MiB in 256 KiB pieces.
    stream, _ = make_stream()
    piece = b"y" * (256 * 1024)

    async def produce() -> None:
        for _ in range(128):
            stream.feed_data(piece)
            await asyncio.sleep(0)
        stream.feed_eof()

    producer = asyncio.create_task(produce())
    total = 0
    async for chunk in stream.iter_chunked(65536):
        assert len(chunk) <= 65536
        total += len(chunk)
    await producer
    assert total == 128 * len(piece)


# --- http chunks ----------------------------------------------------------


@pytest.mark.asyncio
async def test_readchunk_reports_http_chunk_boundaries() -> None:
    stream, _ = make_stream()
    stream.begin_http_chunk_receiving()
    stream.feed_data(b"abc")
    stream.end_http_chunk_receiving()
    stream.feed_data(b"de")
    stream.feed_data(b"f")
    stream.end_http_chunk_receiving()
    stream.feed_data(b"partial")
    stream.feed_eof()
    assert await stream.readchunk() == (b"abc", True)
    assert await stream.readchunk() == (b"def", True)
    assert await stream.readchunk() == (b"partial", False)
    assert await stream.readchunk() == (b"", False)


@pytest.mark.asyncio
async def test_readchunk_without_chunking() -> None:
    stream = filled(b"ab", b"cd")
    assert await collect(stream.iter_chunks()) == [(b"ab", False), (b"cd", False)]


@pytest.mark.asyncio
async def test_readchunk_reports_boundary_after_data_was_read() -> None:
    stream, _ = make_stream()
    stream.begin_http_chunk_receiving()
    stream.feed_data(b"abc")
    assert await stream.readany() == b"abc"
    stream.end_http_chunk_receiving()
    assert await stream.readchunk() == (b"", True)


@pytest.mark.asyncio
async def test_readchunk_wakes_on_chunk_end() -> None:
    stream, _ = make_stream()
    stream.begin_http_chunk_receiving()
    task = asyncio.create_task(stream.readchunk())
    await asyncio.sleep(0)
    stream.feed_data(b"abc")
    assert await task == (b"abc", False)


@pytest.mark.asyncio
async def test_empty_http_chunk_adds_no_boundary() -> None:
    stream, _ = make_stream()
    stream.begin_http_chunk_receiving()
    stream.end_http_chunk_receiving()
    stream.feed_data(b"x")
    stream.end_http_chunk_receiving()
    stream.end_http_chunk_receiving()
    stream.feed_eof()
    assert await collect(stream.iter_chunks()) == [(b"x", True)]


@pytest.mark.asyncio
async def test_chunk_tracking_misuse() -> None:
    stream, _ = make_stream()
    with pytest.raises(RuntimeError):
        stream.end_http_chunk_receiving()
    stream.feed_data(b"x")
    with pytest.raises(RuntimeError):
        stream.begin_http_chunk_receiving()


# --- flow control -----------------------------------------------------------


@pytest.mark.asyncio
async def test_pause_once_past_high_water_and_resume_once_below_low() -> None:
    stream, controller = make_stream(limit=10)
    stream.feed_data(b"x" * 15)
    stream.feed_data(b"x" * 5)
    assert controller.calls == []  # 20 bytes is not above 2 * limit
    stream.feed_data(b"x")
    stream.feed_data(b"x" * 10)
    assert controller.calls == ["pause"]
    await stream.read(15)
    assert controller.calls == ["pause"]  # 16 left, still above limit
    await stream.read(7)
    assert controller.calls == ["pause", "resume"]
    await stream.read(5)
    assert controller.calls == ["pause", "resume"]


@pytest.mark.asyncio
async def test_read_all_drains_while_paused() -> None:
    stream, controller = make_stream(limit=4)
    task = asyncio.create_task(stream.read())
    for _ in range(10):
        stream.feed_data(b"abcdefghij")
        await asyncio.sleep(0)
    stream.feed_eof()
    assert await task == b"abcdefghij" * 10
    assert controller.calls.count("pause") == controller.calls.count("resume")


@pytest.mark.asyncio
async def test_feed_eof_resumes_a_paused_producer() -> None:
    stream, controller = make_stream(limit=1)
    stream.feed_data(b"abc")
    stream.feed_eof()
    assert controller.calls == ["pause", "resume"]
    assert await stream.read() == b"abc"
    assert controller.calls == ["pause", "resume"]


# --- eof and errors -----------------------------------------------------------


@pytest.mark.asyncio
async def test_eof_state_and_callbacks() -> None:
    stream, _ = make_stream()
    seen: list[str] = []
    stream.on_eof(lambda: seen.append("early"))
    stream.feed_data(b"a")
    assert not stream.is_eof()
    stream.feed_eof()
    assert seen == ["early"]
    assert stream.is_eof()
    assert not stream.at_eof()
    stream.on_eof(lambda: seen.append("late"))
    assert seen == ["early", "late"]
    await stream.read()
    assert stream.at_eof()


@pytest.mark.asyncio
async def test_failing_eof_callback_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    stream, _ = make_stream()
    seen: list[int] = []

    def boom() -> None:
        raise RuntimeError("boom")

    stream.on_eof(boom)
    stream.on_eof(lambda: seen.append(1))
    stream.feed_eof()
    assert seen == [1]
    assert "EOF callback" in caplog.text


@pytest.mark.asyncio
async def test_wait_eof() -> None:
    stream, _ = make_stream()
    task = asyncio.create_task(stream.wait_eof())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError):
        await stream.wait_eof()
    stream.feed_data(b"abc")
    await asyncio.sleep(0)
    assert not task.done()
    stream.feed_eof()
    await task
    assert await stream.read() == b"abc"


@pytest.mark.asyncio
async def test_feed_after_eof_is_refused() -> None:
    stream = filled(b"a")
    with pytest.raises(RuntimeError):
        stream.feed_data(b"b")


@pytest.mark.asyncio
async def test_set_exception_wakes_reader_and_sticks() -> None:
    stream, _ = make_stream()
    task = asyncio.create_task(stream.read())
    await asyncio.sleep(0)
    error = ConnectionResetError("gone")
    cause = OSError("socket")
    stream.set_exception(error, cause)
    with pytest.raises(ConnectionResetError) as info:
        await task
    assert info.value.__cause__ is cause
    assert stream.exception() is error
    for reader in (stream.read(), stream.readany(), stream.readline(), stream.readchunk()):
        with pytest.raises(ConnectionResetError):
            await reader
    with pytest.raises(ConnectionResetError):
        stream.read_nowait()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "read",
    [
        lambda s: s.read(),
        lambda s: s.readexactly(100),
        lambda s: s.readline(),
        lambda s: s.readuntil(b"|"),
        lambda s: collect(s.iter_any()),
        lambda s: collect(s.iter_chunks()),
    ],
    ids=["read", "readexactly", "readline", "readuntil", "iter_any", "iter_chunks"],
)
async def test_error_arriving_with_the_last_data_reaches_a_waiting_reader(
    read: Callable[[StreamReader], Awaitable[object]],
) -> None:
    # The decoder fails on the body's last piece: the producer feeds what it
    # decoded, then breaks the stream, before the woken reader runs.
    stream, _ = make_stream()
    task = asyncio.ensure_future(read(stream))
    await asyncio.sleep(0)  # one step: the reader runs up to its wait
    assert "waiting" in repr(stream)
    stream.feed_data(b"last")
    stream.set_exception(ValueError("bad gzip"))
    with pytest.raises(ValueError, match="bad gzip"):
        await asyncio.wait_for(task, 10)  # a guard against the hang, not a timing check


@pytest.mark.asyncio
async def test_set_exception_wakes_eof_waiter_and_drops_callbacks() -> None:
    stream, _ = make_stream()
    seen: list[int] = []
    stream.on_eof(lambda: seen.append(1))
    task = asyncio.create_task(stream.wait_eof())
    await asyncio.sleep(0)
    stream.set_exception(ValueError("bad"))
    with pytest.raises(ValueError):
        await task
    stream.feed_eof()
    assert seen == []


@pytest.mark.asyncio
async def test_totals() -> None:
    stream = filled(b"abc", b"de")
    assert stream.total_bytes == 5
    assert stream.total_raw_bytes == 5
    stream.total_compressed_bytes = 3
    assert stream.total_raw_bytes == 3
    await stream.read()
    assert stream.total_bytes == 5


@pytest.mark.asyncio
async def test_repr() -> None:
    stream, _ = make_stream(limit=10)
    assert repr(stream) == "<StreamReader 0 bytes low=10 high=20>"
    stream.feed_data(b"x" * 25)
    stream.feed_eof()
    assert repr(stream) == "<StreamReader 25 bytes eof low=10 high=20>"
    stream.set_exception(ValueError("x"))
    assert "e=ValueError('x')" in repr(stream)


def test_limit_must_be_positive() -> None:
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(ValueError):
            StreamReader(Controller(), 0, loop=loop)
    finally:
        loop.close()


# --- the empty stream -------------------------------------------------------


@pytest.mark.asyncio
async def test_empty_payload() -> None:
    assert isinstance(EMPTY_PAYLOAD, EmptyStreamReader)
    assert repr(EMPTY_PAYLOAD) == "<EmptyStreamReader>"
    EMPTY_PAYLOAD.feed_data(b"ignored")
    EMPTY_PAYLOAD.set_exception(ValueError("ignored"))
    EMPTY_PAYLOAD.feed_eof()
    assert EMPTY_PAYLOAD.exception() is None
    assert EMPTY_PAYLOAD.is_eof()
    assert EMPTY_PAYLOAD.at_eof()
    assert await EMPTY_PAYLOAD.read() == b""
    assert await EMPTY_PAYLOAD.read(10) == b""
    assert await EMPTY_PAYLOAD.readany() == b""
    assert await EMPTY_PAYLOAD.readline() == b""
    assert await EMPTY_PAYLOAD.readchunk() == (b"", False)
    assert EMPTY_PAYLOAD.read_nowait() == b""
    await EMPTY_PAYLOAD.wait_eof()
    with pytest.raises(asyncio.IncompleteReadError):
        await EMPTY_PAYLOAD.readexactly(1)
    seen: list[int] = []
    EMPTY_PAYLOAD.on_eof(lambda: seen.append(1))
    assert seen == [1]
    assert await collect(EMPTY_PAYLOAD.iter_any()) == []
    assert EMPTY_PAYLOAD.total_bytes == 0


# --- properties ---------------------------------------------------------------

_pieces = st.lists(st.binary(min_size=1, max_size=40), max_size=12)
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.integers(min_value=1, max_value=50)),
        st.tuples(st.just("readexactly"), st.integers(min_value=1, max_value=30)),
        st.tuples(st.just("readany"), st.just(0)),
        st.tuples(st.just("readline"), st.just(0)),
        st.tuples(st.just("readuntil"), st.just(0)),
        st.tuples(st.just("readchunk"), st.just(0)),
    ),
    max_size=20,
)


@settings(max_examples=200, deadline=None)
@given(pieces=_pieces, ops=_ops, limit=st.integers(min_value=1, max_value=64))
def test_any_sequence_of_reads_returns_the_body_in_order(
    pieces: list[bytes], ops: list[tuple[str, int]], limit: int
) -> None:
    async def scenario() -> bytes:
        stream, controller = make_stream(limit)
        for piece in pieces:
            stream.feed_data(piece)
        stream.feed_eof()
        out = bytearray()
        for name, arg in ops:
            try:
                if name == "read":
                    out += await stream.read(arg)
                elif name == "readexactly":
                    out += await stream.readexactly(arg)
                elif name == "readany":
                    out += await stream.readany()
                elif name == "readline":
                    out += await stream.readline(max_line_length=10_000)
                elif name == "readuntil":
                    out += await stream.readuntil(b"ab", max_size=10_000)
                else:
                    out += (await stream.readchunk())[0]
            except asyncio.IncompleteReadError as exc:
                out += exc.partial
        out += await stream.read()
        assert controller.calls.count("pause") == controller.calls.count("resume")
        return bytes(out)

    assert asyncio.run(scenario()) == b"".join(pieces)


# --- released -------------------------------------------------------------

_READS: list[Callable[[StreamReader], Awaitable[object]]] = [
    lambda s: s.read(),
    lambda s: s.read(3),
    lambda s: s.readany(),
    lambda s: s.readline(),
    lambda s: s.readexactly(2),
    lambda s: s.readchunk(),
    lambda s: s.readuntil(b"\n"),
    lambda s: s.wait_eof(),
]


@pytest.mark.asyncio
@pytest.mark.parametrize("read", _READS)
async def test_a_released_stream_refuses_every_read_with_one_error(
    read: Callable[[StreamReader], Awaitable[object]],
) -> None:
    stream = filled(b"unread\n", eof=False)
    stream._mark_released()
    error = stream.exception()
    assert type(error) is lamella.ClientConnectionError
    assert str(error) == "Connection closed"
    with pytest.raises(lamella.ClientConnectionError, match="Connection closed") as raised:
        await read(stream)
    assert raised.value is error is stream.exception()
    assert "Connection closed" in repr(stream)


@pytest.mark.asyncio
async def test_releasing_wakes_a_waiting_reader_with_the_error() -> None:
    stream, _ = make_stream()
    reader = asyncio.ensure_future(stream.read())
    await asyncio.sleep(0)
    stream._mark_released()
    with pytest.raises(lamella.ClientConnectionError, match="Connection closed"):
        await reader


@pytest.mark.asyncio
async def test_releasing_a_broken_stream_keeps_its_error_and_drops_eof_callbacks() -> None:
    stream, _ = make_stream()
    broken = lamella.ClientPayloadError("cut")
    stream.set_exception(broken)
    stream._mark_released()
    assert stream.exception() is broken
    called: list[bool] = []
    fresh, _ = make_stream()
    fresh.on_eof(lambda: called.append(True))
    fresh._mark_released()
    fresh.feed_eof()
    assert called == []


@pytest.mark.asyncio
async def test_releasing_tells_a_subclass_that_overrides_set_exception() -> None:
    seen: list[BaseException] = []

    class Resetting(StreamReader):
        __slots__ = ()

        def set_exception(self, exc: BaseException, *args: object) -> None:
            seen.append(exc)
            super().set_exception(exc)

    stream = Resetting(Controller(), 2**16, loop=asyncio.get_running_loop())
    stream._mark_released()
    assert [type(exc) for exc in seen] == [lamella.ClientConnectionError]
    assert stream.exception() is seen[0]
