"""Tests for ``lamella_core._content.decoders``: gzip/deflate decoding, chains and the registry."""

from __future__ import annotations

import gzip
import itertools
import zlib
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamella_core._content.decoders import (
    ChainDecoder,
    ContentDecoder,
    DecoderRegistry,
    UnsupportedContentEncoding,
    ZlibDecoder,
    builtin_decoders,
    chain,
    parse_content_codings,
)
from lamella_core.exceptions import ClientPayloadError

PAYLOAD = b"The quick brown fox jumps over the lazy dog. " * 20


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def decode_all(decoder: ContentDecoder, pieces: list[bytes]) -> bytes:
    return b"".join(decoder.decompress(piece) for piece in pieces) + decoder.flush()


ENCODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "x-gzip": gzip.compress,
    "deflate": zlib.compress,
    "raw-deflate": raw_deflate,
}


@pytest.mark.parametrize("kind", sorted(ENCODERS))
def test_round_trip_whole(kind: str) -> None:
    token = "deflate" if kind == "raw-deflate" else kind
    encoded = ENCODERS[kind](PAYLOAD)
    assert decode_all(ZlibDecoder(token), [encoded]) == PAYLOAD


@pytest.mark.parametrize("kind", sorted(ENCODERS))
def test_round_trip_split_at_every_byte(kind: str) -> None:
    token = "deflate" if kind == "raw-deflate" else kind
    body = b"hello, hello, hello world"
    encoded = ENCODERS[kind](body)
    for cut in range(len(encoded) + 1):
        pieces = [encoded[:cut], encoded[cut:]]
        assert decode_all(ZlibDecoder(token), pieces) == body, cut
    # And one byte at a time.
    assert decode_all(ZlibDecoder(token), [bytes([b]) for b in encoded]) == body


@settings(max_examples=100, deadline=None)
@given(
    body=st.binary(max_size=2000),
    kind=st.sampled_from(sorted(ENCODERS)),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=8),
)
def test_round_trip_any_split(body: bytes, kind: str, cuts: list[int]) -> None:
    token = "deflate" if kind == "raw-deflate" else kind
    encoded = ENCODERS[kind](body)
    bounds = sorted({0, len(encoded), *(c % (len(encoded) + 1) for c in cuts)})
    pieces = [encoded[a:b] for a, b in itertools.pairwise(bounds)]
    assert decode_all(ZlibDecoder(token), pieces) == body


def test_gzip_concatenated_members() -> None:
    members = [gzip.compress(f"part {i};".encode()) for i in range(50)]
    expected = b"".join(f"part {i};".encode() for i in range(50))
    encoded = b"".join(members)
    assert decode_all(ZlibDecoder("gzip"), [encoded]) == expected
    assert decode_all(ZlibDecoder("gzip"), [bytes([b]) for b in encoded]) == expected
    # A member ending exactly at a piece boundary.
    assert decode_all(ZlibDecoder("gzip"), members) == expected


def test_deflate_ignores_bytes_after_the_stream_end() -> None:
    encoded = zlib.compress(PAYLOAD) + b"trailing"
    assert decode_all(ZlibDecoder("deflate"), [encoded]) == PAYLOAD


@pytest.mark.parametrize("token", ["gzip", "deflate"])
def test_corrupt_data(token: str) -> None:
    decoder = ZlibDecoder(token)
    message = f"Can not decode content-encoding: {token}"
    with pytest.raises(ClientPayloadError, match=message) as info:
        decoder.decompress(b"\x78\x9c this is not compressed at all")
    assert isinstance(info.value.__cause__, zlib.error)


def test_corrupt_gzip_header() -> None:
    with pytest.raises(ClientPayloadError, match="gzip"):
        ZlibDecoder("gzip").decompress(b"not gzip")


@pytest.mark.parametrize("kind", sorted(ENCODERS))
def test_truncated_stream_fails_at_flush(kind: str) -> None:
    token = "deflate" if kind == "raw-deflate" else kind
    encoded = ENCODERS[kind](PAYLOAD)
    decoder = ZlibDecoder(token)
    decoder.decompress(encoded[:-6])
    with pytest.raises(ClientPayloadError, match="truncated"):
        decoder.flush()


def test_truncated_second_gzip_member_fails_at_flush() -> None:
    decoder = ZlibDecoder("gzip")
    decoder.decompress(gzip.compress(b"one") + gzip.compress(b"two")[:5])
    with pytest.raises(ClientPayloadError):
        decoder.flush()


