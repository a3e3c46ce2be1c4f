"""The ``zstd`` content coding (RFC 8878, RFC 9659), decoded incrementally.

Python 3.14 has Zstandard in the standard library (``compression.zstd``);
``backports.zstd`` is the same module for earlier versions. A body may hold
several frames one after another (and skippable frames); each is decoded by
a fresh decompressor. The window is capped at 8 MiB as RFC 9659 asks of
HTTP decoders, so a frame cannot make lamella allocate a huge window.
"""

from __future__ import annotations

import sys
from typing import Final

from ._errors import decode_error

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

__all__ = ["ZstdDecoder"]

# RFC 9659 section 3: HTTP's zstd is limited to an 8 MiB window (2**23).
_WINDOW_LOG_MAX: Final = 23
_OPTIONS: Final[dict[int, int]] = {zstd.DecompressionParameter.window_log_max: _WINDOW_LOG_MAX}

# Smallest and largest slice fed to a decompressor at once: a chunk packed
# with tiny frames would otherwise be copied (as unused_data) once per frame.
_WINDOW_MIN: Final = 256
_WINDOW_MAX: Final = 64 * 1024


def _decompressor() -> zstd.ZstdDecompressor:
    return zstd.ZstdDecompressor(options=_OPTIONS)


class ZstdDecoder:
    """Decodes one response body compressed with Zstandard, frame after frame."""

    __slots__ = ("_obj", "_in_frame")

    def __init__(self) -> None:
        self._obj = _decompressor()
        self._in_frame = False

    def __repr__(self) -> str:
        return "<ZstdDecoder>"

    def decompress(self, data: bytes) -> bytes:
        """Decode the next piece of the body.

        Raises:
            ClientPayloadError: The data is not valid Zstandard.
        """
        return self.decompress_bounded(data, 0)

    def decompress_bounded(self, data: bytes, max_length: int) -> bytes:
        """Decode the next piece, returning at most ``max_length`` bytes (0: no bound).

        When the bound is reached the input left over is dropped: lamella-core
        asks for one byte more than its limits allow and refuses the body
        when it gets it.

        Raises:
            ClientPayloadError: The data is not valid Zstandard, or a frame
                needs a window larger than 8 MiB.
        """
        parts: list[bytes] = []
        produced = 0
        view = memoryview(data)
        pos = 0
        window = _WINDOW_MIN
        obj = self._obj
        try:
            while pos < len(view):
                if obj.eof:
                    obj = self._obj = _decompressor()
                    window = _WINDOW_MIN
                self._in_frame = True
                end = min(pos + window, len(view))
                piece = obj.decompress(view[pos:end], max_length - produced if max_length else -1)
                parts.append(piece)
                produced += len(piece)
                if max_length and produced >= max_length:
                    break
                if obj.eof:
                    self._in_frame = False
                    pos = end - len(obj.unused_data)
                else:
                    pos = end
                    window = min(window * 2, _WINDOW_MAX)
        except zstd.ZstdError as exc:
            raise decode_error("zstd", str(exc)) from exc
        return b"".join(parts)

    def flush(self) -> bytes:
        """Check that the body ended at a frame boundary; output is never held back.

        Raises:
            ClientPayloadError: The body stopped inside a frame.
        """
        if self._in_frame:
            raise decode_error("zstd", "the compressed stream is truncated")
        return b""
