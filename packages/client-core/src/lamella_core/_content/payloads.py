"""Request bodies: what can be sent, its size and its default Content-Type.

A payload either holds its bytes (``data``: sent in the same ``write`` as
the head when small) or streams them through ``chunks()``. A streamed
payload still has a ``size`` when it is knowable (a file on disk, a
seekable buffer), so the request carries Content-Length; otherwise ``size``
is None and the body goes out chunked. ``reusable`` payloads can be sent
again after a 307/308 redirect or a retry: in-memory bodies always, file
bodies when they can seek back to where they started, async iterables never.

Files are read in pieces of at most ``CHUNK_SIZE`` bytes, in the default
executor unless they are in-memory buffers (reads may block on disk), so a
body is never held whole in memory unless the caller handed it over that
way. Which class wraps which value is looked up in ``PAYLOAD_REGISTRY``,
aiohttp's registry, so a type registered with ``payload_type`` can be sent
as ``data=``, a form field or a multipart part. A
regular file opened in binary mode also offers ``sendfile_source()``, so a
plain TCP connection can hand it to the kernel (``loop.sendfile``) without
reading it into Python at all.
"""

from __future__ import annotations

import asyncio
import enum
import io
import json
import os
import stat
import threading
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from typing import Any, Protocol, TypeVar, runtime_checkable

from multidict import CIMultiDict

from . import zlib_backend
from .disposition import content_disposition_header
from .streams import StreamReader

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = [
    "CHUNK_SIZE",
    "PAYLOAD_REGISTRY",
    "AsyncIterablePayload",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "BytesPayload",
    "CompressedPayload",
    "IOBasePayload",
    "IOPayload",
    "JsonBytesPayload",
    "JsonPayload",
    "Order",
    "Payload",
    "PayloadLookupError",
    "PayloadRegistry",
    "StreamReaderPayload",
    "StringIOPayload",
    "StringPayload",
    "TextIOPayload",
    "compress_coding",
    "compress_payload",
    "get_payload",
    "guess_filename",
    "payload_for",
    "payload_type",
    "register_payload",
    "registered_payload",
]

# 256 KiB: each piece of a real file costs a trip through the executor.
CHUNK_SIZE = 256 * 1024
_OCTETS = "application/octet-stream"
_UNSET: Any = object()  # no content_type argument, as opposed to None


# --- the registry ----------------------------------------------------------------------


class PayloadLookupError(LookupError):
    """No payload factory is registered for a value's type."""


class Order(enum.StrEnum):
    """Where a factory goes in the registry's search: before, among or after the rest."""

    normal = "normal"
    try_first = "try_first"
    try_last = "try_last"


_Factory = Callable[..., "Payload"]


class PayloadRegistry:
    """Which payload class wraps a value of which type, searched in registration order.

    ``try_first`` factories are tried before the rest, then the exact type
    of the value is looked up, then ``isinstance`` is tried on the ``normal``
    factories and finally on the ``try_last`` ones.
    """

    __slots__ = ("_first", "_normal", "_last", "_exact")

    def __init__(self) -> None:
        self._first: list[tuple[_Factory, Any]] = []
        self._normal: list[tuple[_Factory, Any]] = []
        self._last: list[tuple[_Factory, Any]] = []
        self._exact: dict[type, _Factory] = {}

    def get(self, data: Any, *args: Any, **kwargs: Any) -> Payload:
        """Wrap ``data`` with the factory registered for its type.

        Raises:
            PayloadLookupError: no factory takes ``data``.
        """
        for factory, types in self._first:
            if isinstance(data, types):
                return factory(data, *args, **kwargs)
        exact = self._exact.get(type(data))
        if exact is not None:
            return exact(data, *args, **kwargs)
        if isinstance(data, Payload):
            return data
        for factory, types in (*self._normal, *self._last):
            if isinstance(data, types):
                return factory(data, *args, **kwargs)
        raise PayloadLookupError(f"No payload is registered for {type(data).__name__}")

    def register(self, factory: _Factory, type: Any, *, order: Order = Order.normal) -> None:
        """Make ``factory(value, *args, **kwargs)`` wrap values of ``type`` (a type or a tuple).

        Raises:
            ValueError: ``order`` is not an ``Order``.
        """
        if order is Order.try_first:
            self._first.append((factory, type))
        elif order is Order.normal:
            self._normal.append((factory, type))
            for exact in type if isinstance(type, tuple) else (type,):
                self._exact[exact] = factory
        elif order is Order.try_last:
            self._last.append((factory, type))
        else:
            raise ValueError(f"Unsupported order {order!r}")


PAYLOAD_REGISTRY = PayloadRegistry()


def get_payload(data: Any, *args: Any, **kwargs: Any) -> Payload:
    """Wrap ``data`` as a payload through ``PAYLOAD_REGISTRY``.

    Raises:
        PayloadLookupError: no factory takes ``data``.
    """
    return PAYLOAD_REGISTRY.get(data, *args, **kwargs)


def register_payload(factory: _Factory, type: Any, *, order: Order = Order.normal) -> None:
    """Register ``factory`` for values of ``type`` in ``PAYLOAD_REGISTRY``."""
    PAYLOAD_REGISTRY.register(factory, type, order=order)


