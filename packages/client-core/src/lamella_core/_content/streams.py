"""The response body stream, documented to users as ``ClientResponse.content``.

Theory of operation
-------------------

The connection's asyncio protocol is the only producer: it calls
``feed_data`` for each decoded body piece, ``feed_eof`` when the body ends and
``set_exception`` when it breaks. One consumer coroutine at a time reads.

Received pieces are kept as they arrived in a deque of ``bytes``, with an
offset into the first piece, so a read never copies data it does not return
and a partial read of a big piece costs only the slice handed out. That keeps
long streamed downloads linear, and lets ``read()`` of a small body that is
already complete hand back the one piece it holds without another copy (the
parser made that piece once, copying it out of the receive buffer).

Back-pressure follows aiohttp's water marks: once more than ``2 * limit``
bytes are buffered the protocol is told to ``pause_reading()``, and once reads
bring the buffer under ``limit`` it is told to ``resume_reading()``; each is
called once per crossing, never repeatedly.

With chunked transfer coding the protocol brackets every HTTP chunk with
``begin_http_chunk_receiving``/``end_http_chunk_receiving``; the stream keeps
the logical offsets where chunks end so ``readchunk()`` can report them.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from typing import Final, Protocol

from lamella_core.exceptions import ClientConnectionError

from .stream_iterators import AsyncStreamIterator, ChunkTupleAsyncStreamIterator

__all__ = [
    "AsyncStreamIterator",
    "ChunkTupleAsyncStreamIterator",
    "StreamReader",
]

_log = logging.getLogger("lamella.streams")


class _Sentinel:
    """Marks an argument that was not passed, since None is a valid cause."""

    __slots__ = ()


_NO_CAUSE: Final = _Sentinel()


class _Released(Exception):
    """Stands for the error of a released stream until a reader asks for it (never raised)."""


_RELEASED: Final = _Released()


class _ReadingController(Protocol):
    """What the stream needs from its producer: a way to apply back-pressure."""

    def pause_reading(self) -> None:
        """Stop reading from the socket until told to resume."""

    def resume_reading(self) -> None:
        """Start reading from the socket again."""


class StreamReader:
    """A buffered, flow-controlled byte stream for one response body.

    Supports ``async for line in stream`` as well as ``iter_chunked(n)``,
    ``iter_any()`` and ``iter_chunks()``, like aiohttp's ``StreamReader``.

    Args:
        protocol: The producer; paused and resumed as the buffer fills and drains.
        limit: The low-water mark in bytes (``read_bufsize``); the
            high-water mark is twice that.
        loop: The event loop whose futures wake the reading coroutine.
        pause_above: Never pause the producer while holding fewer bytes
            than this, so that a transport filling a large receive buffer
            is not paused and resumed on every read.
    """

    __slots__ = (
        "_buffer",
        "_chunk_splits",
        "_cursor",
        "_eof",
        "_eof_callbacks",
        "_eof_waiter",
        "_exception",
        "_high_water",
        "_loop",
        "_low_water",
        "_offset",
        "_pause_above",
        "_paused",
        "_protocol",
        "_size",
        "_waiter",
        "raw_trailers",
        "total_bytes",
        "total_compressed_bytes",
    )

    def __init__(
        self,
        protocol: _ReadingController,
        limit: int,
        *,
        loop: asyncio.AbstractEventLoop,
        pause_above: int = 0,
    ) -> None:
        if limit <= 0:
            raise ValueError(f"limit must be positive, got {limit!r}")
        self._protocol = protocol
        self._loop = loop
        self._low_water = limit
        self._high_water = limit * 2
        self._pause_above = max(self._high_water, pause_above)
        self._buffer: collections.deque[bytes] = collections.deque()
        self._offset = 0  # bytes of _buffer[0] already handed out
        self._size = 0  # bytes buffered and not yet read
        self._cursor = 0  # bytes handed out so far
        self._chunk_splits: collections.deque[int] | None = None
        self._eof = False
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._eof_waiter: asyncio.Future[None] | None = None
        self._exception: BaseException | None = None
        self._eof_callbacks: list[Callable[[], None]] | None = None  # made by on_eof
        self.total_bytes = 0
        self.total_compressed_bytes: int | None = None
        #: Trailer fields, set by a protocol that received them (HTTP/2) before EOF.
        self.raw_trailers: tuple[tuple[bytes, bytes], ...] | None = None

    def __repr__(self) -> str:
        info = [type(self).__name__, f"{self._size} bytes"]
        if self._eof:
            info.append("eof")
        if self._paused:
            info.append("paused")
        info.append(f"low={self._low_water} high={self._high_water}")
        if self._waiter is not None:
            info.append("waiting")
        if self._exception is not None:
            info.append(f"e={self._error()!r}")
        return f"<{' '.join(info)}>"

    # ------------------------------------------------------------------
    # Producer side, called by the connection protocol.

    def feed_data(self, data: bytes) -> None:
        """Append a piece of the body and wake the reader.

        Raises:
            RuntimeError: ``feed_eof()`` was already called.
        """
        if self._eof:
            raise RuntimeError("feed_data() called after feed_eof()")
        if not data:
            return
        size = len(data)
        self._size += size
        self.total_bytes += size
        self._buffer.append(data)
        if self._waiter is not None:
            self._wake(self._waiter)
            self._waiter = None
        if self._size > self._pause_above and not self._paused:
            self._paused = True
            self._protocol.pause_reading()

    def feed_eof(self) -> None:
        """Mark the body complete, wake every waiter and run the EOF callbacks."""
        self._eof = True
        if self._waiter is not None:
            self._wake(self._waiter)
            self._waiter = None
        if self._eof_waiter is not None:
            self._wake(self._eof_waiter)
            self._eof_waiter = None
        if self._paused:
            # No more data belongs to this body, so nothing is left to hold back.
            self._paused = False
            self._protocol.resume_reading()
        callbacks = self._eof_callbacks
        if callbacks is not None:
            self._eof_callbacks = None
            for callback in callbacks:
                _run_eof_callback(callback)

    def set_exception(
        self,
        exc: BaseException,
        exc_cause: BaseException | _Sentinel | None = _NO_CAUSE,
    ) -> None:
        """Break the stream: every read from now on raises ``exc``.

        Args:
            exc: The error to raise to readers.
            exc_cause: Stored as ``exc.__cause__`` when given.
        """
        if not isinstance(exc_cause, _Sentinel) and exc_cause is not exc:
            exc.__cause__ = exc_cause
        self._exception = exc
        self._eof_callbacks = None
        for waiter in (self._waiter, self._eof_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_exception(exc)
        self._waiter = None
        self._eof_waiter = None

    def begin_http_chunk_receiving(self) -> None:
        """Start tracking chunk boundaries; called before the first chunk's data.

        Raises:
            RuntimeError: Data was fed before chunk tracking started.
        """
        if self._chunk_splits is None:
            if self.total_bytes:
                raise RuntimeError("begin_http_chunk_receiving() called after data was already fed")
            self._chunk_splits = collections.deque()

    def end_http_chunk_receiving(self) -> None:
        """Record that an HTTP chunk ended at the current position.

        Raises:
            RuntimeError: ``begin_http_chunk_receiving()`` was never called.
        """
        splits = self._chunk_splits
        if splits is None:
            raise RuntimeError(
                "end_http_chunk_receiving() called before begin_http_chunk_receiving()"
            )
        last = splits[-1] if splits else 0
        # A chunk that produced no bytes (for example compressed input that the
        # decoder is still holding) marks no new boundary.
        if self.total_bytes == last:
            return
        splits.append(self.total_bytes)
        if self._waiter is not None:
            self._wake(self._waiter)
            self._waiter = None

    # ------------------------------------------------------------------
    # State.

    def exception(self) -> BaseException | None:
        """Return the error set by ``set_exception()``, if any."""
        return None if self._exception is None else self._error()

    def _error(self) -> BaseException:
        """The error reads raise, made now if the stream was released (see ``_mark_released``)."""
        exc = self._exception
        assert exc is not None
        if exc is _RELEASED:
            exc = self._exception = ClientConnectionError("Connection closed")
        return exc

    def _mark_released(self) -> None:
        """The response was released: reads from now on raise ``ClientConnectionError``.

        A stream already broken keeps its error. Most released streams are
        never read again, so the error is only made when a reader asks for
        it, unless a reader is waiting or a subclass overrides
        ``set_exception`` to act on it (HTTP/2 resets the stream).
        """
        if self._exception is not None:
            return
        if (
            self._waiter is None
            and self._eof_waiter is None
            and type(self).set_exception is StreamReader.set_exception
        ):
            self._exception = _RELEASED
            self._eof_callbacks = None
        else:
            self.set_exception(ClientConnectionError("Connection closed"))

    def on_eof(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the body is complete (now, if it already is)."""
        if self._eof:
            _run_eof_callback(callback)
        elif self._eof_callbacks is None:
            self._eof_callbacks = [callback]
        else:
            self._eof_callbacks.append(callback)

    def is_eof(self) -> bool:
        """Return True once ``feed_eof()`` was called, even with data left to read."""
        return self._eof

    def at_eof(self) -> bool:
        """Return True when the body is complete and everything was read."""
        return self._eof and not self._buffer

    async def wait_eof(self) -> None:
        """Wait until the body is complete, without reading it.

        Raises:
            RuntimeError: Another coroutine is already waiting for EOF.
        """
        if self._eof:
            return
        if self._exception is not None:
            raise self._error()
        if self._eof_waiter is not None:
            raise RuntimeError("wait_eof() called while another coroutine waits for EOF")
        waiter = self._eof_waiter = self._loop.create_future()
        try:
            await waiter
        finally:
            self._eof_waiter = None

    @property
    def total_raw_bytes(self) -> int:
        """Bytes received on the wire: compressed size when a decoder ran, else ``total_bytes``."""
        if self.total_compressed_bytes is None:
            return self.total_bytes
        return self.total_compressed_bytes

    def get_read_buffer_limits(self) -> tuple[int, int]:
        """Return the ``(low, high)`` water marks in bytes."""
        return (self._low_water, self._high_water)

    # ------------------------------------------------------------------
    # Iteration.

    def __aiter__(self) -> AsyncStreamIterator[bytes]:
        return AsyncStreamIterator(self.readline)

    def iter_chunked(self, n: int) -> AsyncStreamIterator[bytes]:
        """Iterate over pieces of at most ``n`` bytes, as ``read(n)`` returns them."""
        return AsyncStreamIterator(lambda: self.read(n))

    def iter_any(self) -> AsyncStreamIterator[bytes]:
        """Iterate over whatever is available each time data arrives."""
        return AsyncStreamIterator(self.readany)

    def iter_chunks(self) -> ChunkTupleAsyncStreamIterator:
        """Iterate over ``(data, end_of_http_chunk)`` tuples from ``readchunk()``."""
        return ChunkTupleAsyncStreamIterator(self)

    # ------------------------------------------------------------------
    # Reading.

    async def read(self, n: int = -1) -> bytes:
        """Read up to ``n`` bytes, or the whole rest of the body when ``n`` is -1.

        With ``n`` given, returns as soon as any data is available, so it may
        return fewer bytes. Returns ``b""`` at EOF.
        """
        if self._exception is not None:
            raise self._error()
        if n == 0:
            return b""
        if n > 0:
            while not self._buffer and not self._eof:
                await self._wait("read")
            return self._read_nowait(n)
        if self._eof:
            # Fast path: a small body that is already complete.
            return self._read_nowait(-1)
        return await self._read_to_eof()

    async def readany(self) -> bytes:
        """Return everything buffered, waiting for data if there is none; ``b""`` at EOF."""
        if self._exception is not None:
            raise self._error()
        while not self._buffer and not self._eof:
            await self._wait("readany")
        return self._read_nowait(-1)

    async def readchunk(self) -> tuple[bytes, bool]:
        """Return ``(data, end_of_http_chunk)`` for the next piece of the body.

        ``end_of_http_chunk`` is True when ``data`` ends exactly where an HTTP
        chunk ended (chunked transfer coding only). At EOF returns
        ``(b"", False)``, as aiohttp does.
        """
        while True:
            if self._exception is not None:
                raise self._error()
            splits = self._chunk_splits
            while splits:
                pos = splits.popleft()
                if pos == self._cursor:
                    return (b"", True)
                if pos > self._cursor:
                    return (self._read_nowait(pos - self._cursor), True)
            if self._buffer:
                return (self._take(-1), False)
            if self._eof:
                return (b"", False)
            await self._wait("readchunk")

    async def readexactly(self, n: int) -> bytes:
        """Read exactly ``n`` bytes.

        Raises:
            asyncio.IncompleteReadError: The body ended first; ``partial``
                holds what was read.
        """
        if self._exception is not None:
            raise self._error()
        if n <= 0:
            return b""
        if self._size >= n:
            return self._read_nowait(n)
        blocks: list[bytes] = []
        missing = n
        while missing > 0:
            block = await self.read(missing)
            if not block:
                partial = b"".join(blocks)
                raise asyncio.IncompleteReadError(partial, n)
            blocks.append(block)
            missing -= len(block)
        return b"".join(blocks)

    async def readline(self, *, max_line_length: int | None = None) -> bytes:
        """Read one line ending in ``\\n`` (or the rest of the body at EOF).

        Raises:
            ValueError: The line is longer than ``max_line_length``, which
                defaults to the high-water mark.
        """
        return await self._read_until(b"\n", max_line_length, "Line is too long")

    async def readuntil(self, separator: bytes = b"\n", *, max_size: int | None = None) -> bytes:
        """Read up to and including ``separator`` (or the rest of the body at EOF).

        Raises:
            ValueError: ``separator`` is empty, or more than ``max_size``
                bytes (default: the high-water mark) came without it.
        """
        if not separator:
            raise ValueError("Separator should be at least one-byte string")
        return await self._read_until(separator, max_size, "Chunk too big")

    def read_nowait(self, n: int = -1) -> bytes:
        """Return up to ``n`` buffered bytes (all when -1) without waiting.

        Raises:
            RuntimeError: Another coroutine is waiting for data on this stream.
        """
        if self._exception is not None:
            raise self._error()
        if self._waiter is not None and not self._waiter.done():
            raise RuntimeError("read_nowait() called while another coroutine is waiting for data")
        return self._read_nowait(n)

    # ------------------------------------------------------------------
    # Internals.

    async def _read_until(self, separator: bytes, max_size: int | None, too_long: str) -> bytes:
        """Collect bytes up to ``separator``, scanning each buffered piece once."""
        limit = max_size or self._high_water
        keep = len(separator) - 1  # bytes of a separator that may straddle pieces
        parts: list[bytes] = []
        got = 0
        tail = b""
        while True:
            if self._exception is not None:
                raise self._error()
            while self._buffer:
                first = self._buffer[0]
                offset = self._offset
                end = -1
                if tail:
                    probe = tail + first[offset : offset + keep]
                    found = probe.find(separator)
                    if found != -1:
                        end = offset + found + len(separator) - len(tail)
                if end == -1:
                    found = first.find(separator, offset)
                    if found != -1:
                        end = found + len(separator)
                data = self._take(-1 if end == -1 else end - offset)
                parts.append(data)
                got += len(data)
                if got > limit:
                    raise ValueError(too_long)
                if end != -1:
                    return parts[0] if len(parts) == 1 else b"".join(parts)
                if keep:
                    tail = (tail + data)[-keep:]
            if self._eof:
                return b"".join(parts)
            await self._wait("readuntil")

    async def _read_to_eof(self) -> bytes:
        """Drain the stream until EOF, consuming as data comes so reading never stalls."""
        blocks: list[bytes] = []
        while not self._eof:
            if self._buffer:
                blocks.append(self._read_nowait(-1))
            else:
                await self._wait("read")
        if self._buffer:
            blocks.append(self._read_nowait(-1))
        return blocks[0] if len(blocks) == 1 else b"".join(blocks)

    async def _wait(self, func_name: str) -> None:
        """Sleep until the producer feeds data, a chunk boundary, EOF or an error."""
        if self._waiter is not None:
            raise RuntimeError(
                f"{func_name}() called while another coroutine is already waiting for incoming data"
            )
        if self._exception is not None:
            # Broken after the data that woke the last wait: nothing more will come.
            raise self._error()
        waiter = self._waiter = self._loop.create_future()
        try:
            await waiter
        finally:
            self._waiter = None

    @staticmethod
    def _wake(waiter: asyncio.Future[None] | None) -> None:
        """Resolve a waiter unless it is absent or already done (cancelled)."""
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _take(self, n: int) -> bytes:
        """Remove and return up to ``n`` bytes of the first piece (all of it when -1)."""
        first = self._buffer[0]
        offset = self._offset
        if n != -1 and len(first) - offset > n:
            data = first[offset : offset + n]
            self._offset = offset + n
        else:
            self._buffer.popleft()
            data = first[offset:] if offset else first
            self._offset = 0
        self._consumed(len(data))
        return data

    def _consumed(self, size: int) -> None:
        """Account for ``size`` bytes handed out and resume the producer if drained."""
        self._size -= size
        self._cursor += size
        splits = self._chunk_splits
        if splits:
            # Boundaries already read past can never be reported; drop them.
            while splits and splits[0] < self._cursor:
                splits.popleft()
        if self._paused and self._size < self._low_water:
            self._paused = False
            self._protocol.resume_reading()

    def _read_nowait(self, n: int) -> bytes:
        """Return up to ``n`` buffered bytes (all when -1) without waiting."""
        buffer = self._buffer
        if n == -1:
            count = len(buffer)
            if count == 1 and not self._offset:
                # The common case for a small complete body: hand the piece over as is.
                data = buffer.popleft()
                self._consumed(len(data))
                return data
            if count == 0:
                return b""
            # Join in one C call, then account once; the buffer is emptied before
            # the producer may be resumed, since resuming can feed re-entrantly.
            if self._offset:
                buffer[0] = buffer[0][self._offset :]
                self._offset = 0
            data = b"".join(buffer)
            buffer.clear()
            self._consumed(len(data))
            return data
        if not buffer:
            return b""
        data = self._take(n)
        if len(data) == n or not buffer:
            return data
        parts = [data]
        n -= len(data)
        while n > 0 and buffer:
            data = self._take(n)
            parts.append(data)
            n -= len(data)
        return b"".join(parts)


def _run_eof_callback(callback: Callable[[], None]) -> None:
    """Run an EOF callback, logging instead of propagating its failure."""
    try:
        callback()
    except Exception:
        _log.exception("Exception in EOF callback %r", callback)
