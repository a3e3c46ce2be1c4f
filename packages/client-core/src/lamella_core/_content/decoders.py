"""Incremental ``Content-Encoding`` decoders (RFC 9110 section 8.4).

A response names its codings in the order they were applied, so they are
undone in reverse: ``Content-Encoding: gzip, deflate`` is inflated first and
gunzipped second. Core knows ``gzip`` (alias ``x-gzip``) and ``deflate``;
plugins add other tokens through a ``DecoderRegistry`` (brotli, zstd).

``deflate`` is specified as a zlib stream (RFC 1950), but some servers send
raw deflate (RFC 1951). Like browsers, the decoder sniffs the first byte: a
zlib header always has compression method 8 in its low nibble, which a raw
deflate block header can never produce.

A token without a decoder makes ``DecoderRegistry.decoder_for`` raise
``UnsupportedContentEncoding``. For a coding a lamella distribution decodes
(``br`` and ``zstd``: lamella-codecs) the body is refused with an error that
names it, as aiohttp refuses ``br`` without Brotli; any other token is handed
over undecoded, as aiohttp does for encodings it does not know.

Bounds (compression bombs): :func:`limited` wraps any decoder in a
``LimitedDecoder`` that counts bytes in and out per response and raises
``DecompressionLimitExceeded`` past ``max_size`` or past ``max_ratio``
times the input (once the output passes ``ratio_floor``). A decoder that
also has ``decompress_bounded(data, max_length)`` (core's zlib decoders
and chains do) is asked for at most the bytes still allowed plus one, so a
bomb is stopped after producing that much, never inflated whole into
memory first; a plugin decoder without it is checked after each call.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from typing import Final, Protocol

from lamella_core.exceptions import ClientPayloadError, DecompressionLimitExceeded

from . import zlib_backend

__all__ = [
    "ChainDecoder",
    "ContentDecoder",
    "DecoderFactory",
    "DecoderRegistry",
    "LimitedDecoder",
    "StageOverflow",
    "UnsupportedContentEncoding",
    "ZlibDecoder",
    "builtin_decoders",
    "chain",
    "limited",
    "parse_content_codings",
]

# Smallest and largest slice fed to a fresh decompressor when a chunk holds
# several gzip members; doubling keeps the copies zlib makes of unused_data
# linear instead of quadratic in the number of members.
_MEMBER_WINDOW_MIN: Final = 256
_MEMBER_WINDOW_MAX: Final = 64 * 1024


class ContentDecoder(Protocol):
    """One response's incremental decoder for one or more content codings."""

    def decompress(self, data: bytes) -> bytes:
        """Decode the next piece of the body; may return ``b""`` while buffering.

        Raises:
            ClientPayloadError: The data is not valid for this coding.
        """

    def flush(self) -> bytes:
        """Return what is still buffered once the body has ended.

        Raises:
            ClientPayloadError: The encoded stream was truncated.
        """


DecoderFactory = Callable[[], ContentDecoder]


# Codings that a lamella distribution decodes, for the error naming what to install.
_DECODED_BY: Final = {"br": "lamella-codecs", "zstd": "lamella-codecs"}


class UnsupportedContentEncoding(LookupError):
    """A ``Content-Encoding`` token has no registered decoder.

    Args:
        token: The lowercase token that could not be decoded.

    Attributes:
        distribution: The lamella distribution that decodes ``token``
            (``"lamella-codecs"`` for ``br`` and ``zstd``), or None.
    """

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.token = token
        self.distribution: str | None = _DECODED_BY.get(token)

    def __str__(self) -> str:
        message = f"No decoder registered for content-encoding: {self.token}"
        if self.distribution is None:
            return message
        return (
            f"{message}; install {self.distribution} (pip install {self.distribution}, "
            "or the lamella meta-package), or pass auto_decompress=False for the raw body"
        )