class payload_type:
    """Class decorator: ``@payload_type(MyType)`` registers the payload class for ``MyType``."""

    def __init__(self, type: Any, *, order: Order = Order.normal) -> None:
        self.type = type
        self.order = order

    def __call__(self, factory: _F) -> _F:
        register_payload(factory, self.type, order=self.order)
        return factory


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
    _default_content_type = _OCTETS

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
            content_type = _guess_type(filename) or self._default_content_type
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
    """A body held in memory."""

    __slots__ = ()

    def __init__(self, value: bytes | bytearray | memoryview, *args: Any, **kwargs: Any) -> None:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise TypeError(f"value argument must be byte-ish, not {type(value)!r}")
        kwargs.setdefault("content_type", _OCTETS)
        super().__init__(bytes(value), *args, **kwargs)
        self._size = len(self._value)

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
            encoding = "utf-8"
            if content_type is not None:
                # A charset named in the given Content-Type is the one to encode with.
                for param in content_type.split(";")[1:]:
                    key, _, charset = param.strip().partition("=")
                    if key.lower() == "charset" and charset:
                        encoding = charset.strip('"')
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
            yield _as_bytes(piece)


class StreamReaderPayload(AsyncIterablePayload):
    """Another response's body (a ``StreamReader``), relayed as it arrives."""

    __slots__ = ()

    def __init__(self, value: StreamReader | _Relayable, *args: Any, **kwargs: Any) -> None:
        super().__init__(value.iter_any(), *args, **kwargs)


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
        encoding = kwargs.get("encoding") or getattr(value, "encoding", None) or "utf-8"
        if text:
            kwargs["encoding"] = encoding
        if kwargs.get("content_type") is None and not _guess_type(kwargs["filename"]):
            kwargs["content_type"] = f"text/plain; charset={encoding}" if text else _OCTETS
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
            out = piece.encode(self._encoding or "utf-8") if self._text else _as_bytes(piece)
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


@runtime_checkable
class _Readable(Protocol):
    def read(self, size: int = ..., /) -> Any: ...


@runtime_checkable
class _Relayable(Protocol):
    def iter_any(self) -> AsyncIterator[bytes]: ...


PAYLOAD_REGISTRY.register(BytesPayload, (bytes, bytearray, memoryview))
PAYLOAD_REGISTRY.register(StringPayload, str)
PAYLOAD_REGISTRY.register(StringIOPayload, io.StringIO)
PAYLOAD_REGISTRY.register(TextIOPayload, io.TextIOBase)
PAYLOAD_REGISTRY.register(BytesIOPayload, io.BytesIO)
PAYLOAD_REGISTRY.register(BufferedReaderPayload, (io.BufferedReader, io.BufferedRandom))
PAYLOAD_REGISTRY.register(IOPayload, io.IOBase)
PAYLOAD_REGISTRY.register(StreamReaderPayload, StreamReader)
# Last, so that a more specific registration of an async iterable wins.
PAYLOAD_REGISTRY.register(AsyncIterablePayload, AsyncIterable, order=Order.try_last)
# Objects shaped like a response's stream, then any other object with
# read(): a file-like object that is no io.IOBase.
PAYLOAD_REGISTRY.register(StreamReaderPayload, _Relayable, order=Order.try_last)
PAYLOAD_REGISTRY.register(IOPayload, _Readable, order=Order.try_last)


def payload_for(data: Any, *, encoding: str = "utf-8") -> Payload:
    """Wrap one value as a payload: a body, a form field or a multipart part.

    The value goes through ``PAYLOAD_REGISTRY``, so a type registered with
    ``payload_type`` is accepted everywhere a body is. Forms (mappings,
    pairs, ``FormData``) are for a request's ``data=`` only;
    ``bodies.request_body`` adds them.

    Args:
        data: anything the registry takes (bytes-like, str, a file-like
            object, an async iterable, a response's stream, a payload).
        encoding: the charset for a str body.

    Raises:
        TypeError: no payload is registered for ``data``.
    """
    try:
        return registered_payload(data, encoding=encoding)
    except PayloadLookupError:
        raise TypeError(f"Cannot send a request body of type {type(data).__name__}") from None


def registered_payload(data: Any, *, encoding: str = "utf-8") -> Payload:
    """``get_payload(data)``, with text encoded in ``encoding``.

    Raises:
        PayloadLookupError: no payload is registered for ``data``.
    """
    if encoding != "utf-8" and isinstance(data, (str, io.StringIO)):
        text = data if isinstance(data, str) else data.read()
        return StringPayload(text, encoding=encoding)
    return PAYLOAD_REGISTRY.get(data)


# --- compression -----------------------------------------------------------------


class CompressedPayload(Payload):
    """A streamed body compressed piece by piece as it is sent (size unknown)."""

    __slots__ = ("_inner", "_coding")

    def __init__(self, inner: Payload, coding: str) -> None:
        super().__init__(None, content_type=inner.content_type)
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
    out = BytesPayload(
        compressor.compress(data) + compressor.flush(), content_type=payload.content_type
    )
    if payload._headers is not None:
        out._headers = payload._headers.copy()
    return out


def _compressor(coding: str, *, raw_deflate: bool = False) -> Any:
    coding = coding.lower()
    if coding == "deflate":
        return zlib_backend.module.compressobj(
            wbits=-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS
        )
    if coding == "gzip":
        return zlib_backend.module.compressobj(wbits=16 + zlib.MAX_WBITS)
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


def _as_bytes(piece: object) -> bytes:
    if isinstance(piece, str):
        return piece.encode("utf-8")
    if isinstance(piece, (bytes, bytearray, memoryview)):
        return bytes(piece)
    raise TypeError(f"Body pieces must be bytes, not {type(piece).__name__}")
