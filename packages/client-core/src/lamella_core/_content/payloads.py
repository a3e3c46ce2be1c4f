"""Request bodies: what can be sent, its size and its default Content-Type.

A payload either holds its bytes (``data``: sent in the same ``write`` as
the head when small) or streams them through ``chunks()``. A streamed
payload still has a ``size`` when it is knowable, so the request carries
Content-Length; otherwise ``size`` is None and the body goes out chunked.
``reusable`` payloads can be sent again after a 307/308 redirect or a retry:
in-memory bodies always, file bodies when they can seek back to where they
started, async iterables never.

This module holds the base class and the in-memory and streamed payloads;
file objects are in ``file_payloads``, the registry that picks a class for a
value in ``payload_registry``, compression in ``compression``.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import warnings
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from multidict import CIMultiDict

from .streams import StreamReader

__all__ = [
    "CHUNK_SIZE",
    "TOO_LARGE_BYTES_BODY",
    "AsyncIterablePayload",
    "BytesPayload",
    "JsonBytesPayload",
    "JsonPayload",
    "Payload",
    "StreamReaderPayload",
    "StringIOPayload",
    "StringPayload",
    "guess_filename",
]

# 256 KiB: each piece of a real file costs a trip through the executor.
CHUNK_SIZE = 256 * 1024
OCTETS = "application/octet-stream"
_UNSET: Any = object()  # no content_type argument, as opposed to None
# aiohttp's threshold for its ResourceWarning about a large bytes body (1 MiB).
TOO_LARGE_BYTES_BODY = 2**20


# --- the payload classes -----------------------------------------------------------------


class Payload:
    """A request body; ``size`` is None when it streams with chunked framing.

    The constructor takes aiohttp's arguments: the wrapped value, part
    ``headers`` (used when the payload is a part of a multipart body; a
    request ignores them), a ``content_type`` (guessed from ``filename``
    when not given), a ``filename`` and an ``encoding``. A subclass streams
    its body either through ``chunks()`` or, as in aiohttp, through
    ``async write(writer)``; in-memory subclasses just pass bytes to
    ``BytesPayload``.
    """

    __slots__ = ("content_type", "_size", "_headers", "_value", "_filename", "_encoding")
    _default_content_type = OCTETS

    def __init__(
        self,
        value: Any = None,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        content_type: str | None = _UNSET,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: Any,
    ) -> None:
        self._value = value
        self._size: int | None = None
        self._filename = filename
        self._encoding = encoding
        self._headers: CIMultiDict[str] | None = CIMultiDict(headers) if headers else None
        if self._headers is not None and "Content-Type" in self._headers:
            content_type = self._headers["Content-Type"]
        elif content_type is _UNSET or content_type is None:
            content_type = guess_type(filename) or self._default_content_type
        self.content_type: str | None = content_type

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

    @property
    def consumed(self) -> bool:
        """True once a body that can be sent only once has been sent."""
        return False

    @property
    def autoclose(self) -> bool:
        """True when the payload holds nothing that ``close()`` must release."""
        return True

    @property
    def filename(self) -> str | None:
        """The file name of the body, for a multipart part's Content-Disposition."""
        return self._filename

    @property
    def encoding(self) -> str | None:
        """The charset text was encoded with, when the payload knows it."""
        return self._encoding

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
        from .disposition import content_disposition_header  # with the first part that has one

        self.headers["Content-Disposition"] = content_disposition_header(
            disptype, quote_fields=quote_fields, _charset=_charset, **params
        )

    async def chunks(self) -> AsyncIterator[bytes]:
        """Iterate over the body in pieces.

        The default serves ``data``, or runs an aiohttp-style ``write(writer)``
        of the subclass and passes on what it writes, one piece at a time.

        Raises:
            NotImplementedError: the subclass has neither ``chunks()``,
                ``data`` nor ``write()``.
        """
        data = self.data
        if data is not None:
            yield data
            return
        if type(self).write is Payload.write:
            name = type(self).__name__
            raise NotImplementedError(f"{name} implements neither chunks() nor write()")
        async for piece in _written(self):
            yield piece

    async def write(self, writer: Any) -> None:
        """Write the body to an aiohttp-style stream writer (``await writer.write(piece)``)."""
        async for piece in self.chunks():
            await writer.write(piece)

    async def write_with_length(self, writer: Any, content_length: int | None) -> None:
        """Write at most ``content_length`` bytes of the body (all of it when None)."""
        left = content_length
        async for piece in self.chunks():
            if left is not None:
                piece = piece[:left]
                left -= len(piece)
            if piece:
                await writer.write(piece)
            if left == 0:
                return

    async def as_bytes(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        """The whole body as bytes (files are read off the event loop)."""
        data = self.data
        if data is not None:
            return data
        return b"".join([piece async for piece in self.chunks()])

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """The in-memory body as text (aiohttp's name; bytes have ``decode`` too).

        Raises:
            TypeError: the body streams; ``await as_bytes()`` reads it.
        """
        data = self.data
        if data is None:
            raise TypeError(f"{type(self).__name__} streams its body: use await as_bytes()")
        return data.decode(self._encoding or encoding, errors)

    async def close(self) -> None:
        """Release what the payload holds (an open file); a no-op for most bodies."""


class _PieceWriter:
    """The stream writer a ``write(writer)`` subclass writes to: hands each
    piece to the reader of ``chunks()``, one at a time (back-pressure)."""

    __slots__ = ("_queue", "output_size")

    def __init__(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._queue = queue
        self.output_size = 0

    @property
    def buffer_size(self) -> int:
        return 0

    async def write(self, chunk: bytes | bytearray | memoryview) -> None:
        if chunk:
            self.output_size += len(chunk)
            await self._queue.put(bytes(chunk))

    async def write_eof(self, chunk: bytes = b"") -> None:
        await self.write(chunk)

    async def drain(self) -> None:
        return None


async def _written(payload: Payload) -> AsyncIterator[bytes]:
    """What ``payload.write(writer)`` writes, as an async iterator."""
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=1)

    async def produce() -> None:
        await payload.write(_PieceWriter(queue))
        await queue.put(None)

    task = asyncio.ensure_future(produce())
    try:
        while True:
            getter = asyncio.ensure_future(queue.get())
            await asyncio.wait((getter, task), return_when=asyncio.FIRST_COMPLETED)
            if not getter.done():
                getter.cancel()
                task.result()  # the writer failed, or ended without its end marker
                raise RuntimeError("write() ended without finishing the body")
            piece = getter.result()
            if piece is None:
                break
            yield piece
        await task
    finally:
        if not task.done():
            task.cancel()


class BytesPayload(Payload):
    """A body held in memory.

    Over ``TOO_LARGE_BYTES_BODY`` (1 MiB) it emits the ``ResourceWarning``
    aiohttp emits, so code that is warning-clean on aiohttp is on lamella.
    """

    __slots__ = ()
    _warns_when_large = True

    def __init__(self, value: bytes | bytearray | memoryview, *args: Any, **kwargs: Any) -> None:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"value argument must be byte-ish, not {type(value)!r}")
        kwargs.setdefault("content_type", OCTETS)
        super().__init__(bytes(value), *args, **kwargs)
        self._size = len(self._value)
        if self._size > TOO_LARGE_BYTES_BODY and self._warns_when_large:
            warnings.warn(
                f"A bytes body of {self._size} bytes goes to the transport in one piece, "
                "which may stall the event loop; io.BytesIO(body) streams it in pieces",
                ResourceWarning,
                stacklevel=2,
                source=self,
            )

    @property
    def data(self) -> bytes:
        data: bytes = self._value
        return data

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self._value


