"""File objects as request bodies, read in pieces off the event loop.

Files are read in pieces of at most ``CHUNK_SIZE`` bytes, in the default
executor unless they are in-memory buffers (reads may block on disk), so a
body is never held whole in memory unless the caller handed it over that
way. A regular file opened in binary mode also offers ``sendfile_source()``,
so a plain TCP connection can hand it to the kernel (``loop.sendfile``)
without reading it into Python at all.
"""

from __future__ import annotations

import asyncio
import io
import os
import stat
import threading
from collections.abc import AsyncIterator
from typing import Any

from .payloads import (
    CHUNK_SIZE,
    OCTETS,
    Payload,
    as_bytes,
    charset_of,
    guess_filename,
    guess_type,
)

__all__ = ["BufferedReaderPayload", "BytesIOPayload", "IOBasePayload", "IOPayload", "TextIOPayload"]


class IOPayload(Payload):
    """A file-like object streamed in pieces of at most ``CHUNK_SIZE`` bytes.

    aiohttp's ``IOBasePayload``. The size is taken from ``os.fstat`` (or
    from the buffer of an ``io.BytesIO``), so Content-Length can be sent;
    every read of anything but an in-memory buffer runs in the executor,
    as a file object may block on a disk or a decompressor. A seekable file
    is rewound to where it started before each send, which makes it
    reusable. Text files are encoded piece by piece and have no known size.
    ``close()`` closes the file, as aiohttp does after a request.
    ``disposition`` is the Content-Disposition type the file gets as a part
    of a multipart body that is not a form (None: none).
    """

    __slots__ = ("_start", "_text", "_blocking", "_consumed", "_lock", "disposition")

    def __init__(
        self, value: Any, disposition: str | None = "attachment", *args: Any, **kwargs: Any
    ) -> None:
        if kwargs.get("filename") is None:
            kwargs["filename"] = guess_filename(value)
        text = isinstance(value, io.TextIOBase)
        # A charset the given Content-Type names wins over the file's own
        # encoding, so the bytes sent are the ones the header declares.
        encoding = (
            kwargs.get("encoding")
            or (charset_of(kwargs.get("content_type")) if text else None)
            or getattr(value, "encoding", None)
            or "utf-8"
        )
        if text:
            kwargs["encoding"] = encoding
        if kwargs.get("content_type") is None and not guess_type(kwargs["filename"]):
            kwargs["content_type"] = f"text/plain; charset={encoding}" if text else OCTETS
        super().__init__(value, *args, **kwargs)
        self.disposition = disposition
        self._text = text
        self._blocking = not isinstance(value, (io.BytesIO, io.StringIO))
        self._lock = threading.Lock()
        self._consumed = False
        self._start: int | None = None
        try:
            if value.seekable():
                self._start = value.tell()
        except (AttributeError, OSError, ValueError):
            pass
        if self._start is not None and not text:
            self._size = _remaining_size(value, self._start)

    @property
    def reusable(self) -> bool:
        return self._start is not None

    @property
    def consumed(self) -> bool:
        return self._consumed and self._start is None

    @property
    def autoclose(self) -> bool:
        return False

    def sendfile_source(self) -> tuple[Any, int, int] | None:
        start, size = self._start, self._size
        if self._text or start is None or size is None:
            return None
        try:
            if not stat.S_ISREG(os.fstat(self._value.fileno()).st_mode):
                return None
        except (AttributeError, OSError, ValueError):
            return None
        self._consumed = True
        return self._value, start, size

    async def chunks(self) -> AsyncIterator[bytes]:
        file, size, start = self._value, self._size, self._start
        if start is None and self._consumed:
            raise RuntimeError("A file that cannot seek can be sent only once")
        self._consumed = True
        loop = asyncio.get_running_loop()
        # utf-8 needs at most 4 bytes a character: keep encoded pieces under CHUNK_SIZE.
        want = CHUNK_SIZE // 4 if self._text else CHUNK_SIZE
        left = size
        position = start  # each send keeps its own place: an abandoned one may still read
        while left is None or left > 0:
            n = want if left is None else min(want, left)
            if self._blocking:
                piece, position = await loop.run_in_executor(
                    None, _read, file, self._lock, n, position
                )
            else:
                piece, position = _read(file, self._lock, n, position)
            if not piece:
                if left:
                    raise OSError(f"{self._filename or 'the file'} shrank while being sent")
                return
            out = piece.encode(self._encoding or "utf-8") if self._text else as_bytes(piece)
            if left is not None:
                left -= len(out)
            yield out

    async def close(self) -> None:
        close = getattr(self._value, "close", None)  # any object with .read is accepted
        if close is not None:
            close()


IOBasePayload = IOPayload


class TextIOPayload(IOPayload):
    """A text file (``io.TextIOBase``), encoded as it is read."""

    __slots__ = ()


class BytesIOPayload(IOPayload):
    """An ``io.BytesIO``, sent from its current position."""

    __slots__ = ()


class BufferedReaderPayload(IOPayload):
    """A file opened in binary mode (``io.BufferedReader``, ``io.BufferedRandom``)."""

    __slots__ = ()


def _remaining_size(file: Any, start: int) -> int | None:
    """The bytes left from ``start``: from ``fstat`` for a regular file, from the
    buffer of an ``io.BytesIO``; None for anything else (it is sent chunked)."""
    if isinstance(file, io.BytesIO):
        return max(file.getbuffer().nbytes - start, 0)
    try:
        st = os.fstat(file.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return max(st.st_size - start, 0) if stat.S_ISREG(st.st_mode) else None


def _read(
    file: Any, lock: threading.Lock, size: int, position: int | None
) -> tuple[Any, int | None]:
    """Read up to ``size`` from ``position`` (where the file is, when None), and the
    position after: one executor job.

    Under ``lock``, so that a send abandoned mid-read (a redirect answered before the
    body was sent) cannot move the file under the send that replaces it.
    """
    with lock:
        if position is None:
            return file.read(size), None
        file.seek(position)
        return file.read(size), file.tell()
