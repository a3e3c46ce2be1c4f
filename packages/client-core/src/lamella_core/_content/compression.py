"""Compressed request bodies (``compress=``), compressed piece by piece as they are sent."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from . import zlib_backend
from .payloads import BytesPayload, Payload

__all__ = [
    "CompressedBytesPayload",
    "CompressedPayload",
    "compress_coding",
    "compress_payload",
    "new_compressor",
    "plain_bytes_counter",
]

# --- compression -----------------------------------------------------------------


class CompressedPayload(Payload):
    """A streamed body compressed piece by piece as it is sent (size unknown)."""

    __slots__ = ("_inner", "_coding", "plain_read")

    def __init__(self, inner: Payload, coding: str) -> None:
        super().__init__(None, content_type=inner.content_type)
        self._inner = inner
        self._coding = coding
        self.plain_read = 0  # bytes of the inner body compressed so far, this send
        if inner._headers is not None:
            self._headers = inner._headers.copy()

    @property
    def reusable(self) -> bool:
        return self._inner.reusable

    async def chunks(self) -> AsyncIterator[bytes]:
        compressor = new_compressor(self._coding)
        self.plain_read = 0
        async for piece in self._inner.chunks():
            self.plain_read += len(piece)
            out = compressor.compress(piece)
            if out:
                yield out
        yield compressor.flush()

    async def close(self) -> None:
        await self._inner.close()


class CompressedBytesPayload(BytesPayload):
    """An in-memory body compressed once; ``plain_size`` is its size before."""

    __slots__ = ("plain_size",)
    _warns_when_large = False  # the body it was made of has warned already

    def __init__(self, compressed: bytes, plain_size: int, content_type: str | None) -> None:
        super().__init__(compressed, content_type=content_type)
        self.plain_size = plain_size


def plain_bytes_counter(body: Payload) -> Callable[[int], int]:
    """For upload progress: a function that maps the size of each piece of
    ``body`` sent to the bytes before compression it carries (what
    aiohttp's ``UploadTracker.bytes_written`` counts)."""
    if isinstance(body, CompressedBytesPayload):
        return lambda _sent: body.plain_size  # sent in one piece
    if isinstance(body, CompressedPayload):
        reported = 0

        def since_last(_sent: int) -> int:
            nonlocal reported
            delta, reported = body.plain_read - reported, body.plain_read
            return delta

        return since_last
    return lambda sent: sent


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
    compressor = new_compressor(coding)
    data = payload.data
    if data is None:
        return CompressedPayload(payload, coding)
    out = CompressedBytesPayload(
        compressor.compress(data) + compressor.flush(), len(data), payload.content_type
    )
    if payload._headers is not None:
        out._headers = payload._headers.copy()
    return out


def new_compressor(coding: str, *, raw_deflate: bool = False) -> Any:
    coding = coding.lower()
    if coding == "deflate":
        return zlib_backend.module.compressobj(
            wbits=-zlib.MAX_WBITS if raw_deflate else zlib.MAX_WBITS
        )
    if coding == "gzip":
        return zlib_backend.module.compressobj(wbits=16 + zlib.MAX_WBITS)
    raise ValueError(f"Cannot compress a request body with {coding!r}: use deflate or gzip")
