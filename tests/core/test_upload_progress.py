"""Early responses, the sock_read timer during uploads, and upload progress.

The servers are raw asyncio servers on loopback that answer at a chosen
moment: before reading the body, while reading it, or after. Bodies are
async generators gated on events the test sets, so "the response came
before the body was sent" is a fact of the exchange, not of timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import pytest
from yarl import URL

import lamella
from lamella_core import (
    ClientSession,
    ClientTimeout,
    SocketTimeoutError,
    UploadAbortedError,
    UploadTracker,
)

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Test = TypeVar("Test", bound=Callable[..., Awaitable[None]])


def bounded(test: Test) -> Test:
    """Fail a test that deadlocks (the regression these tests guard against) instead of hanging."""

    @functools.wraps(test)
    async def run(*args: object, **kwargs: object) -> None:
        async with asyncio.timeout(60):
            await test(*args, **kwargs)

    return run  # type: ignore[return-value]


PIECE = b"x" * 65536


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[URL]]]:
    """Start asyncio servers running ``handler`` for each connection."""
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []

    async def start(handler: Handler) -> URL:
        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            with contextlib.suppress(ConnectionError):
                await handler(reader, writer)

        server = await asyncio.start_server(run, "127.0.0.1", 0)
        servers.append(server)
        return URL(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/")

    yield start
    for writer in writers:
        writer.close()
    for server in servers:
        server.close()
        await server.wait_closed()


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        body += (await reader.readexactly(size + 2))[:-2]
        if size == 0:
            return bytes(body)


class GatedBody:
    """An async iterable body: ``before`` pieces, then it waits for ``gate``."""

    def __init__(self, before: int, after: int = 0) -> None:
        self.before, self.after = before, after
        self.gate = asyncio.Event()
        self.stopped_event = asyncio.Event()
        self.stopped = False
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            for _ in range(self.before):
                self.sent += 1
                yield PIECE
            await self.gate.wait()
            for _ in range(self.after):
                self.sent += 1
                yield PIECE
        except (GeneratorExit, asyncio.CancelledError):
            self.stopped = True
            self.stopped_event.set()
            raise


# --- the server answers before reading the body --------------------------------------------


@pytest.mark.parametrize("status", [413, 401])
@bounded
async def test_an_answer_before_the_body_is_returned_at_once(serve, status: int) -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")  # the head only; the body is never read
        writer.write(f"HTTP/1.1 {status} Nope\r\nContent-Length: 4\r\n\r\nnope".encode())
        await writer.drain()
        await reader.read()  # hold the connection open

    url = await serve(refuse)
    body = GatedBody(before=1)  # never finishes: the gate is never opened
    async with ClientSession() as session:
        resp = await session.post(url, data=body)
        assert resp.status == status
        assert not body.stopped  # the upload is still going on
        assert await resp.read() == b"nope"
        await body.stopped_event.wait()  # the body has ended: the upload is stopped
        assert resp.connection is None


@bounded
async def test_an_early_redirect_sends_the_file_again_to_the_target(serve, tmp_path) -> None:
    content = bytes(range(256)) * 8192  # 2 MiB: more than the socket buffers take
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    received: list[bytes] = []

    async def target(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
        received.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()

    target_url = await serve(target)

    async def redirect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(
            f"HTTP/1.1 307 Elsewhere\r\nLocation: {target_url}\r\nContent-Length: 0\r\n\r\n".encode()
        )
        await writer.drain()
        await reader.read()

    url = await serve(redirect)
    async with ClientSession() as session:
        with path.open("rb") as f:
            async with session.post(url, data=f) as resp:
                assert resp.status == 200
                assert await resp.text() == "ok"
                assert [r.status for r in resp.history] == [307]
    assert received == [content]


@bounded
async def test_the_upload_goes_on_while_the_response_is_read(serve) -> None:
    async def digest(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        await writer.drain()
        body = await _read_chunked(reader)  # read while the client reads the head
        answer = f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()
        writer.write(b"%x\r\n%b\r\n0\r\n\r\n" % (len(answer), answer))
        await writer.drain()

    url = await serve(digest)
    body = GatedBody(before=2, after=3)
    tracker = UploadTracker()
    async with ClientSession() as session:
        async with session.post(url, data=body, upload_tracker=tracker) as resp:
            assert resp.status == 200
            assert body.sent == 2  # the head came back with the body half sent
            assert not tracker.upload_complete.done()
            body.gate.set()
            size, sha = (await resp.text()).split()
        await tracker.upload_complete
    assert int(size) == 5 * len(PIECE)
    assert sha == hashlib.sha256(PIECE * 5).hexdigest()
    assert tracker.bytes_written == 5 * len(PIECE)
    assert tracker.attempts == 1


@bounded
async def test_output_size_and_upload_complete_follow_the_upload(serve) -> None:
    async def early(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        await writer.drain()
        await _read_chunked(reader)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    url = await serve(early)
    body = GatedBody(before=1, after=1)
    async with ClientSession() as session:
        async with session.post(url, data=body) as resp:
            with pytest.warns(DeprecationWarning, match="UploadTracker"):
                complete = resp.upload_complete
            assert not complete.done()
            with pytest.warns(DeprecationWarning, match="deprecated"):
                halfway = resp.output_size
            assert halfway > len(PIECE)  # the head and the first piece
            body.gate.set()
            await complete
            with pytest.warns(DeprecationWarning, match="deprecated"):
                assert resp.output_size == halfway + len(PIECE) + len(b"10000\r\n\r\n0\r\n\r\n")
            await resp.read()


@bounded
async def test_upload_complete_is_done_for_a_body_sent_before_the_answer(http_server) -> None:
    async with ClientSession() as session:
        async with session.post(http_server / "echo", data=b"abc") as resp:
            with pytest.warns(DeprecationWarning, match="deprecated"):
                assert resp.upload_complete.done()
            with pytest.warns(DeprecationWarning, match="deprecated"):
                size = resp.output_size
            head = (await resp.json())["headers"]
            assert size > 3 + sum(len(k) + len(v) for k, v in head)


# --- the sock_read timer -------------------------------------------------------------------


@bounded
async def test_a_slow_upload_does_not_trip_sock_read(serve) -> None:
    async def after_the_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        body = await _read_chunked(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(str(len(body))))
        writer.write(str(len(body)).encode())
        await writer.drain()

    async def slow() -> AsyncIterator[bytes]:
        for _ in range(3):
            yield b"slow"
            await asyncio.sleep(0.3)  # the upload is slow: the subject of the test

    url = await serve(after_the_body)
    async with ClientSession(timeout=ClientTimeout(sock_read=0.1)) as session:
        async with session.post(url, data=slow()) as resp:
            assert await resp.text() == "12"


@bounded
async def test_sock_read_runs_once_the_body_is_sent(serve) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await _read_chunked(reader)
        await reader.read()  # never answers

    url = await serve(silent)
    body = GatedBody(before=1, after=1)
    body.gate.set()
    async with ClientSession(timeout=ClientTimeout(sock_read=0.2)) as session:
        with pytest.raises(SocketTimeoutError):
            await session.post(url, data=body)


# --- UploadTracker -------------------------------------------------------------------------


@bounded
async def test_the_tracker_counts_attempts_over_a_redirect(http_server) -> None:
    tracker = UploadTracker()
    async with ClientSession() as session:
        url = (http_server / "redirect/1").with_query(code="307")
        async with session.post(url, data=b"payload", upload_tracker=tracker) as resp:
            assert (await resp.json())["body"] == "payload"
    await tracker.upload_complete
    assert tracker.attempts == 2
    assert tracker.bytes_written == len(b"payload")


@bounded
async def test_the_tracker_fails_when_the_upload_is_cut_short(serve) -> None:
    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        await reader.read()

    url = await serve(refuse)
    tracker = UploadTracker()
    async with ClientSession() as session:
        async with session.post(url, data=GatedBody(before=1), upload_tracker=tracker) as resp:
            assert resp.status == 413
    with pytest.raises(UploadAbortedError):
        await tracker.upload_complete
    assert tracker.bytes_written >= 0


@bounded
async def test_a_tracker_follows_one_request(http_server) -> None:
    tracker = UploadTracker()
    async with ClientSession() as session:
        async with session.get(http_server / "hello", upload_tracker=tracker):
            pass
        assert tracker.upload_complete.done()
        assert tracker.upload_complete.exception() is None
        with pytest.raises(RuntimeError, match="already bound"):
            await session.get(http_server / "hello", upload_tracker=tracker)


@pytest.mark.parametrize(
    "refused",
    [
        {"data": b"x", "json": {"a": 1}},
        {"json": {"a": object()}},
        {"url": "ftp://127.0.0.1/"},
        {"proxy": "http://[invalid"},
        {"closed": True},
    ],
    ids=["data-and-json", "unserializable-json", "ftp", "bad-proxy", "closed-session"],
)
@bounded
async def test_a_request_refused_before_it_is_sent_settles_the_tracker(
    http_server, refused: dict[str, object]
) -> None:
    tracker = UploadTracker()
    kwargs = dict(refused)
    url = kwargs.pop("url", http_server / "echo")
    session = ClientSession()
    if kwargs.pop("closed", False):
        await session.close()
    try:
        with pytest.raises((TypeError, ValueError, RuntimeError, lamella.ClientError)):
            await session.post(url, upload_tracker=tracker, **kwargs)  # type: ignore[arg-type]
    finally:
        await session.close()
    # As in aiohttp: the future does not stay pending for a request that never started.
    assert tracker.attempts == 0
    assert isinstance(tracker.upload_complete.exception(), UploadAbortedError)


@bounded
async def test_a_failing_body_iterator_raises_a_connection_error(serve) -> None:
    async def read_all(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up on the body

    async def failing() -> AsyncIterator[bytes]:
        yield PIECE
        raise ValueError("boom")

    url = await serve(read_all)
    tracker = UploadTracker()
    async with ClientSession() as session:
        with pytest.raises(lamella.ClientConnectionError) as info:
            await session.post(url, data=failing(), upload_tracker=tracker)
    # aiohttp's error for a body that failed, caused by what the body raised.
    assert isinstance(info.value.__cause__, ValueError)
    assert tracker.attempts == 1
    assert tracker.upload_complete.exception() is info.value


@bounded
async def test_progress_is_what_the_kernel_took(serve) -> None:
    release = asyncio.Event()

    async def slow_reader(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await release.wait()  # read nothing until the test has looked
        body = await _read_chunked(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(str(len(body))))
        writer.write(str(len(body)).encode())
        await writer.drain()

    url = await serve(slow_reader)
    pieces = 400  # 25 MiB: far more than the socket buffers hold
    tracker = UploadTracker()
    body = GatedBody(before=pieces)

    async def post() -> str:
        async with ClientSession() as session:
            async with session.post(url, data=body, upload_tracker=tracker) as resp:
                return await resp.text()

    request = asyncio.ensure_future(post())
    # Back-pressure is the transport's state, which no event announces: poll it.
    while body.sent < pieces and not _blocked(tracker):  # noqa: ASYNC110
        await asyncio.sleep(0)
    stalled = tracker.bytes_written
    assert 0 < stalled < pieces * len(PIECE)  # the server reads nothing: back-pressure
    release.set()
    body.gate.set()
    assert await request == str(pieces * len(PIECE))
    assert tracker.bytes_written == pieces * len(PIECE)


def _blocked(tracker: UploadTracker) -> bool:
    """The upload is waiting for the server: the transport buffer is over its high-water mark."""
    protocol = tracker._protocol
    return protocol is not None and protocol.writing_paused


def test_lamella_exports_the_upload_names() -> None:
    assert lamella.UploadTracker is UploadTracker
    assert lamella.UploadAbortedError is UploadAbortedError
    assert issubclass(UploadAbortedError, lamella.ClientError)
