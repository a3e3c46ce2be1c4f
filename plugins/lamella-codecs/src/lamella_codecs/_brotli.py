"""The ``br`` content coding (RFC 7932), decoded incrementally.

CPython uses the ``brotli`` package; PyPy, which it has no build for, uses
``brotlicffi``, which offers the same ``Decompressor``. Both take an output
limit per call since 1.2, which lets lamella stop a decompression bomb after
producing what the limits allow instead of inflating a whole chunk first.
"""

from __future__ import annotations

import sys

from ._errors import decode_error

if sys.implementation.name == "pypy":
    import brotlicffi as brotli  # type: ignore[import-not-found, unused-ignore]
else:
    import brotli  # type: ignore[import-untyped, unused-ignore]

__all__ = ["BrotliDecoder"]


class BrotliDecoder:
    """Decodes one response body compressed with Brotli.

    A Brotli stream has an end marker and no framing for concatenation, so
    bytes after the end are refused as corrupt, and a body that ends before
    the marker is refused as truncated.
    """

    __slots__ = ("_obj", "_seen_data")

    def __init__(self) -> None:
        self._obj = brotli.Decompressor()
        self._seen_data = False

    def __repr__(self) -> str:
        return "<BrotliDecoder>"

    def decompress(self, data: bytes) -> bytes:
        """Decode the next piece of the body.

        Raises:
            ClientPayloadError: The data is not valid Brotli.
        """
        return self.decompress_bounded(data, 0)

    def decompress_bounded(self, data: bytes, max_length: int) -> bytes:
        """Decode the next piece, returning at most ``max_length`` bytes (0: no bound).

        lamella-core's limits call this with one byte more than they allow,
        and refuse the body when that much comes back; the input left over
        is then never needed.

        Raises:
            ClientPayloadError: The data is not valid Brotli, or follows the end of the stream.
        """
        if not data:
            return b""
        self._seen_data = True
        obj = self._obj
        if obj.is_finished():
            raise decode_error("br", "data after the end of the compressed stream")
        try:
            if not max_length:
                result: bytes = obj.process(data)
                return result
            result = obj.process(data, output_buffer_limit=max_length)
        except brotli.error as exc:
            raise decode_error("br") from exc
        # The output buffer grows in blocks, so it may overshoot the limit.
        return result if len(result) <= max_length else result[:max_length]

    def flush(self) -> bytes:
        """Check that the stream reached its end marker; Brotli buffers no output.

        Raises:
            ClientPayloadError: The body stopped before the end of the stream.
        """
        if self._seen_data and not self._obj.is_finished():
            raise decode_error("br", "the compressed stream is truncated")
        return b""
