"""Compressed request bodies (``compress=``), compressed piece by piece as they are sent."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator
from typing import Any

from . import zlib_backend
from .payloads import BytesPayload, Payload

__all__ = ["CompressedPayload", "compress_coding", "compress_payload", "new_compressor"]

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
        compressor = new_compressor(self._coding)
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
    compressor = new_compressor(coding)
    data = payload.data
    if data is None:
        return CompressedPayload(payload, coding)
    out = BytesPayload(
        compressor.compress(data) + compressor.flush(), content_type=payload.content_type
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