class ZlibDecoder:
    """Decodes ``gzip`` (with concatenated members) or ``deflate`` (zlib or raw).

    Args:
        encoding: The token being decoded, used to pick the format and in errors.
    """

    __slots__ = ("_encoding", "_gzip", "_obj", "_seen_data")

    def __init__(self, encoding: str = "gzip") -> None:
        self._encoding = encoding
        self._gzip = encoding in ("gzip", "x-gzip")
        self._seen_data = False
        self._obj: zlib._Decompress | None = (
            zlib_backend.module.decompressobj(16 + zlib.MAX_WBITS) if self._gzip else None
        )

    def __repr__(self) -> str:
        return f"<ZlibDecoder {self._encoding}>"

    def decompress(self, data: bytes) -> bytes:
        """Decode the next piece of the body.

        Raises:
            ClientPayloadError: The data is corrupt.
        """
        return self.decompress_bounded(data, 0)

    def decompress_bounded(self, data: bytes, max_length: int) -> bytes:
        """Decode the next piece, returning at most ``max_length`` bytes (0: no bound).

        When the bound is reached, the input left over is dropped: the
        caller is expected to refuse the body, since it asked for one byte
        more than it allows.

        Raises:
            ClientPayloadError: The data is corrupt.
        """
        if not data:
            return b""
        self._seen_data = True
        try:
            obj = self._obj
            if obj is None:
                obj = self._obj = zlib_backend.module.decompressobj(_deflate_wbits(data[0]))
            elif obj.eof:
                return self._after_end(data, b"", max_length)
            result = obj.decompress(data, max_length)
            if max_length and len(result) >= max_length:
                return result
            if obj.eof and obj.unused_data:
                result = self._after_end(obj.unused_data, result, max_length)
            return result
        except zlib_backend.errors as exc:
            raise self._error() from exc

    def flush(self) -> bytes:
        """Return the decoder's tail once the body has ended.

        Raises:
            ClientPayloadError: The encoded stream stopped before its end.
        """
        obj = self._obj
        if obj is None or not self._seen_data:
            return b""
        try:
            tail = obj.flush()
        except zlib_backend.errors as exc:
            raise self._error() from exc
        if not obj.eof:
            raise self._error("the compressed stream is truncated")
        return tail

    def _after_end(self, data: bytes, first: bytes = b"", max_length: int = 0) -> bytes:
        """Decode bytes that follow a finished stream: more gzip members, or ignored."""
        if not self._gzip:
            # Bytes after the end of a deflate stream carry nothing; browsers drop them.
            return first
        parts = [first]
        produced = len(first)
        view = memoryview(data)
        pos = 0
        window = _MEMBER_WINDOW_MIN
        obj = self._obj
        assert obj is not None
        while pos < len(view):
            if obj.eof:
                obj = self._obj = zlib_backend.module.decompressobj(16 + zlib.MAX_WBITS)
                window = _MEMBER_WINDOW_MIN
            end = min(pos + window, len(view))
            if max_length:
                piece = obj.decompress(view[pos:end], max_length - produced)
                parts.append(piece)
                produced += len(piece)
                if produced >= max_length:
                    break
            else:
                parts.append(obj.decompress(view[pos:end]))
            if obj.eof:
                pos = end - len(obj.unused_data)
            else:
                pos = end - len(obj.unconsumed_tail)
                window = min(window * 2, _MEMBER_WINDOW_MAX)
        return b"".join(parts)

    def _error(self, detail: str | None = None) -> ClientPayloadError:
        message = f"Can not decode content-encoding: {self._encoding}"
        return ClientPayloadError(f"{message} ({detail})" if detail else message)


def _deflate_wbits(first_byte: int) -> int:
    """Pick zlib-wrapped or raw deflate from the stream's first byte."""
    # A zlib header's low nibble is CM = 8 and its high nibble CINFO <= 7; a raw
    # deflate block starts with BFINAL and BTYPE and never yields that pattern.
    if first_byte & 0x0F == 8 and first_byte >> 4 <= 7:
        return zlib.MAX_WBITS
    return -zlib.MAX_WBITS


class ChainDecoder:
    """Undoes several codings, given in the order the header lists them.

    Args:
        decoders: One decoder per coding, in header (application) order.
    """

    __slots__ = ("_decoders",)

    def __init__(self, decoders: Sequence[ContentDecoder]) -> None:
        # Stored in decoding order: the last coding applied is undone first.
        self._decoders = tuple(reversed(decoders))

    def __repr__(self) -> str:
        return f"<ChainDecoder {list(self._decoders)!r}>"

    def decompress(self, data: bytes) -> bytes:
        """Pass the piece through every decoder, last-applied coding first."""
        for decoder in self._decoders:
            if not data:
                return b""
            data = decoder.decompress(data)
        return data

    def decompress_bounded(self, data: bytes, max_length: int) -> bytes:
        """Like ``decompress``, returning at most ``max_length`` bytes.

        The intermediate stages are bounded too, so that a bomb nested inside
        another coding is stopped before it is inflated: each may produce at
        most ``2 * max_length + 64 KiB`` (their output is compressed data,
        which a well-formed final stage never shrinks by half); past that,
        :class:`StageOverflow` is raised.
        """
        last = len(self._decoders) - 1
        for index, decoder in enumerate(self._decoders):
            if not data:
                return b""
            if index == last or not max_length:
                data = _bounded_call(decoder, data, max_length)
            else:
                cap = 2 * max_length + _INTERMEDIATE_SLACK
                data = _bounded_call(decoder, data, cap)
                if len(data) >= cap:
                    raise StageOverflow(index, cap)
        return data

    def flush(self) -> bytes:
        """Flush each stage and push its tail through the stages after it."""
        data = b""
        for decoder in self._decoders:
            data = decoder.decompress(data) + decoder.flush() if data else decoder.flush()
        return data


