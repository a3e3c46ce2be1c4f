"""Request bodies: what can be sent, its size and its default Content-Type.

A payload either holds its bytes (``data``: sent in the same ``write`` as
the head when small) or streams them through ``chunks()``. A streamed
payload still has a ``size`` when it is knowable (a file on disk, a
seekable buffer), so the request carries Content-Length; otherwise ``size``
is None and the body goes out chunked. ``reusable`` payloads can be sent
again after a 307/308 redirect or a retry: in-memory bodies always, file
bodies when they can seek back to where they started, async iterables never.

Files are read in pieces of at most ``CHUNK_SIZE`` bytes, in the default
executor when they are real files (reads may block on disk), so a body is
never held whole in memory unless the caller handed it over that way. A
regular file opened in binary mode also offers ``sendfile_source()``, so a
plain TCP connection can hand it to the kernel (``loop.sendfile``) without
reading it into Python at all.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import stat
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any

from multidict import CIMultiDict

from .disposition import content_disposition_header

__all__ = [
    "CHUNK_SIZE",
    "AsyncIterablePayload",
    "BytesPayload",
    "CompressedPayload",
    "IOPayload",
    "JsonPayload",
    "Payload",
    "StringPayload",
    "compress_coding",
    "compress_payload",
    "guess_filename",
    "payload_for",
]

# 256 KiB: each piece of a real file costs a trip through the executor.
CHUNK_SIZE = 256 * 1024
_OCTETS = "application/octet-stream"


class Payload:
    """A request body; ``size`` is None when it streams with chunked framing.

    ``headers`` are the part headers used when the payload is a part of a
    multipart body (aiohttp's ``Payload.headers``); a request ignores them.
    """

    __slots__ = ("content_type", "_size", "_headers")

    def __init__(self, content_type: str | None, size: int | None) -> None:
        self.content_type = content_type
        self._size = size
        self._headers: CIMultiDict[str] | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.content_type} size={self.size}>"

    @property
    def size(self) -> int | None:
        """The body length in bytes, or None when it is only known by sending it."""
        return self._size

    @property
    def data(self) -> bytes | None:
        """The whole body when it is held in memory, else None."""
        return None

    @property
    def reusable(self) -> bool:
        """True when the body can be sent again (redirects, retries)."""
        return self.data is not None

    def sendfile_source(self) -> tuple[Any, int, int] | None:
        """``(file, offset, count)`` when the body is a span of a regular file
        that the kernel can send itself, else None."""
        return None

    @property
    def headers(self) -> CIMultiDict[str]:
        """Headers of this payload as a multipart part (Content-Disposition, ...)."""
        if self._headers is None:
            self._headers = CIMultiDict()
        return self._headers

    def set_content_disposition(
        self, disptype: str, quote_fields: bool = True, _charset: str = "utf-8", **params: str
    ) -> None:
        """Set the part's Content-Disposition header, quoting values as RFC 7578 asks."""
        self.headers["Content-Disposition"] = content_disposition_header(
            disptype, quote_fields=quote_fields, _charset=_charset, **params
        )

    def chunks(self) -> AsyncIterator[bytes]:
        """Iterate over the body in pieces."""
        raise NotImplementedError

    async def close(self) -> None:
        """Release what the payload holds (an open file); a no-op for most bodies."""


class BytesPayload(Payload):
    """A body held in memory."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes, content_type: str | None = _OCTETS) -> None:
        super().__init__(content_type, len(data))
        self._data = data

    @property
    def data(self) -> bytes:
        return self._data

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self._data


class StringPayload(BytesPayload):
    """Text encoded once; ``text/plain`` with its charset unless told otherwise."""

    __slots__ = ()

    def __init__(
        self, text: str, *, encoding: str | None = None, content_type: str | None = None
    ) -> None:
        if encoding is None:
            encoding = "utf-8"
            if content_type is not None:
                # A charset named in the given Content-Type is the one to encode with.
                for param in content_type.split(";")[1:]:
                    key, _, value = param.strip().partition("=")
                    if key.lower() == "charset" and value:
                        encoding = value.strip('"')
        if content_type is None:
            content_type = f"text/plain; charset={encoding}"
        super().__init__(text.encode(encoding), content_type)


class JsonPayload(BytesPayload):
    """A value serialised as JSON (``application/json``)."""

    __slots__ = ()

    def __init__(
        self,
        value: Any,
        *,
        encoding: str = "utf-8",
        content_type: str = "application/json",
        dumps: Callable[[Any], str] = json.dumps,
    ) -> None:
        super().__init__(dumps(value).encode(encoding), content_type)


class AsyncIterablePayload(Payload):
    """A body produced by an async iterable, sent with chunked framing, once."""

    __slots__ = ("_iterable", "_consumed")

    def __init__(self, iterable: AsyncIterable[Any], content_type: str | None = None) -> None:
        super().__init__(content_type or _OCTETS, None)
        self._iterable = iterable
        self._consumed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._consumed:
            raise RuntimeError("A streamed request body can be sent only once")
        self._consumed = True
        async for piece in self._iterable:
            yield _as_bytes(piece)


class IOPayload(Payload):
    """A file-like object streamed in pieces of at most ``CHUNK_SIZE`` bytes.

    The size is taken from ``os.fstat`` or by seeking to the end, so
    Content-Length can be sent; reads of real files run in the executor.
    A seekable file is rewound to where it started before each send, which
    makes it reusable. Text files are encoded piece by piece and have no
    known size. ``close()`` closes the file, as aiohttp does after a request.
    """

    __slots__ = ("_file", "_start", "_text", "_encoding", "_blocking", "_consumed", "filename")

    def __init__(
        self,
        file: Any,
        content_type: str | None = None,
        *,
        filename: str | None = None,
        encoding: str | None = None,
    ) -> None:
        self._file = file
        self.filename = guess_filename(file) if filename is None else filename
        self._text = isinstance(file, io.TextIOBase)
        self._encoding = encoding or getattr(file, "encoding", None) or "utf-8"
        self._blocking = _has_fileno(file)
        self._consumed = False
        self._start: int | None = None
        size: int | None = None
        try:
            if file.seekable():
                self._start = file.tell()
        except (AttributeError, OSError, ValueError):
            pass
        if self._start is not None and not self._text:
            size = _remaining_size(file, self._start, self._blocking)
        if content_type is None:
            content_type = _guess_type(self.filename)
            if content_type is None:
                content_type = f"text/plain; charset={self._encoding}" if self._text else _OCTETS
        super().__init__(content_type, size)

    @property
    def reusable(self) -> bool:
        return self._start is not None

    def sendfile_source(self) -> tuple[Any, int, int] | None:
        start, size = self._start, self._size
        if self._text or not self._blocking or start is None or size is None:
            return None
        try:
            if not stat.S_ISREG(os.fstat(self._file.fileno()).st_mode):
                return None
        except (AttributeError, OSError, ValueError):
            return None
        self._consumed = True
        return self._file, start, size

    async def chunks(self) -> AsyncIterator[bytes]:
        file, size = self._file, self._size
        if self._start is not None:
            file.seek(self._start)
        elif self._consumed:
            raise RuntimeError("A file that cannot seek can be sent only once")
        self._consumed = True
        loop = asyncio.get_running_loop()
        # utf-8 needs at most 4 bytes a character: keep encoded pieces under CHUNK_SIZE.
        want = CHUNK_SIZE // 4 if self._text else CHUNK_SIZE
        left = size
        while left is None or left > 0:
            n = want if left is None else min(want, left)
            if self._blocking:
                piece = await loop.run_in_executor(None, file.read, n)
            else:
                piece = file.read(n)
            if not piece:
                if left:
                    raise OSError(f"{self.filename or 'the file'} shrank while being sent")
                return
            out = piece.encode(self._encoding) if self._text else _as_bytes(piece)
            if left is not None:
                left -= len(out)
            yield out

    async def close(self) -> None:
        close = getattr(self._file, "close", None)  # any object with .read is accepted
        if close is not None:
            close()


def payload_for(data: Any, *, encoding: str = "utf-8") -> Payload:
    """Wrap one value as a payload: a body, a form field or a multipart part.

    Forms (mappings, pairs, ``FormData``) are for a request's ``data=`` only;
    ``bodies.request_body`` adds them.

    Args:
        data: bytes-like, str, a file-like object, an async iterable, a
            response's stream or a payload.
        encoding: the charset for a str body.

    Raises:
        TypeError: ``data`` is none of the above.
    """
    if isinstance(data, Payload):
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        return BytesPayload(bytes(data))
    if isinstance(data, str):
        return StringPayload(data, encoding=encoding)
    if isinstance(data, io.StringIO):
        return StringPayload(data.read(), encoding=encoding)
    if isinstance(data, io.IOBase) or (hasattr(data, "read") and not hasattr(data, "iter_any")):
        return IOPayload(data)
    if hasattr(data, "iter_any"):  # a response's StreamReader: relay what arrives
        return AsyncIterablePayload(data.iter_any())
    if isinstance(data, AsyncIterable):
        return AsyncIterablePayload(data)
    raise TypeError(f"Cannot send a request body of type {type(data).__name__}")


# --- compression -----------------------------------------------------------------


class CompressedPayload(Payload):
    """A streamed body compressed piece by piece as it is sent (size unknown)."""

    __slots__ = ("_inner", "_coding")

    def __init__(self, inner: Payload, coding: str) -> None:
        super().__init__(inner.content_type, None)
        self._inner = inner
        self._coding = coding
        if inner._headers is not None:
            self._headers = inner._headers.copy()

    @property
    def reusable(self) -> bool:
        return self._inner.reusable

    async def chunks(self) -> AsyncIterator[bytes]:
        compressor = _compressor(self._coding)
        async for piece in self._inner.chunks():
            out = compressor.compress(piece)
            if out:
                yield out
        yield compressor.flush()

    async def close(self) -> None:
        await self._inner.close()


def compress_coding(compress: bool | str | None) -> str | None:
    """The Content-Encoding that aiohttp's ``compress=`` names: True is deflate."""
    if compress is None or compress is False:
        return None
    return "deflate" if compress is True else str(compress).lower()


def compress_payload(payload: Payload, coding: str) -> Payload:
    """Compress a body with ``deflate`` (zlib) or ``gzip``; the caller sets Content-Encoding.

    An in-memory body is compressed once and stays in memory (with a size);
    a streamed body is compressed as it is read, never held whole.

    Raises:
        ValueError: ``coding`` is neither deflate nor gzip.
    """
    compressor = _compressor(coding)
    data = payload.data
    if data is None:
        return CompressedPayload(payload, coding)
    out = BytesPayload(compressor.compress(data) + compressor.flush(), payload.content_type)
    if payload._headers is not None:
        out._headers = payload._headers.copy()
    return out


def _compressor(coding: str, *, raw_deflate: bool = False) -> Any:
    coding = coding.lower()
    if coding == "deflate":
        return zlib.compressobj(wbits=-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS)
    if coding == "gzip":
        return zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
    raise ValueError(f"Cannot compress a request body with {coding!r}: use deflate or gzip")


# --- helpers -------------------------------------------------------------------------


def guess_filename(obj: Any, default: str | None = None) -> str | None:
    """The base name of a file object's ``name``, unless it is a ``<pseudo>`` name."""
    name = getattr(obj, "name", None)
    if name and isinstance(name, str) and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name)
    return default


def _guess_type(filename: str | None) -> str | None:
    if not filename:
        return None
    import mimetypes  # on demand: reads the system's type maps

    return mimetypes.guess_type(filename)[0]


def _has_fileno(file: Any) -> bool:
    try:
        file.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return True


def _remaining_size(file: Any, start: int, has_fileno: bool) -> int | None:
    try:
        if has_fileno and stat.S_ISREG((st := os.fstat(file.fileno())).st_mode):
            return max(st.st_size - start, 0)
        end: int = file.seek(0, io.SEEK_END)
        file.seek(start)
        return max(end - start, 0)
    except (AttributeError, OSError, ValueError):
        return None


def _as_bytes(piece: object) -> bytes:
    if isinstance(piece, str):
        return piece.encode("utf-8")
    if isinstance(piece, (bytes, bytearray, memoryview)):
        return bytes(piece)
    raise TypeError(f"Body pieces must be bytes, not {type(piece).__name__}")
