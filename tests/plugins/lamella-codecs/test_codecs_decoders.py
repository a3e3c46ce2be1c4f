"""BrotliDecoder and ZstdDecoder on their own: any split of the input, bounds, frames, errors."""

from __future__ import annotations

import os
import random

import brotli
import pytest
from backports import zstd
from codecs_helpers import COMPRESS, PLUGIN_CODINGS

from lamella_codecs import BrotliDecoder, ZstdDecoder
from lamella_core import ClientPayloadError

DECODERS = {"br": BrotliDecoder, "zstd": ZstdDecoder}
TEXT = b"lamella decodes what aiohttp decodes. " * 2000 + random.Random(20).randbytes(3000)


def decode_in_pieces(coding: str, data: bytes, size: int) -> bytes:
    decoder = DECODERS[coding]()
    out = [decoder.decompress(data[i : i + size]) for i in range(0, len(data), size)]
    return b"".join(out) + decoder.flush()


@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
@pytest.mark.parametrize("size", [1, 13, 4096, 1 << 20])
def test_any_split_of_the_stream_decodes_to_the_original(coding: str, size: int) -> None:
    assert decode_in_pieces(coding, COMPRESS[coding](TEXT), size) == TEXT


@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
def test_an_empty_body_is_not_a_truncated_stream(coding: str) -> None:
    decoder = DECODERS[coding]()
    assert decoder.decompress(b"") == b""
    assert decoder.flush() == b""


@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
def test_a_truncated_stream_fails_at_flush(coding: str) -> None:
    data = COMPRESS[coding](TEXT)
    decoder = DECODERS[coding]()
    decoded = decoder.decompress(data[: len(data) // 2])
    assert TEXT.startswith(decoded)
    with pytest.raises(ClientPayloadError, match=f"content-encoding: {coding} .*truncated"):
        decoder.flush()


@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
def test_corrupt_data_is_a_payload_error(coding: str) -> None:
    data = bytearray(COMPRESS[coding](TEXT))
    data[:8] = b"\xff" * 8
    with pytest.raises(ClientPayloadError, match=f"content-encoding: {coding}"):
        decode_in_pieces(coding, bytes(data), 1000)


def test_bytes_after_the_end_of_a_brotli_stream_are_refused() -> None:
    with pytest.raises(ClientPayloadError, match="content-encoding: br"):
        decode_in_pieces("br", brotli.compress(b"one") + b"junk", 1 << 10)
    decoder = BrotliDecoder()
    assert decoder.decompress(brotli.compress(b"one")) == b"one"
    with pytest.raises(ClientPayloadError, match="after the end"):
        decoder.decompress(b"junk")


def test_concatenated_and_skippable_zstd_frames_decode_in_order() -> None:
    skippable = b"\x50\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"meta!"
    frames = zstd.compress(b"first,") + skippable + zstd.compress(b"second,") + zstd.compress(b"")
    data = frames + zstd.compress(TEXT)
    for size in (1, 5, len(data)):
        assert decode_in_pieces("zstd", data, size) == b"first,second," + TEXT


def test_many_tiny_zstd_frames_in_one_chunk() -> None:
    frame = zstd.compress(b"x")
    decoder = ZstdDecoder()
    assert decoder.decompress(frame * 20_000) == b"x" * 20_000
    assert decoder.flush() == b""


def test_a_stream_cut_between_zstd_frames_is_complete_but_inside_one_is_not() -> None:
    frame = zstd.compress(b"abc")
    decoder = ZstdDecoder()
    assert decoder.decompress(frame + frame[:3]) == b"abc"
    with pytest.raises(ClientPayloadError, match="truncated"):
        decoder.flush()


def test_garbage_after_a_zstd_frame_is_refused() -> None:
    with pytest.raises(ClientPayloadError, match="zstd"):
        decode_in_pieces("zstd", zstd.compress(b"abc") + b"garbage!", 1 << 10)


def test_a_zstd_window_over_8_mib_is_refused() -> None:
    options = {zstd.CompressionParameter.window_log: 24}
    big_window = zstd.compress(os.urandom(1 << 10) * (20 << 10), options=options)
    with pytest.raises(ClientPayloadError, match="zstd"):
        decode_in_pieces("zstd", big_window, 1 << 16)


@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
@pytest.mark.parametrize("bound", [1, 1000, 100_000])
def test_bounded_calls_return_at_most_the_bound(coding: str, bound: int) -> None:
    data = COMPRESS[coding](b"\0" * (4 << 20))
    decoder = DECODERS[coding]()
    result = decoder.decompress_bounded(data, bound)
    assert result == b"\0" * bound