def test_empty_body_needs_no_data() -> None:
    decoder = ZlibDecoder("gzip")
    assert decoder.decompress(b"") == b""
    assert decoder.flush() == b""
    assert ZlibDecoder("deflate").flush() == b""


# --- chains -----------------------------------------------------------------


def test_chain_decodes_in_reverse_header_order() -> None:
    # "Content-Encoding: gzip, deflate": gzip applied first, then deflate.
    encoded = zlib.compress(gzip.compress(PAYLOAD))
    decoder = chain([ZlibDecoder("gzip"), ZlibDecoder("deflate")])
    assert isinstance(decoder, ChainDecoder)
    pieces = [encoded[i : i + 7] for i in range(0, len(encoded), 7)]
    assert decode_all(decoder, pieces) == PAYLOAD


def test_chain_of_one_is_the_decoder_itself() -> None:
    decoder = ZlibDecoder("gzip")
    assert chain([decoder]) is decoder
    with pytest.raises(ValueError):
        chain([])


def test_chain_flush_pushes_tails_through_later_stages() -> None:
    class Holding:
        """Buffers everything until flush, like a decoder at a block boundary."""

        def __init__(self) -> None:
            self.held = b""

        def decompress(self, data: bytes) -> bytes:
            self.held += data
            return b""

        def flush(self) -> bytes:
            return self.held

    inner = gzip.compress(PAYLOAD)
    decoder = chain([ZlibDecoder("gzip"), Holding()])
    assert decoder.decompress(inner) == b""
    assert decoder.flush() == PAYLOAD


# --- registry ---------------------------------------------------------------


def test_parse_content_codings() -> None:
    assert parse_content_codings([]) == []
    assert parse_content_codings(["identity"]) == []
    assert parse_content_codings([b"GZip , deflate", "br"]) == ["gzip", "deflate", "br"]
    assert parse_content_codings([" , identity,"]) == []


def test_builtin_registry() -> None:
    registry = builtin_decoders()
    assert registry.tokens == {"gzip", "x-gzip", "deflate"}
    assert "GZIP" in registry
    assert "br" not in registry
    factory = registry.get("Deflate")
    assert factory is not None
    assert decode_all(factory(), [zlib.compress(b"x")]) == b"x"
    assert registry.get("br") is None
    assert "gzip" in repr(registry)


def test_registry_rejects_duplicates_and_identity() -> None:
    registry = builtin_decoders()
    with pytest.raises(ValueError, match="already registered"):
        registry.register("GZIP", lambda: ZlibDecoder("gzip"))
    with pytest.raises(ValueError):
        registry.register("identity", lambda: ZlibDecoder("gzip"))
    with pytest.raises(ValueError):
        registry.register(" ", lambda: ZlibDecoder("gzip"))


def test_registry_copy_is_independent() -> None:
    registry = builtin_decoders()
    other = registry.copy()
    other.register("br", lambda: ZlibDecoder("gzip"))
    assert "br" in other
    assert "br" not in registry


def test_decoder_for() -> None:
    registry = builtin_decoders()
    assert registry.decoder_for([]) is None
    assert registry.decoder_for([b"identity"]) is None
    decoder = registry.decoder_for([b"gzip"])
    assert isinstance(decoder, ZlibDecoder)
    assert decode_all(decoder, [gzip.compress(b"abc")]) == b"abc"
    both = registry.decoder_for(["gzip", "deflate"])
    assert both is not None
    assert decode_all(both, [zlib.compress(gzip.compress(b"abc"))]) == b"abc"


def test_decoder_for_each_response_is_fresh() -> None:
    registry = builtin_decoders()
    assert registry.decoder_for(["gzip"]) is not registry.decoder_for(["gzip"])


def test_unknown_token_is_reported() -> None:
    registry = builtin_decoders()
    with pytest.raises(UnsupportedContentEncoding) as info:
        registry.decoder_for(["gzip, br"])
    assert info.value.token == "br"
    assert "br" in str(info.value)


def test_plugin_registered_decoder_is_used() -> None:
    class Upper:
        def decompress(self, data: bytes) -> bytes:
            return data.upper()

        def flush(self) -> bytes:
            return b""

    registry = DecoderRegistry()
    registry.register("upper", Upper)
    decoder = registry.decoder_for(["upper"])
    assert decoder is not None
    assert decode_all(decoder, [b"abc"]) == b"ABC"
