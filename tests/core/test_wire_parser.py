"""Both response parsers, fed the same bytes whole, split in two and byte by byte."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wire_helpers import ERROR, PARSERS, feed_chunks, outcome, splittings, success

from lamella_core._wire import (
    Body,
    ChunkEnd,
    Informational,
    ResponseEnd,
    ResponseHead,
    ResponseParser,
    WireError,
)

END = ResponseEnd(())


@pytest.fixture(params=PARSERS, ids=lambda cls: cls.__name__)
def cls(request: pytest.FixtureRequest) -> type[ResponseParser]:
    return request.param  # type: ignore[no-any-return]


def head(
    status: int = 200,
    reason: str = "OK",
    headers: tuple[tuple[bytes, bytes], ...] = (),
    *,
    version: tuple[int, int] = (1, 1),
    keep_alive: bool = True,
    chunked: bool = False,
    content_length: int | None = None,
    upgrade: bool = False,
) -> ResponseHead:
    codings = tuple(value for name, value in headers if name.lower() == b"content-encoding")
    set_cookie = any(name.lower() == b"set-cookie" for name, _ in headers)
    return ResponseHead(
        version,
        status,
        reason,
        headers,
        keep_alive,
        chunked,
        content_length,
        upgrade,
        codings,
        set_cookie,
    )


def assert_error(
    cls: type[ResponseParser], data: bytes, *, method: str = "GET", eof: bool = False
) -> None:
    assert outcome(cls, data, method=method, eof=eof) == ERROR


# --- Content-Length bodies and leftover ----------------------------------------


def test_head_reports_content_codings_and_set_cookie(cls: type[ResponseParser]) -> None:
    data = (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nSET-COOKIE: a=1\r\n"
        b"content-encoding: br\r\nContent-Length: 0\r\n\r\n"
    )
    events, _ = outcome(cls, data)
    first = events[0]
    assert isinstance(first, ResponseHead)
    assert first.content_codings == (b"gzip", b"br")
    assert first.set_cookie is True
    plain, _ = outcome(cls, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", eof=True)
    assert isinstance(plain[0], ResponseHead)
    assert (plain[0].content_codings, plain[0].set_cookie) == ((), False)


def test_content_length_body(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nX-A:  b \t\r\n\r\nHello, world!"
    hdrs = ((b"Content-Length", b"13"), (b"X-A", b"b"))
    assert outcome(cls, data) == (
        [head(headers=hdrs, content_length=13), Body(b"Hello, world!"), END],
        b"",
    )


def test_leftover_after_body_longer_than_content_length(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200"
    events, leftover = success(cls, data)
    assert events == [
        head(headers=((b"Content-Length", b"3"),), content_length=3),
        Body(b"abc"),
        END,
    ]
    assert leftover == b"HTTP/1.1 200"


def test_leftover_grows_with_later_feeds_until_start(cls: type[ResponseParser]) -> None:
    parser = cls()
    parser.start("GET")
    parser.feed(b"HTTP/1.1 204 No Content\r\n\r\nxy")
    assert parser.feed(b"z") == []
    assert parser.feed_eof() == []
    assert parser.leftover == b"xyz"
    parser.start("GET")
    assert parser.leftover == b""


def test_content_length_zero(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    assert outcome(cls, data) == (
        [head(headers=((b"Content-Length", b"0"),), content_length=0), END],
        b"",
    )


def test_parser_is_reused_across_keep_alive_responses(cls: type[ResponseParser]) -> None:
    parser = cls()
    for method, body in (("HEAD", b""), ("GET", b"abc"), ("GET", b"abc")):
        parser.start(method)
        events = parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n")
        events += parser.feed(body)
        assert events[-1] == END
        assert parser.leftover == b""


def test_a_repeated_head_parses_as_a_fresh_parser_would(cls: type[ResponseParser]) -> None:
    # A parser keeps what its last head parsed to: a repeat must not skip the
    # informational count, the method's framing or the refusal of a bad head.
    parser = cls(max_informational=2)
    hint = b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    parser.start("GET")
    assert parser.feed(hint + hint) == [Informational(103, ((b"Link", b"</a>"),))] * 2
    with pytest.raises(WireError):
        parser.feed(hint)
    bad = b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"
    for _ in range(2):
        parser.start("GET")
        with pytest.raises(WireError):
            parser.feed(bad)
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n"
    for method, events in (("GET", 3), ("HEAD", 2), ("GET", 3)):
        parser.start(method)
        assert len(parser.feed(ok + b"x")) == events


def test_memoryview_of_a_reused_buffer(cls: type[ResponseParser]) -> None:
    buffer = bytearray(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc")
    parser = cls()
    parser.start("GET")
    events = parser.feed(memoryview(buffer))
    buffer[:] = b"X" * len(buffer)
    events += parser.feed(bytearray(b"def"))
    assert events[1:] == [Body(b"abc"), Body(b"def"), END]


# --- bodiless responses -----------------------------------------------------------


def test_head_with_content_length_has_no_body(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    assert outcome(cls, data, method="HEAD") == (
        [head(headers=((b"Content-Length", b"3"),), content_length=0), END],
        b"abc",
    )


def test_head_with_chunked_has_no_body(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    events, leftover = success(cls, data, method="HEAD")
    assert events[-1] == END
    assert leftover == b""
    assert isinstance(events[0], ResponseHead)
    assert not events[0].chunked


@pytest.mark.parametrize("status", [204, 304])
def test_204_and_304_ignore_content_length(cls: type[ResponseParser], status: int) -> None:
    data = b"HTTP/1.1 %d X\r\nContent-Length: 3\r\n\r\nabc" % status
    assert outcome(cls, data) == (
        [head(status, "X", ((b"Content-Length", b"3"),), content_length=0), END],
        b"abc",
    )


def test_connect_2xx_is_a_tunnel(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\n\x16\x03\x01"
    assert outcome(cls, data, method="CONNECT") == (
        [
            head(
                200,
                "Connection established",
                ((b"Content-Length", b"5"),),
                keep_alive=False,
                content_length=0,
                upgrade=True,
            ),
            END,
        ],
        b"\x16\x03\x01",
    )


def test_connect_refused_has_a_body(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 407 Auth\r\nContent-Length: 2\r\n\r\nno"
    events, leftover = success(cls, data, method="CONNECT")
    assert events[1:] == [Body(b"no"), END]
    assert leftover == b""


# --- 1xx -------------------------------------------------------------------------------


def test_100_continue_then_200(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    assert outcome(cls, data) == (
        [
            Informational(100, ()),
            head(headers=((b"Content-Length", b"2"),), content_length=2),
            Body(b"ok"),
            END,
        ],
        b"",
    )


def test_103_early_hints_then_200(cls: type[ResponseParser]) -> None:
    data = (
        b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 102 Processing\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    )
    events, _ = success(cls, data)
    assert events[:2] == [
        Informational(103, ((b"Link", b"</s.css>; rel=preload"),)),
        Informational(102, ()),
    ]
    assert isinstance(events[2], ResponseHead)
    assert events[2].status == 200


def test_eof_after_informational_is_an_error(cls: type[ResponseParser]) -> None:
    assert_error(cls, b"HTTP/1.1 100 Continue\r\n\r\n", eof=True)


def test_101_then_other_protocol_bytes(cls: type[ResponseParser]) -> None:
    data = (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\n\r\n\x81\x05hello"
    )
    events, leftover = success(cls, data, eof=True)
    assert events == [
        head(
            101,
            "Switching Protocols",
            ((b"Upgrade", b"websocket"), (b"Connection", b"Upgrade")),
            keep_alive=False,
            content_length=0,
            upgrade=True,
        ),
        END,
    ]
    assert leftover == b"\x81\x05hello"


def test_101_without_upgrade_headers(cls: type[ResponseParser]) -> None:
    events, leftover = success(cls, b"HTTP/1.1 101 S\r\nContent-Length: 3\r\n\r\nabc")
    assert events[-1] == END
    assert leftover == b"abc"


# --- keep-alive -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "connection", "expected"),
    [
        (b"1.1", None, True),
        (b"1.1", b"close", False),
        (b"1.1", b"Keep-Alive, CLOSE", False),
        (b"1.1", b"keep-alive", True),
        (b"1.0", None, False),
        (b"1.0", b"keep-alive", True),
        (b"1.0", b"Keep-Alive", True),
        (b"1.0", b"close", False),
    ],
)
def test_keep_alive_rules(
    cls: type[ResponseParser], version: bytes, connection: bytes | None, expected: bool
) -> None:
    data = b"HTTP/" + version + b" 200 OK\r\n"
    if connection is not None:
        data += b"Connection: " + connection + b"\r\n"
    data += b"Content-Length: 1\r\n\r\nx"
    events, _ = success(cls, data)
    assert isinstance(events[0], ResponseHead)
    assert events[0].keep_alive is expected


@pytest.mark.parametrize("version", [b"1.0", b"1.1"])
def test_eof_delimited_body_is_never_keep_alive(cls: type[ResponseParser], version: bytes) -> None:
    data = b"HTTP/" + version + b" 200 OK\r\nConnection: keep-alive\r\n\r\nsome body"
    events, leftover = success(cls, data, eof=True)
    assert isinstance(events[0], ResponseHead)
    assert not events[0].keep_alive
    assert events[0].content_length is None
    assert events[1:] == [Body(b"some body"), END]
    assert leftover == b""


def test_eof_body_without_eof_has_no_end(cls: type[ResponseParser]) -> None:
    events, _ = success(cls, b"HTTP/1.1 200 OK\r\n\r\nabc")
    assert events[1:] == [Body(b"abc")]


@pytest.mark.parametrize("coding", [b"gzip", b"chunked, gzip", b"identity"])
def test_transfer_encoding_not_ending_in_chunked_reads_to_eof(
    cls: type[ResponseParser], coding: bytes
) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + coding + b"\r\n\r\n3\r\nabc"
    events, _ = success(cls, data, eof=True)
    assert isinstance(events[0], ResponseHead)
    assert not events[0].chunked
    assert not events[0].keep_alive
    assert events[1:] == [Body(b"3\r\nabc"), END]


# --- feed_eof ----------------------------------------------------------------------------


def test_eof_before_any_byte_returns_nothing(cls: type[ResponseParser]) -> None:
    parser = cls()
    parser.start("GET")
    assert parser.feed(b"") == []
    assert parser.feed_eof() == []


@pytest.mark.parametrize(
    "data",
    [
        b"H",
        b"HTTP/1.1 200 OK\r\nContent-Len",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcd",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n",
    ],
)
def test_eof_cutting_a_response_short_raises(cls: type[ResponseParser], data: bytes) -> None:
    assert_error(cls, data, eof=True)
    assert feed_chunks(cls, [data]) != ERROR  # only the EOF makes it an error


def test_eof_after_complete_response(cls: type[ResponseParser]) -> None:
    events, _ = success(cls, b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", eof=True)
    assert events[-1] == END


# --- chunked -------------------------------------------------------------------------


def test_chunked_body_with_extensions_and_trailers(cls: type[ResponseParser]) -> None:
    data = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        b'3;name=value\r\nabc\r\nA ; x="y"\r\n0123456789\r\n'
        b"0\r\nX-Checksum: 42 \r\nX-Other:z\r\n\r\nLEFT"
    )
    events, leftover = success(cls, data)
    assert events == [
        head(headers=((b"Transfer-Encoding", b"gzip, chunked"),), chunked=True),
        Body(b"abc0123456789"),
        ResponseEnd(((b"X-Checksum", b"42"), (b"X-Other", b"z"))),
    ]
    assert leftover == b"LEFT"


def test_chunked_across_several_transfer_encoding_headers(cls: type[ResponseParser]) -> None:
    data = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"1\r\nx\r\n0\r\n\r\n"
    )
    events, _ = success(cls, data)
    assert events[1:] == [Body(b"x"), END]


def test_chunk_size_in_upper_case_hex(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n"
    events, _ = success(cls, data)
    assert events[1:] == [Body(b"0123456789"), END]


@pytest.mark.parametrize(
    "size",
    [
        b"-3",
        b"+3",
        b"0x3",
        b" 3",
        b"3 ",
        b"",
        b"g",
        b"1_0",
        b"1" * 17,
        b"8000000000000000",
        b"3;\x00",
        b"3\n",
    ],
)
def test_bad_chunk_size(cls: type[ResponseParser], size: bytes) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\nabc\r\n0\r\n\r\n"
    assert_error(cls, data)


def test_largest_chunk_size_is_accepted(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nab"
    events, _ = success(cls, data)
    assert events[1:] == [Body(b"ab")]


@pytest.mark.parametrize("after", [b"X\r\n0\r\n\r\n", b"\n0\r\n\r\n", b"\r0\r\n\r\n", b"\r\r\n"])
def test_missing_crlf_after_chunk_data(cls: type[ResponseParser], after: bytes) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc" + after
    assert_error(cls, data)


def test_bad_trailer_is_refused(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX : y\r\n\r\n"
    assert_error(cls, data)


# --- smuggling and Content-Length --------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
        b"Transfer-Encoding: gzip\r\nContent-Length: 3\r\n",
        b"Content-Length: 3\r\nContent-Length: 3\r\n",
        b"Content-Length: 3\r\ncontent-length: 4\r\n",
        b"Content-Length: 3, 3\r\n",
        b"Content-Length: +3\r\n",
        b"Content-Length: -3\r\n",
        b"Content-Length: 3a\r\n",
        b"Content-Length: 0x3\r\n",
        b"Content-Length: 3 3\r\n",
        b"Content-Length: \r\n",
        b"Content-Length: 99999999999999999999999\r\n",
        b"Content-Length: 9223372036854775808\r\n",
        b"Content-Length: \xd9\xa3\r\n",
    ],
)
def test_smuggling_and_bad_content_length(cls: type[ResponseParser], headers: bytes) -> None:
    assert_error(cls, b"HTTP/1.1 200 OK\r\n" + headers + b"\r\nabc")


def test_cl_te_is_refused_even_on_204(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 204 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"
    assert_error(cls, data)


def test_content_length_with_leading_zeros_and_ows(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Length:\t003 \r\n\r\nabc"
    events, _ = success(cls, data)
    assert events[1:] == [Body(b"abc"), END]


# --- status line -----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b"HTTP/2.0 200 OK",
        b"HTTP/0.9 200 OK",
        b"HTTP/1.2 200 OK",
        b"HTTP/1 200 OK",
        b"RTSP/1.0 200 OK",
        b"ICE/1.0 200 OK",
        b"http/1.1 200 OK",
        b"HTTP/1.1 099 Low",
        b"HTTP/1.1 000 Zero",
        b"HTTP/1.1 1000 OK",
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 200OK",
        b"HTTP/1.1  200 OK",
        b"HTTP/1.1 200\tOK",
        b"HTTP/1.1 2x0 OK",
        b"HTTP/1.1 200 O\x00K",
        b"HTTP/1.1 200 O\x01K",
        b"HTTP/1.1 200 O\rK",
        b" HTTP/1.1 200 OK",
        b"",
    ],
)
def test_bad_status_line(cls: type[ResponseParser], line: bytes) -> None:
    assert_error(cls, line + b"\r\nContent-Length: 0\r\n\r\n")


def test_leading_empty_line_is_refused(cls: type[ResponseParser]) -> None:
    assert_error(cls, b"\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


@pytest.mark.parametrize(
    ("line", "status", "reason"),
    [
        (b"HTTP/1.1 200", 200, ""),
        (b"HTTP/1.1 200 ", 200, ""),
        (b"HTTP/1.1 404  Not\tFound ", 404, " Not\tFound "),
        (b"HTTP/1.1 999 Whatever", 999, "Whatever"),
        (b"HTTP/1.1 200 Caf\xc3\xa9", 200, "Café"),
        (b"HTTP/1.1 200 \xff", 200, "\udcff"),
    ],
)
def test_status_line_variants(
    cls: type[ResponseParser], line: bytes, status: int, reason: str
) -> None:
    events, _ = success(cls, line + b"\r\nContent-Length: 0\r\n\r\n")
    assert isinstance(events[0], ResponseHead)
    assert (events[0].status, events[0].reason) == (status, reason)


def test_http_1_0_version(cls: type[ResponseParser]) -> None:
    events, _ = success(cls, b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    assert isinstance(events[0], ResponseHead)
    assert events[0].version == (1, 0)


# --- header fields ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b" X-A: a",  # whitespace before the first field: no field to continue
        b"\tX-A: a",
        b"X-A: a\r\n b\x00",  # unfolded, still invalid
        b"X-A : a",
        b"X A: a",
        b": a",
        b"X-A",
        b"X-A: a\x00b",
        b"X-A: a\rb",
        b"X-A: a\nb",
        b"X-A: a\x7fb",
        b"X-A: a\x01b",
        b"X\x80: a",
        b"X-A: a\nX-B: b",
    ],
)
def test_bad_header_line(cls: type[ResponseParser], line: bytes) -> None:
    assert_error(cls, b"HTTP/1.1 200 OK\r\n" + line + b"\r\nContent-Length: 0\r\n\r\n")


def test_obs_fold_is_replaced_by_one_space(cls: type[ResponseParser]) -> None:
    data = (
        b"HTTP/1.1 200 OK\r\nX-A: a \r\n  b\r\n\tc\r\nX-B: d\r\n e\r\nContent-Length: 2\r\n\r\nok"
    )
    events, _ = success(cls, data)
    assert isinstance(events[0], ResponseHead)
    assert events[0].headers == ((b"X-A", b"a b c"), (b"X-B", b"d e"), (b"Content-Length", b"2"))
    assert events[0].content_length == 2


def test_an_unfolded_line_is_held_to_max_field_size(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nX: " + b"a" * 15 + b"\r\n " + b"b" * 15 + b"\r\n\r\n"
    assert outcome(cls, data, max_field_size=40) != ERROR
    assert outcome(cls, data, max_field_size=30) == ERROR


def test_bare_lf_line_endings_are_refused(cls: type[ResponseParser]) -> None:
    assert_error(cls, b"HTTP/1.1 200 OK\nContent-Length: 0\n\n", eof=True)
    assert_error(cls, b"HTTP/1.1 200 OK\r\nContent-Length: 0\n\r\n\r\n")


def test_header_values_are_raw_without_ows(cls: type[ResponseParser]) -> None:
    data = (
        b"HTTP/1.1 200 OK\r\nEmpty:\r\nBlank: \t \r\nTabs:\ta\tb\t\r\n"
        b"Obs-Text: caf\xc3\xa9 \xff\r\nCase-KEPT: V\r\nX:a: b\r\nContent-Length: 0\r\n\r\n"
    )
    events, _ = success(cls, data)
    assert isinstance(events[0], ResponseHead)
    assert events[0].headers == (
        (b"Empty", b""),
        (b"Blank", b""),
        (b"Tabs", b"a\tb"),
        (b"Obs-Text", b"caf\xc3\xa9 \xff"),
        (b"Case-KEPT", b"V"),
        (b"X", b"a: b"),
        (b"Content-Length", b"0"),
    )


def test_repeated_headers_keep_their_order(cls: type[ResponseParser]) -> None:
    data = b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n"
    events, _ = success(cls, data)
    assert isinstance(events[0], ResponseHead)
    assert events[0].headers[:2] == ((b"Set-Cookie", b"a=1"), (b"Set-Cookie", b"b=2"))


# --- limits ------------------------------------------------------------------------


def test_status_line_limit(cls: type[ResponseParser]) -> None:
    line = b"HTTP/1.1 200 " + b"R" * 7  # 20 bytes
    ok = line + b"\r\nContent-Length: 0\r\n\r\n"
    assert outcome(cls, ok, max_line_size=20) != ERROR
    assert outcome(cls, ok, max_line_size=19) == ERROR


def test_status_line_limit_triggers_before_the_line_ends(cls: type[ResponseParser]) -> None:
    parser = cls(max_line_size=20)
    parser.start("GET")
    parser.feed(b"HTTP/1.1 200 " + b"R" * 8)
    with pytest.raises(WireError, match="20 bytes"):
        parser.feed(b"RR")


def test_header_line_limit(cls: type[ResponseParser]) -> None:
    ok = b"HTTP/1.1 200 OK\r\nX-Long: " + b"v" * 12 + b"\r\nContent-Length: 0\r\n\r\n"
    assert outcome(cls, ok, max_field_size=20) != ERROR  # "X-Long: " + 12 = 20
    assert outcome(cls, ok, max_field_size=19) == ERROR


def test_header_line_limit_triggers_before_the_line_ends(cls: type[ResponseParser]) -> None:
    parser = cls(max_field_size=20)
    parser.start("GET")
    parser.feed(b"HTTP/1.1 200 OK\r\nX: " + b"v" * 18)
    with pytest.raises(WireError, match="20 bytes"):
        parser.feed(b"vv")


def test_header_count_limit(cls: type[ResponseParser]) -> None:
    ok = b"HTTP/1.1 200 OK\r\n" + b"A: 1\r\n" * 3 + b"Content-Length: 0\r\n\r\n"
    assert outcome(cls, ok, max_headers=4) != ERROR
    assert outcome(cls, ok, max_headers=3) == ERROR


def test_header_count_limit_triggers_before_the_head_ends(cls: type[ResponseParser]) -> None:
    parser = cls(max_headers=3)
    parser.start("GET")
    parser.feed(b"HTTP/1.1 200 OK\r\n" + b"A: 1\r\n" * 3)
    with pytest.raises(WireError, match="more than 3"):
        parser.feed(b"A: 1\r\n")


def test_limits_apply_to_chunk_sizes_and_trailers(cls: type[ResponseParser]) -> None:
    base = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    assert outcome(cls, base + b"1;" + b"e" * 20 + b"\r\nx\r\n0\r\n\r\n", max_line_size=20) == ERROR
    assert outcome(cls, base + b"0\r\nT: " + b"v" * 20 + b"\r\n\r\n", max_field_size=20) == ERROR
    assert outcome(cls, base + b"0\r\n" + b"T: v\r\n" * 3 + b"\r\n", max_headers=2) == ERROR
    assert outcome(cls, base + b"0\r\n" + b"T: v\r\n" * 2 + b"\r\n", max_headers=2) != ERROR


def test_default_limits_match_aiohttp(cls: type[ResponseParser]) -> None:
    long_value = b"v" * 8190
    data = b"HTTP/1.1 200 OK\r\nX: " + long_value + b"\r\nContent-Length: 0\r\n\r\n"
    parser = cls()
    parser.start("GET")
    with pytest.raises(WireError, match="8190 bytes"):
        parser.feed(data)


# --- both parsers, arbitrary bytes ---------------------------------------------------------

_TOKENS = (
    b"HTTP/1.1 |HTTP/1.0 |200|101|100|204|304|099| OK|\r\n|\r\n\r\n|\r|\n| |\t|:|;|,|\x00|\x7f"
    b"|\xff|Content-Length: |Transfer-Encoding: |chunked|gzip|Connection: |close|keep-alive"
    b"|Upgrade: |0|3|a|f|abc|X-A|-|+"
).split(b"|")
_fragments = st.lists(st.sampled_from(_TOKENS) | st.binary(max_size=4), max_size=30).map(b"".join)
_responses = st.one_of(
    _fragments,
    st.tuples(
        st.sampled_from(
            [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.0 200 OK\r\n", b"HTTP/1.1 100 C\r\n\r\n"]
        ),
        _fragments,
    ).map(b"".join),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_responses, method=st.sampled_from(["GET", "HEAD", "CONNECT"]), eof=st.booleans())
def test_both_parsers_agree_on_arbitrary_bytes(data: bytes, method: str, eof: bool) -> None:
    results = {
        cls.__name__: feed_chunks(cls, [data], method=method, eof=eof, max_headers=4)
        for cls in PARSERS
    }
    assert len(set(map(repr, results.values()))) == 1, results


_valid = st.builds(
    lambda status, headers, body, chunked: (
        b"HTTP/1.1 %d R\r\n" % status
        + b"".join(b"X-%d: %s\r\n" % (i, v) for i, v in enumerate(headers))
        + (
            b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
            if chunked and body
            else b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
    ),
    st.sampled_from([100, 200, 204, 404]),
    st.lists(st.binary(max_size=8).map(lambda v: v.strip(b" \t\r\n\x00")), max_size=4),
    st.binary(max_size=40),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(data=_valid, cuts=st.lists(st.integers(min_value=0), max_size=6))
def test_random_splits_give_the_same_events(data: bytes, cuts: list[int]) -> None:
    points = sorted({c % (len(data) + 1) for c in cuts})
    chunks = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    for cls in PARSERS:
        assert feed_chunks(cls, chunks) == feed_chunks(cls, [data])


def test_splittings_cover_every_cut() -> None:
    assert len(list(splittings(b"abc"))) == 1 + 4 + 1


def test_chunk_boundaries_are_reported(cls):
    parser = cls()
    parser.start("GET")
    events = parser.feed(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    kinds = [type(event).__name__ for event in events]
    assert kinds == ["ResponseHead", "Body", "ChunkEnd", "Body", "ChunkEnd", "ResponseEnd"]


def test_events_compare_by_type_and_fields_and_show_them() -> None:
    head = ResponseHead((1, 1), 200, "OK", ((b"a", b"b"),), True, False, 3, False)
    same = ResponseHead((1, 1), 200, "OK", ((b"a", b"b"),), True, False, 3, False, (), False)
    assert head == same
    assert head != ResponseHead((1, 1), 200, "OK", (), True, False, 3, False)
    assert Body(b"x") == Body(b"x") != Body(b"y")
    assert Body(b"") != ResponseEnd(())
    assert ChunkEnd() == ChunkEnd()
    assert repr(Body(b"x")) == "Body(data=b'x')"
    assert repr(ChunkEnd()) == "ChunkEnd()"
    assert repr(head).startswith("ResponseHead(version=(1, 1), status=200, reason='OK', ")
    assert repr(head).endswith("content_codings=(), set_cookie=False)")
    with pytest.raises(TypeError):
        hash(head)
    with pytest.raises(AttributeError):
        head.other = 1  # type: ignore[attr-defined]


def test_a_repeated_head_gives_the_same_events_on_one_parser_per_method(
    cls: type[ResponseParser],
) -> None:
    # The parser keeps the last final head it made and hands it out again
    # for the same bytes and method: the framing must follow each response.
    response = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
    parser = cls()
    seen = []
    for method in ("GET", "GET", "HEAD", "HEAD", "GET"):
        parser.start(method)
        seen.append((method, parser.feed(response[:-2]) + parser.feed(response[-2:])))
        assert parser.leftover == (b"abc" if method == "HEAD" else b"")
    body_head = head(headers=((b"Content-Length", b"3"),), content_length=3)
    bodiless = head(headers=((b"Content-Length", b"3"),), content_length=0)
    for method, events in seen:
        if method == "GET":
            assert events == [body_head, Body(b"a"), Body(b"bc"), END]
        else:
            assert events == [bodiless, END]
    assert seen[0][1][0] is seen[1][1][0]  # the same immutable event, not a new one
    # Another head in between is parsed again, and so is the first after it.
    other = b"HTTP/1.1 204 No Content\r\n\r\n"
    for data, expected in (
        (other, [head(204, "No Content", content_length=0), END]),
        (response, [body_head, Body(b"abc"), END]),
    ):
        parser.start("GET")
        assert parser.feed(data) == expected
