"""Request smuggling through the caller's framing headers, against a real server.

A Content-Length that is not the body's length, or a Transfer-Encoding the
client does not apply, makes the server cut the byte stream somewhere else
than the client did: the rest of the body is read as a second request.

* A body of known size (bytes, str, form, JSON, file, multipart) with a
  Content-Length of another size is refused before a connection is even
  taken: the server sees no connection at all.
* A streamed body that gives more or fewer bytes than its Content-Length
  is stopped: no byte past the declared length reaches the server, the
  connection is closed, and the next request goes on a new one.
* A Transfer-Encoding other than ``chunked``, beside a Content-Length, or
  without a body is refused before a connection is taken.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from yarl import URL

from lamella import ClientSession, ClientTimeout, FormData, RequestFramingError

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def complete_request(buf: bytearray) -> int:
    """The length of the first complete Content-Length-framed request in ``buf``, or 0."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return 0
    length = 0
    for line in bytes(buf[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    total = end + 4 + length
    return total if len(buf) >= total else 0


class ByteRecorder:
    """Keeps every byte each connection carried; answers each complete request with 200."""

    def __init__(self) -> None:
        self.received: list[bytearray] = []
        self.answered = 0
        self.closed = asyncio.Event()
        self.url = URL("http://127.0.0.1/")
        self._server: asyncio.Server | None = None

    async def start(self) -> ByteRecorder:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = URL(f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}/")
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen = bytearray()
        self.received.append(seen)
        pending = bytearray()
        try:
            while data := await reader.read(65536):
                seen += data
                pending += data
                while size := complete_request(pending):
                    del pending[:size]
                    self.answered += 1
                    writer.write(OK)
        except ConnectionError:
            pass
        finally:
            writer.close()
            self.closed.set()


@pytest.fixture
async def recorder() -> AsyncIterator[ByteRecorder]:
    server = await ByteRecorder().start()
    yield server
    await server.close()


PAYLOAD = b"x" * 27 + b"GET /"  # 32 bytes: the tail would read as a second request


def _form() -> FormData:
    form = FormData()
    form.add_field("a", PAYLOAD.decode())
    return form


def _multipart() -> FormData:
    form = FormData()
    form.add_field("file", PAYLOAD, filename="a.bin")
    return form


KNOWN_SIZE: dict[str, Callable[[Path], dict[str, Any]]] = {
    "bytes": lambda _: {"data": PAYLOAD},
    "str": lambda _: {"data": PAYLOAD.decode()},
    "form": lambda _: {"data": {"a": PAYLOAD.decode()}},
    "form-data": lambda _: {"data": _form()},
    "json": lambda _: {"json": {"a": PAYLOAD.decode()}},
    "multipart": lambda _: {"data": _multipart()},
    "file": lambda tmp: {"data": _file(tmp)},
}


def _file(tmp: Path) -> Any:
    path = tmp / "body.bin"
    path.write_bytes(PAYLOAD)
    return path.open("rb")  # the session closes files given as data


@pytest.mark.parametrize("kind", sorted(KNOWN_SIZE))
@pytest.mark.parametrize("length", ["5", "1000"])
async def test_a_wrong_content_length_is_refused_before_a_connection(
    recorder: ByteRecorder, tmp_path: Path, kind: str, length: str
) -> None:
    kwargs = KNOWN_SIZE[kind](tmp_path)
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        with pytest.raises(RequestFramingError, match="Content-Length"):
            await session.post(recorder.url, headers={"Content-Length": length}, **kwargs)
    assert recorder.received == []


@pytest.mark.parametrize("length", ["-1", "0x5", "5, 5", "+5", "\u0665"])
async def test_a_content_length_that_is_not_one_number_is_refused(
    recorder: ByteRecorder, length: str
) -> None:
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        with pytest.raises(RequestFramingError):
            await session.post(recorder.url, data=b"12345", headers={"Content-Length": length})
    assert recorder.received == []


async def test_a_content_length_without_a_body_is_refused(recorder: ByteRecorder) -> None:
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        with pytest.raises(RequestFramingError, match="0 bytes"):
            await session.get(recorder.url, headers={"Content-Length": "5"})
        async with session.post(recorder.url, headers={"Content-Length": "0"}) as resp:
            assert await resp.read() == b"ok"
    assert len(recorder.received) == 1


async def test_a_matching_content_length_is_sent(recorder: ByteRecorder) -> None:
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        headers = {"Content-Length": str(len(PAYLOAD))}
        async with session.post(recorder.url, data=PAYLOAD, headers=headers) as resp:
            assert await resp.read() == b"ok"
    assert recorder.received[0].endswith(b"\r\n\r\n" + PAYLOAD)
    assert recorder.answered == 1


@pytest.mark.parametrize(
    ("pieces", "declared"),
    [
        ([b"12345", b"6789"], 5),  # longer: the second piece would cross the length
        ([b"123", b"456789"], 5),  # longer inside a piece
        ([b"12", b"3"], 5),  # shorter
    ],
)
async def test_a_stream_that_breaks_its_length_is_stopped_and_its_connection_closed(
    recorder: ByteRecorder, pieces: list[bytes], declared: int
) -> None:
    async def stream() -> AsyncIterator[bytes]:
        for piece in pieces:
            yield piece

    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        with pytest.raises(RequestFramingError, match="Content-Length"):
            await session.post(
                recorder.url, data=stream(), headers={"Content-Length": str(declared)}
            )
        await recorder.closed.wait()  # the connection was closed, not pooled
        async with session.post(recorder.url, data=b"next") as resp:
            assert await resp.read() == b"ok"
    first, second = recorder.received
    body = first[first.index(b"\r\n\r\n") + 4 :]
    assert len(body) <= declared
    assert second.endswith(b"\r\n\r\nnext")


@pytest.mark.parametrize(
    ("headers", "data", "message"),
    [
        ({"Transfer-Encoding": "chunked", "Content-Length": "5"}, b"12345", "both"),
        ({"Transfer-Encoding": "gzip"}, b"12345", "only be chunked"),
        ({"Transfer-Encoding": "gzip, chunked"}, b"12345", "only be chunked"),
        ({"Transfer-Encoding": "chunked, chunked"}, b"12345", "only be chunked"),
        ({"Transfer-Encoding": "chunked"}, None, "needs a body"),
    ],
)
async def test_a_transfer_encoding_lamella_would_not_honour_is_refused(
    recorder: ByteRecorder, headers: dict[str, str], data: bytes | None, message: str
) -> None:
    async with ClientSession(timeout=ClientTimeout(total=30)) as session:
        with pytest.raises(RequestFramingError, match=message):
            await session.post(recorder.url, data=data, headers=headers)
    assert recorder.received == []
