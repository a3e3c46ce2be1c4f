"""Property tests of the wire layer and the decoders, beyond tests/core.

tests/core/test_wire_parser.py checks splits of *valid* responses and the
agreement of the two parsers on short random bytes. Here:

* responses built from a model (status, headers, body, chunk sizes,
  trailers) parse back to exactly that model, both parsers, any split;
* valid responses with a few bytes mutated (CR, LF, NUL, SP, colon, digits)
  give the same outcome in both parsers and under any split;
* the request writer, fed any Unicode (line and paragraph separators,
  NEL, NUL, bare CR/LF), either refuses or writes one line per header
  that reads back to exactly what was given;
* the content decoders return the data whatever the piece sizes, and a
  bounded decoder never returns more than its bound;
* the pure-Python header regex runs in linear time (a ReDoS regression).
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import textwrap
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import PARSERS

from lamella_core._content.decoders import ZlibDecoder, chain, limited
from lamella_core._wire import (
    Body,
    ChunkEnd,
    Informational,
    ResponseEnd,
    ResponseHead,
    WireError,
    serialize_request_head,
)
from lamella_core.exceptions import ClientPayloadError, DecompressionLimitExceeded

_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_names = st.text(alphabet=_TCHAR, min_size=1, max_size=12).filter(
    lambda n: n.lower() not in ("content-length", "transfer-encoding", "connection")
)
# Field values as the parsers return them: no leading or trailing whitespace.
_values = st.binary(max_size=20).map(
    lambda b: bytes(c for c in b if c == 0x09 or 0x20 <= c <= 0x7E or c >= 0x80).strip(b" \t")
)


def _run(cls: type, pieces: list[bytes], method: str = "GET") -> object:
    parser = cls(max_line_size=512, max_field_size=512, max_headers=64)
    parser.start(method)
    events: list[object] = []
    try:
        for piece in pieces:
            events.extend(parser.feed(piece))
        events.extend(parser.feed_eof())
    except WireError:
        return "WireError"
    merged: list[object] = []
    for event in events:
        if isinstance(event, ChunkEnd) or (isinstance(event, Body) and not event.data):
            continue
        if isinstance(event, Body) and merged and isinstance(merged[-1], Body):
            merged[-1] = Body(merged[-1].data + event.data)
        else:
            merged.append(event)
    return merged, parser.leftover


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@st.composite
def _modelled_responses(draw: st.DrawFn) -> tuple[bytes, dict[str, object]]:
    status = draw(st.integers(200, 599).filter(lambda s: s not in (204, 304)))
    headers = draw(st.lists(st.tuples(_names, _values), max_size=5))
    body = draw(st.binary(max_size=300))
    chunked = draw(st.booleans())
    informational = draw(st.sampled_from([b"", b"HTTP/1.1 100 Continue\r\n\r\n"]))
    head = b"HTTP/1.1 %d Reason\r\n" % status
    head += b"".join(n.encode() + b": " + v + b"\r\n" for n, v in headers)
    trailers: list[tuple[str, bytes]] = []
    if chunked:
        sizes = draw(st.lists(st.integers(1, 64), max_size=8))
        pieces, pos = [], 0
        for size in sizes:
            if pos < len(body):
                pieces.append(body[pos : pos + size])
                pos += size
        if pos < len(body):
            pieces.append(body[pos:])
        trailers = draw(st.lists(st.tuples(_names, _values), max_size=2))
        framed = b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in pieces)
        framed += b"0\r\n" + b"".join(n.encode() + b": " + v + b"\r\n" for n, v in trailers)
        data = head + b"Transfer-Encoding: chunked\r\n\r\n" + framed + b"\r\n"
    else:
        data = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    model = {
        "status": status,
        "headers": [(n.encode(), v) for n, v in headers],
        "body": body,
        "trailers": tuple((n.encode(), v) for n, v in trailers),
        "informational": bool(informational),
    }
    return informational + data, model


@_SETTINGS
@given(response=_modelled_responses(), cuts=st.lists(st.integers(0), max_size=8))
def test_modelled_responses_parse_back_to_their_model(
    response: tuple[bytes, dict[str, object]], cuts: list[int]
) -> None:
    data, model = response
    for cls in PARSERS:
        result = _run(cls, _split(data, cuts))
        assert result != "WireError", (cls.__name__, data)
        events, leftover = result  # type: ignore[misc]
        assert leftover == b""
        if model["informational"]:
            assert isinstance(events[0], Informational)
            events = events[1:]
        head = events[0]
        assert isinstance(head, ResponseHead)
        assert head.status == model["status"]
        framing = (b"content-length", b"transfer-encoding")
        assert [h for h in head.headers if h[0].lower() not in framing] == model["headers"]
        body = b"".join(e.data for e in events if isinstance(e, Body))
        assert body == model["body"]
        end = events[-1]
        assert isinstance(end, ResponseEnd)
        assert end.trailers == model["trailers"]


_NASTY = [b"\r", b"\n", b"\r\n", b"\x00", b" ", b"\t", b":", b"0", b"9", b";", b"\xff", b"-"]


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    data, _ = draw(_modelled_responses())
    for _ in range(draw(st.integers(1, 3))):
        pos = draw(st.integers(0, len(data)))
        replacement = draw(st.sampled_from(_NASTY))
        if draw(st.booleans()):
            data = data[:pos] + replacement + data[pos + 1 :]
        else:
            data = data[:pos] + replacement + data[pos:]
    return data


@_SETTINGS
@given(
    data=_mutated(),
    cuts=st.lists(st.integers(0), max_size=6),
    method=st.sampled_from(["GET", "HEAD", "POST"]),
)
def test_mutated_responses_same_outcome_in_both_parsers_and_any_split(
    data: bytes, cuts: list[int], method: str
) -> None:
    reference = _run(PARSERS[0], [data], method)
    for cls in PARSERS:
        assert _run(cls, [data], method) == reference, cls.__name__
        assert _run(cls, _split(data, cuts), method) == reference, cls.__name__


# --- the request writer ------------------------------------------------------------

_any_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            ["\r", "\n", "\x00", "\x0b", "\x0c", "\x85", "\u2028", "\u2029", "\t", " "]
        ),
        st.characters(),
    ),
    max_size=16,
)


@_SETTINGS
@given(
    method=st.one_of(st.sampled_from(["GET", "POST"]), _any_text),
    target=st.one_of(st.just("/"), _any_text),
    headers=st.lists(st.tuples(st.one_of(_names, _any_text), _any_text), max_size=5),
)
def test_writer_never_lets_a_line_break_through(
    method: str, target: str, headers: list[tuple[str, str]]
) -> None:
    try:
        head = serialize_request_head(method, target, headers)
    except (ValueError, UnicodeEncodeError):
        return
    assert b"\x00" not in head
    lines = head.split(b"\r\n")
    assert lines[-2:] == [b"", b""]
    assert len(lines) == len(headers) + 3
    for line in lines:
        assert b"\r" not in line
        assert b"\n" not in line
    assert lines[0] == f"{method} {target} HTTP/1.1".encode()
    for line, (name, value) in zip(lines[1:-2], headers, strict=True):
        got_name, _, got_value = line.partition(b": ")
        assert got_name == name.encode("ascii")
        assert got_value == value.encode()


# --- decoders ------------------------------------------------------------------------


def _decode_in_pieces(decoder: object, data: bytes, size: int) -> bytes:
    out = [decoder.decompress(data[i : i + size]) for i in range(0, len(data), size)]  # type: ignore[attr-defined]
    return b"".join(out) + decoder.flush()  # type: ignore[attr-defined]


@_SETTINGS
@given(
    data=st.binary(max_size=3000),
    coding=st.sampled_from(["gzip", "deflate", "raw", "gzip+deflate"]),
    size=st.integers(1, 700),
    bound=st.one_of(st.none(), st.integers(0, 4000)),
)
def test_decoders_round_trip_and_respect_their_bound(
    data: bytes, coding: str, size: int, bound: int | None
) -> None:
    if coding == "gzip":
        encoded, tokens = gzip.compress(data), ["gzip"]
    elif coding == "deflate":
        encoded, tokens = zlib.compress(data), ["deflate"]
    elif coding == "raw":
        encoded, tokens = zlib.compress(data)[2:-4], ["deflate"]
    else:
        encoded, tokens = zlib.compress(gzip.compress(data)), ["gzip", "deflate"]
    decoder = limited(chain([ZlibDecoder(t) for t in tokens]), max_size=bound)
    if bound is not None and len(data) > bound:
        with pytest.raises(DecompressionLimitExceeded) as info:
            _decode_in_pieces(decoder, encoded, size)
        assert info.value.limit == "max_decompressed_size"
        assert decoder.bytes_out <= bound + 1  # type: ignore[attr-defined]
        return
    assert _decode_in_pieces(decoder, encoded, size) == data


@_SETTINGS
@given(garbage=st.binary(min_size=1, max_size=200), coding=st.sampled_from(["gzip", "deflate"]))
def test_decoders_refuse_garbage_with_payload_errors_only(garbage: bytes, coding: str) -> None:
    decoder = limited(ZlibDecoder(coding), max_size=1000, max_ratio=10.0, ratio_floor=100)
    try:
        out = _decode_in_pieces(decoder, garbage, 7)
    except ClientPayloadError:
        return
    assert len(out) <= 1000


def test_ratio_bound_stops_a_bomb_after_the_floor() -> None:
    bomb = gzip.compress(b"\0" * (8 << 20))
    decoder = limited(ZlibDecoder("gzip"), max_ratio=100.0, ratio_floor=1 << 20)
    with pytest.raises(DecompressionLimitExceeded) as info:
        _decode_in_pieces(decoder, bomb, 1 << 16)
    assert info.value.limit == "max_compression_ratio"
    assert decoder.bytes_out <= (1 << 20) + 100 * (1 << 16) + 1  # type: ignore[attr-defined]
    assert "ClientLimits.max_compression_ratio=100" in str(info.value)


def test_bounded_chain_stops_a_nested_bomb_inside() -> None:
    nested = gzip.compress(gzip.compress(b"\0" * (32 << 20)))
    decoder = limited(chain([ZlibDecoder("gzip"), ZlibDecoder("gzip")]), max_size=1 << 20)
    with pytest.raises(DecompressionLimitExceeded):
        decoder.decompress(nested)
    assert decoder.bytes_out <= (1 << 20) + 1  # type: ignore[attr-defined]


def test_unbounded_limited_is_the_decoder_itself() -> None:
    decoder = ZlibDecoder("gzip")
    assert limited(decoder) is decoder


# --- ReDoS ---------------------------------------------------------------------------

_REDOS = textwrap.dedent(
    """
    from lamella_core._wire import PyResponseParser, WireError
    parser = PyResponseParser()
    parser.start("GET")
    try:
        parser.feed(b"HTTP/1.1 200 OK\\r\\n" + b"a: b\\r\\n" * 28 + b"b[d: v\\r\\n\\r\\n")
    except WireError:
        pass
    """
)


def test_header_block_regex_is_linear() -> None:
    # 28 ordinary headers then a bad one: linear work is microseconds, the
    # exponential backtracking found by the fuzzer is hours. A subprocess
    # with a generous timeout keeps a regression from hanging the suite.
    try:
        subprocess.run([sys.executable, "-c", _REDOS], timeout=3, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("PyResponseParser took over 3 s on a 230-byte header block")