_INTERMEDIATE_SLACK: Final = 64 * 1024


class StageOverflow(Exception):
    """An intermediate stage of a bounded chain produced more than its cap.

    ``LimitedDecoder`` turns it into ``DecompressionLimitExceeded``.
    """

    def __init__(self, stage: int, cap: int) -> None:
        super().__init__(f"content coding stage {stage} produced more than {cap} bytes")
        self.stage = stage
        self.cap = cap


def _bounded_call(decoder: ContentDecoder, data: bytes, max_length: int) -> bytes:
    bounded = getattr(decoder, "decompress_bounded", None)
    if bounded is not None and max_length:
        result: bytes = bounded(data, max_length)
        return result
    return decoder.decompress(data)


class LimitedDecoder:
    """Counts one response's bytes in and out of ``inner`` and enforces bounds.

    Args:
        inner: The decoder of the response's codings.
        max_size: Most decompressed bytes allowed (None: no bound).
        max_ratio: Most decompressed bytes per compressed byte (None: no bound).
        ratio_floor: Output size below which the ratio is not checked.

    Raises (from ``decompress``/``flush``):
        DecompressionLimitExceeded: A bound was crossed; the body must be
            dropped and the connection closed.
    """

    __slots__ = ("_in", "_inner", "_max_ratio", "_max_size", "_out", "_ratio_floor")

    def __init__(
        self,
        inner: ContentDecoder,
        *,
        max_size: int | None = None,
        max_ratio: float | None = None,
        ratio_floor: int = 0,
    ) -> None:
        self._inner = inner
        self._max_size = max_size
        self._max_ratio = max_ratio
        self._ratio_floor = ratio_floor
        self._in = 0
        self._out = 0

    def __repr__(self) -> str:
        return (
            f"<LimitedDecoder {self._inner!r} in={self._in} out={self._out} "
            f"max_size={self._max_size} max_ratio={self._max_ratio}>"
        )

    @property
    def bytes_in(self) -> int:
        """Compressed bytes fed so far."""
        return self._in

    @property
    def bytes_out(self) -> int:
        """Decompressed bytes returned so far."""
        return self._out

    def _allowed(self) -> int | None:
        """Total output allowed for the input seen so far (None: unbounded)."""
        allowed: int | None = self._max_size
        if self._max_ratio is not None:
            by_ratio = max(self._ratio_floor, int(self._max_ratio * self._in))
            allowed = by_ratio if allowed is None else min(allowed, by_ratio)
        return allowed

    def decompress(self, data: bytes) -> bytes:
        """Decode the next piece within the bounds."""
        if not data:
            return b""
        self._in += len(data)
        allowed = self._allowed()
        if allowed is None:
            result = self._inner.decompress(data)
        else:
            # One byte more than allowed tells "at the limit" from "over it".
            try:
                result = _bounded_call(self._inner, data, allowed - self._out + 1)
            except StageOverflow as exc:
                raise self._over(exc.cap) from exc
        return self._count(result)

    def _over(self, produced: int) -> DecompressionLimitExceeded:
        """The error for output of ``produced`` bytes past the allowance."""
        if self._max_size is not None and (
            self._max_ratio is None or self._max_size <= self._max_ratio * self._in
        ):
            return DecompressionLimitExceeded("max_decompressed_size", self._max_size, produced)
        assert self._max_ratio is not None
        return DecompressionLimitExceeded(
            "max_compression_ratio", self._max_ratio, produced / max(self._in, 1)
        )

    def flush(self) -> bytes:
        """Return the tail within the bounds."""
        return self._count(self._inner.flush())

    def _count(self, result: bytes) -> bytes:
        self._out += len(result)
        if self._max_size is not None and self._out > self._max_size:
            raise DecompressionLimitExceeded("max_decompressed_size", self._max_size, self._out)
        if (
            self._max_ratio is not None
            and self._out > self._ratio_floor
            and self._out > self._max_ratio * self._in
        ):
            raise DecompressionLimitExceeded(
                "max_compression_ratio", self._max_ratio, self._out / max(self._in, 1)
            )
        return result