class StringPayload(BytesPayload):
    """Text encoded once; ``text/plain`` with its charset unless told otherwise."""

    __slots__ = ()

    def __init__(
        self,
        value: str,
        *args: Any,
        encoding: str | None = None,
        content_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        if encoding is None:
            encoding = charset_of(content_type) or "utf-8"
        if content_type is None:
            content_type = f"text/plain; charset={encoding}"
        super().__init__(
            value.encode(encoding), *args, encoding=encoding, content_type=content_type, **kwargs
        )


class StringIOPayload(StringPayload):
    """An ``io.StringIO``: its text from the current position, read at once and encoded."""

    __slots__ = ()

    def __init__(self, value: io.StringIO, *args: Any, **kwargs: Any) -> None:
        super().__init__(value.read(), *args, **kwargs)


class JsonPayload(BytesPayload):
    """A value serialised as JSON (``application/json``)."""

    __slots__ = ()

    def __init__(
        self,
        value: Any,
        encoding: str = "utf-8",
        content_type: str = "application/json",
        dumps: Callable[[Any], str] = json.dumps,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            dumps(value).encode(encoding),
            *args,
            content_type=content_type,
            encoding=encoding,
            **kwargs,
        )


class JsonBytesPayload(BytesPayload):
    """A value serialised by a JSON encoder that returns bytes (orjson, msgspec)."""

    __slots__ = ()

    def __init__(
        self,
        value: Any,
        dumps: Callable[[Any], bytes],
        content_type: str = "application/json",
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(dumps(value), *args, content_type=content_type, **kwargs)


class AsyncIterablePayload(Payload):
    """A body produced by an async iterable, sent with chunked framing, once."""

    __slots__ = ("_consumed",)

    def __init__(self, value: AsyncIterable[Any], *args: Any, **kwargs: Any) -> None:
        if not isinstance(value, AsyncIterable):
            raise TypeError(f"value argument must be an async iterable, not {type(value)!r}")
        super().__init__(value, *args, **kwargs)
        self._consumed = False

    @property
    def consumed(self) -> bool:
        return self._consumed

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._consumed:
            raise RuntimeError("A streamed request body can be sent only once")
        self._consumed = True
        async for piece in self._value:
            yield as_bytes(piece)


class StreamReaderPayload(AsyncIterablePayload):
    """Another response's body (a ``StreamReader``), relayed as it arrives."""

    __slots__ = ()

    def __init__(self, value: StreamReader | Relayable, *args: Any, **kwargs: Any) -> None:
        super().__init__(value.iter_any(), *args, **kwargs)


@runtime_checkable
class Relayable(Protocol):
    """What a response's stream offers to be relayed as a body: ``iter_any()``."""

    def iter_any(self) -> AsyncIterator[bytes]: ...


# --- helpers -------------------------------------------------------------------------


def guess_filename(obj: Any, default: str | None = None) -> str | None:
    """The base name of a file object's ``name``, unless it is a ``<pseudo>`` name."""
    name = getattr(obj, "name", None)
    if name and isinstance(name, str) and name[0] != "<" and name[-1] != ">":
        return os.path.basename(name)
    return default


def charset_of(content_type: str | None) -> str | None:
    """The charset a Content-Type names: the one text given with that type is encoded in."""
    for param in (content_type or "").split(";")[1:]:
        key, _, charset = param.strip().partition("=")
        if key.lower() == "charset" and charset:
            return charset.strip('"')
    return None


def guess_type(filename: str | None) -> str | None:
    if not filename:
        return None
    import mimetypes  # on demand: reads the system's type maps

    return mimetypes.guess_type(filename)[0]


def as_bytes(piece: object) -> bytes:
    if isinstance(piece, str):
        return piece.encode("utf-8")
    if isinstance(piece, (bytes, bytearray, memoryview)):
        return bytes(piece)
    raise TypeError(f"Body pieces must be bytes, not {type(piece).__name__}")