def limited(
    decoder: ContentDecoder,
    *,
    max_size: int | None = None,
    max_ratio: float | None = None,
    ratio_floor: int = 0,
) -> ContentDecoder:
    """Wrap ``decoder`` in a :class:`LimitedDecoder`, or return it when nothing is bounded."""
    if max_size is None and max_ratio is None:
        return decoder
    return LimitedDecoder(decoder, max_size=max_size, max_ratio=max_ratio, ratio_floor=ratio_floor)


def chain(decoders: Sequence[ContentDecoder]) -> ContentDecoder:
    """Combine decoders given in header order into one; a single one is returned as is.

    Raises:
        ValueError: ``decoders`` is empty.
    """
    if not decoders:
        raise ValueError("chain() needs at least one decoder")
    if len(decoders) == 1:
        return decoders[0]
    return ChainDecoder(decoders)


def parse_content_codings(values: Iterable[str | bytes]) -> list[str]:
    """Split ``Content-Encoding`` field values into lowercase tokens, dropping ``identity``.

    Args:
        values: Every field value of the header, as ``str`` or raw ``bytes``.
    """
    tokens: list[str] = []
    for value in values:
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        for item in text.split(","):
            token = item.strip().lower()
            if token and token != "identity":
                tokens.append(token)
    return tokens


class DecoderRegistry:
    """Maps lowercase ``Content-Encoding`` tokens to decoder factories.

    Built once per session (core's codings, then plugins'), so the request
    path only looks tokens up.
    """

    __slots__ = ("_factories",)

    def __init__(self) -> None:
        self._factories: dict[str, DecoderFactory] = {}

    def __repr__(self) -> str:
        return f"<DecoderRegistry {sorted(self._factories)}>"

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str) and token.lower() in self._factories

    @property
    def tokens(self) -> frozenset[str]:
        """The registered tokens, for ``Accept-Encoding`` and error messages."""
        return frozenset(self._factories)

    def register(self, token: str, factory: DecoderFactory) -> None:
        """Register ``factory`` for ``token`` (matched case-insensitively).

        Raises:
            ValueError: The token is empty, ``identity``, or already registered.
        """
        key = token.strip().lower()
        if not key or key == "identity":
            raise ValueError(f"Cannot register a decoder for content-encoding {token!r}")
        if key in self._factories:
            raise ValueError(f"A decoder for content-encoding {key!r} is already registered")
        self._factories[key] = factory

    def get(self, token: str) -> DecoderFactory | None:
        """Return the factory for ``token``, or None when none is registered."""
        return self._factories.get(token.lower())

    def copy(self) -> DecoderRegistry:
        """Return an independent registry with the same entries."""
        other = DecoderRegistry()
        other._factories.update(self._factories)
        return other

    def decoder_for(self, values: Iterable[str | bytes]) -> ContentDecoder | None:
        """Build the decoder for a response's ``Content-Encoding`` values.

        Returns:
            None when the body needs no decoding (no header, or only ``identity``).

        Raises:
            UnsupportedContentEncoding: A token has no decoder; the body
                should then be delivered undecoded.
        """
        tokens = parse_content_codings(values)
        if not tokens:
            return None
        decoders: list[ContentDecoder] = []
        for token in tokens:
            factory = self._factories.get(token)
            if factory is None:
                raise UnsupportedContentEncoding(token)
            decoders.append(factory())
        return chain(decoders)


def _gzip() -> ContentDecoder:
    return ZlibDecoder("gzip")


def _x_gzip() -> ContentDecoder:
    return ZlibDecoder("x-gzip")


def _deflate() -> ContentDecoder:
    return ZlibDecoder("deflate")


def builtin_decoders() -> DecoderRegistry:
    """Return a new registry holding core's codings: ``gzip``, ``x-gzip`` and ``deflate``."""
    registry = DecoderRegistry()
    registry.register("gzip", _gzip)
    registry.register("x-gzip", _x_gzip)
    registry.register("deflate", _deflate)
    return registry
