"""Write the malformed-response corpus: ``python tests/reliability/make_corpus.py``.

Each case becomes ``corpus/<name>.http`` (the exact bytes the server sends
for the first request) and one entry of ``corpus/cases.json`` (how the
server sends them and what the client must make of them). The runner,
``test_reliability_corpus.py``, reads only the data files; this script is
kept so the binary cases (gzip bombs, huge heads) can be regenerated and
reviewed. Run it again after editing a case and commit both.

Entry fields:
    mode: "close" (send, then FIN; the default), "keep" (send, keep the
        connection open for the next request), "reset" (send, then RST),
        "trickle" (one byte every ``delay`` seconds), "stall" (send, then
        neither close nor send), "silent" (never answer), "repeat" (send
        the bytes ``times`` times, then FIN).
    method: the request method (GET by default).
    expect: "ok", or the exception class name (a list: any of them).
    phase: "head" (raised by the request) or "body" (raised by read()).
    status / body / body_len / headers: what an "ok" response carries.
    reuse: true if the follow-up must reuse the connection, false if it
        must use a new one; absent: either.
    sock_read: the ClientTimeout.sock_read of the case (default 2 s).
    xfail: the reason the outcome is expected to differ today (a core bug
        or a limit not yet wired into the session); strict.
    note: why the outcome is what it is.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "corpus"

Case = dict[str, Any]
CASES: list[tuple[str, bytes, Case]] = []


def case(name: str, data: bytes, **expected: Any) -> None:
    # A response the client may keep alive is sent on a connection that stays open.
    keep = expected.get("expect") == "ok" and expected.get("reuse") is True
    expected.setdefault("mode", "keep" if keep else "close")
    CASES.append((name, data, expected))


def ok(body: bytes = b"ok", status: int = 200, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n%b\r\n%b" % (status, len(body), extra, body)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


OK = ok()
CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
HEAD_ERR = {"expect": "ClientResponseError", "phase": "head", "reuse": False}
BODY_ERR = {"expect": "ClientPayloadError", "phase": "body", "reuse": False}
DISCONNECTED = {"expect": "ServerDisconnectedError", "phase": "head", "reuse": False}
TIMEOUT_HEAD = {"expect": "SocketTimeoutError", "phase": "head", "reuse": False, "sock_read": 0.15}
TIMEOUT_BODY = {"expect": "SocketTimeoutError", "phase": "body", "reuse": False, "sock_read": 0.15}

# --- truncation, empty and HTTP/0.9 answers ------------------------------------------
case("empty_reply", b"", **DISCONNECTED)
case("truncated_status_line", b"HTTP/1.1 20", **DISCONNECTED)
case("truncated_after_status_line", b"HTTP/1.1 200 OK\r\n", **DISCONNECTED)
case("truncated_in_header", b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b", **DISCONNECTED)
case("truncated_before_empty_line", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", **DISCONNECTED)
case("http09_reply", b"<html>hello</html>", **DISCONNECTED, note="no head ever completes")
case("http09_reply_with_blank_line", b"<html>\r\n\r\nhello</html>", **HEAD_ERR)
case("http09_long_reply", b"x" * 9000, **HEAD_ERR, note="status line over max_line_size")
# RFC 9112 section 2.2 lets a recipient take a bare LF as a line end; lamella
# refuses it at once, and never waits for a CRLF that will not come.
case("lf_only_line_endings", b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok", **HEAD_ERR)
case(
    "lf_only_head_on_an_open_connection",
    b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    mode="stall",
    **HEAD_ERR,
)

# --- status line ---------------------------------------------------------------------
for name, line in [
    ("status_two_digits", b"HTTP/1.1 20 OK"),
    ("status_four_digits", b"HTTP/1.1 2000 OK"),
    ("status_not_digits", b"HTTP/1.1 2x0 OK"),
    ("status_leading_zero", b"HTTP/1.1 099 Low"),
    ("status_negative", b"HTTP/1.1 -20 OK"),
    ("status_missing", b"HTTP/1.1"),
    ("status_no_space_before_reason", b"HTTP/1.1 200OK"),
    ("version_http2", b"HTTP/2.0 200 OK"),
    ("version_http12", b"HTTP/1.2 200 OK"),
    ("version_http09", b"HTTP/0.9 200 OK"),
    ("version_lowercase", b"http/1.1 200 OK"),
    ("version_rtsp", b"RTSP/1.0 200 OK"),
    ("version_icy", b"ICY 200 OK"),
    ("reason_with_nul", b"HTTP/1.1 200 O\x00K"),
    ("reason_with_bare_cr", b"HTTP/1.1 200 O\rK"),
    ("status_line_too_long", b"HTTP/1.1 200 " + b"r" * 9000),
]:
    case(name, line + b"\r\nContent-Length: 2\r\n\r\nok", **HEAD_ERR)
case("leading_empty_line", b"\r\n" + OK, **HEAD_ERR)
case("status_999", ok(status=999), expect="ok", status=999, body="ok", reuse=True)
case("status_600", ok(status=600), expect="ok", status=600, body="ok", reuse=True)
case(
    "status_without_reason",
    b"HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
    expect="ok",
    status=200,
    body="ok",
    reuse=True,
)
case(
    "reason_utf8",
    "HTTP/1.1 200 Ça va\r\nContent-Length: 2\r\n\r\nok".encode(),
    expect="ok",
    status=200,
    body="ok",
    reuse=True,
)

# --- header fields -------------------------------------------------------------------
for name, folded in [("obs_fold", b"X-A: a\r\n b"), ("obs_fold_tab", b"X-A: a \r\n\t\tb")]:
    case(
        name,
        ok(extra=folded + b"\r\n"),
        expect="ok",
        body="ok",
        headers={"X-A": "a b"},
        reuse=True,
        note="RFC 9112 section 5.2: a user agent replaces each obs-fold with SP",
    )
for name, field in [
    ("obs_fold_before_any_field", b" X-A: b"),
    ("header_name_with_space", b"X A: b"),
    ("header_space_before_colon", b"X-A : b"),
    ("header_name_control_byte", b"X-\x01A: b"),
    ("header_name_del", b"X-\x7fA: b"),
    ("header_name_non_ascii", b"X-\xe9: b"),
    ("header_value_nul", b"X-A: a\x00b"),
    ("header_value_bare_cr", b"X-A: a\rb"),
    ("header_value_bare_lf", b"X-A: a\nb"),
    ("header_value_escape", b"X-A: a\x1bb"),
    ("header_without_colon", b"NoColon"),
    ("header_empty_name", b": v"),
    ("header_line_too_long", b"X-A: " + b"v" * 9000),
]:
    case(name, b"HTTP/1.1 200 OK\r\n" + field + b"\r\nContent-Length: 2\r\n\r\nok", **HEAD_ERR)
case(
    "header_value_obs_text",
    ok(extra="X-A: café\r\n".encode()),
    expect="ok",
    body="ok",
    headers={"X-A": "caf\u00e9"},
    reuse=True,
)
case(
    "header_value_trailing_whitespace",
    ok(extra=b"X-A: v \t \r\n"),
    expect="ok",
    body="ok",
    headers={"X-A": "v"},
    reuse=True,
)
case("header_value_empty", ok(extra=b"X-A:\r\n"), expect="ok", body="ok", headers={"X-A": ""})
case(
    "header_count_40000",
    ok(extra=b"a: b\r\n" * 40000),
    **HEAD_ERR,
    note="over the parser's hard 32768; ResponseHeadTooLarge once limits are wired",
)
case(
    "header_count_1000",
    ok(extra=b"a: b\r\n" * 1000),
    expect="ResponseHeadTooLarge",
    phase="head",
    reuse=False,
)
case(
    "header_bytes_320k",
    ok(extra=b"".join(b"X-%d: %b\r\n" % (i, b"v" * 8000) for i in range(40))),
    expect="ResponseHeadTooLarge",
    phase="head",
    reuse=False,
)

# --- Content-Length ------------------------------------------------------------------
for name, fields in [
    ("content_length_duplicate_same", b"Content-Length: 2\r\nContent-Length: 2"),
    ("content_length_conflicting", b"Content-Length: 2\r\nContent-Length: 3"),
    ("content_length_list", b"Content-Length: 2, 2"),
    ("content_length_negative", b"Content-Length: -1"),
    ("content_length_plus", b"Content-Length: +2"),
    ("content_length_hex", b"Content-Length: 0x2"),
    ("content_length_overflow", b"Content-Length: 99999999999999999999"),
    ("content_length_2_pow_63", b"Content-Length: 9223372036854775808"),
    ("content_length_empty", b"Content-Length:"),
    ("content_length_with_unit", b"Content-Length: 2 bytes"),
    ("transfer_encoding_with_content_length", b"Transfer-Encoding: chunked\r\nContent-Length: 2"),
    ("content_length_with_transfer_encoding", b"Content-Length: 2\r\nTransfer-Encoding: chunked"),
    ("transfer_encoding_empty", b"Transfer-Encoding:"),
]:
    case(name, b"HTTP/1.1 200 OK\r\n" + fields + b"\r\n\r\nok", **HEAD_ERR)
case(
    "content_length_leading_zeros",
    b"HTTP/1.1 200 OK\r\nContent-Length: 0002\r\n\r\nok",
    expect="ok",
    body="ok",
    reuse=True,
)
case(
    "content_length_with_ows",
    b"HTTP/1.1 200 OK\r\nContent-Length: \t2 \r\n\r\nok",
    expect="ok",
    body="ok",
    reuse=True,
)

# --- transfer codings ----------------------------------------------------------------
case(
    "transfer_encoding_uppercase_chunked",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    expect="ok",
    body="ok",
    reuse=True,
)
case(
    "transfer_encoding_unknown",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\n\r\nraw bytes to eof",
    expect="ok",
    body="raw bytes to eof",
    reuse=False,
    note="RFC 9112 6.3: not chunked last, so the body runs to EOF",
)
case(
    "transfer_encoding_chunked_not_last",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, foo\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    expect="ok",
    body="2\r\nok\r\n0\r\n\r\n",
    reuse=False,
)
case(
    "transfer_encoding_split_headers",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"2\r\nok\r\n0\r\n\r\n",
    expect="ok",
    body="ok",
    reuse=True,
    note="the codings of both fields in order: chunked is last",
)
case(
    "transfer_encoding_http10_chunked",
    b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
    expect="ok",
    body="ok",
    reuse=False,
    note="RFC 9112 6.1: framing of an HTTP/1.0 message with TE is faulty; never kept alive",
)

# --- chunked framing -----------------------------------------------------------------
for name, body in [
    ("chunk_size_17_hex_digits", b"10000000000000000\r\n"),
    ("chunk_size_over_2_pow_63", b"FFFFFFFFFFFFFFFF\r\n"),
    ("chunk_size_negative", b"-1\r\nx\r\n0\r\n\r\n"),
    ("chunk_size_plus_sign", b"+2\r\nok\r\n0\r\n\r\n"),
    ("chunk_size_0x_prefix", b"0x2\r\nok\r\n0\r\n\r\n"),
    ("chunk_size_leading_space", b" 2\r\nok\r\n0\r\n\r\n"),
    ("chunk_size_trailing_space", b"2 \r\nok\r\n0\r\n\r\n"),
    ("chunk_size_empty", b"\r\nok\r\n0\r\n\r\n"),
    ("chunk_extension_control_byte", b"2;a=\x01\r\nok\r\n0\r\n\r\n"),
    ("chunk_missing_crlf_after_data", b"2\r\nokXX0\r\n\r\n"),
    ("chunk_data_longer_than_size", b"2\r\nokk\r\n0\r\n\r\n"),
    ("chunk_size_line_too_long", b"2;" + b"a" * 9000 + b"\r\nok\r\n0\r\n\r\n"),
    ("chunk_bad_trailer", b"2\r\nok\r\n0\r\nX T: v\r\n\r\n"),
    ("chunk_trailer_obs_fold", b"2\r\nok\r\n0\r\nX-T: v\r\n w\r\n\r\n"),
    ("chunk_trailer_count_40000", b"2\r\nok\r\n0\r\n" + b"t: v\r\n" * 40000 + b"\r\n"),
    ("chunked_lf_only", b"2\nok\n0\n\n"),
    ("chunked_truncated_in_size", b"2\r\nok\r\n1"),
    ("chunked_truncated_in_data", b"5\r\nok"),
    ("chunked_without_last_chunk", b"2\r\nok\r\n"),
    ("chunked_truncated_in_trailers", b"2\r\nok\r\n0\r\nX-T: v\r\n"),
]:
    case(name, CHUNKED + body, **BODY_ERR)
for name, body, text in [
    ("chunk_extensions", b"2;name=value;flag\r\nok\r\n0;last\r\n\r\n", "ok"),
    ("chunk_extension_quoted", b'2;a="b;c"\r\nok\r\n0\r\n\r\n', "ok"),
    ("chunk_extension_bws", b"2 ;a=b\r\nok\r\n0\r\n\r\n", "ok"),
    ("chunk_size_uppercase_hex", b"A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
    ("chunk_size_leading_zeros", b"0002\r\nok\r\n0\r\n\r\n", "ok"),
    ("chunked_trailers", b"2\r\nok\r\n0\r\nX-T: v\r\nX-U: w\r\n\r\n", "ok"),
    ("chunked_one_byte_chunks", b"1\r\nx\r\n" * 5000 + b"0\r\n\r\n", "x" * 5000),
]:
    case(name, CHUNKED + body, expect="ok", body=text, reuse=True)

# --- bodies longer than announced, bodies on bodiless answers ------------------------
case(
    "body_longer_than_content_length",
    OK + b"garbage",
    mode="keep",
    expect="ok",
    body="ok",
    reuse=False,
    note="the extra bytes poison the connection: it is closed, never pooled",
)
case(
    "pipelined_second_response",
    OK + ok(b"POISON"),
    mode="keep",
    expect="ok",
    body="ok",
    reuse=False,
    note="an unrequested response must never answer the next request",
)
case(
    "chunked_then_garbage",
    CHUNKED + b"2\r\nok\r\n0\r\n\r\n" + ok(b"POISON"),
    mode="keep",
    expect="ok",
    body="ok",
    reuse=False,
)
case(
    "204_with_body",
    b"HTTP/1.1 204 No Content\r\n\r\n" + ok(b"POISON"),
    mode="keep",
    expect="ok",
    status=204,
    body="",
    reuse=False,
)
case(
    "304_with_content_length",
    b"HTTP/1.1 304 Not Modified\r\nContent-Length: 6\r\n\r\n",
    mode="keep",
    expect="ok",
    status=304,
    body="",
    reuse=True,
)
case(
    "head_answer_with_body",
    ok(b"POISON"),
    method="HEAD",
    mode="keep",
    expect="ok",
    status=200,
    body="",
    reuse=False,
    note="a HEAD answer has no body; the bytes after its head are leftover",
)
case(
    "content_length_shorter_then_close",
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    **BODY_ERR,
)
case(
    "content_length_shorter_then_stall",
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    mode="stall",
    **TIMEOUT_BODY,
)
case(
    "content_length_shorter_then_reset",
    b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
    mode="reset",
    **BODY_ERR,
)
case(
    "eof_delimited_http11",
    b"HTTP/1.1 200 OK\r\n\r\nto eof",
    expect="ok",
    body="to eof",
    reuse=False,
)
case(
    "eof_delimited_http10_keep_alive",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nto eof",
    expect="ok",
    body="to eof",
    reuse=False,
)
case(
    "http10_keep_alive_with_length",
    b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok",
    mode="keep",
    expect="ok",
    body="ok",
    reuse=True,
)
case(
    "http10_without_keep_alive",
    b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
    mode="keep",
    expect="ok",
    body="ok",
    reuse=False,
)
case(
    "connection_close_with_length",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
    mode="keep",
    expect="ok",
    body="ok",
    reuse=False,
)

# --- 1xx -----------------------------------------------------------------------------
case(
    "continue_then_200",
    b"HTTP/1.1 100 Continue\r\n\r\n" + OK,
    mode="keep",
    expect="ok",
    body="ok",
    reuse=True,
)
case(
    "102_and_103_then_200",
    b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK,
    mode="keep",
    expect="ok",
    body="ok",
    reuse=True,
)
case(
    "1xx_with_content_length",
    b"HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n" + OK,
    mode="keep",
    expect="ok",
    body="ok",
    reuse=True,
    note="1xx responses never have a body",
)
case("1xx_then_close", b"HTTP/1.1 100 Continue\r\n\r\n", **DISCONNECTED)
case(
    "1xx_flood_100",
    b"HTTP/1.1 100 Continue\r\n\r\n" * 100 + OK,
    mode="keep",
    expect="ResponseHeadTooLarge",
    phase="head",
    reuse=False,
)
case(
    "1xx_flood_endless",
    b"HTTP/1.1 100 Continue\r\n\r\n",
    mode="repeat",
    times=20000,
    expect="ResponseHeadTooLarge",
    phase="head",
    reuse=False,
)
case(
    "101_not_asked_for",
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo\r\nConnection: upgrade\r\n\r\nfoo bytes",
    mode="keep",
    expect="ok",
    status=101,
    body="",
    reuse=False,
)

# --- content codings -----------------------------------------------------------------
TEXT = b"lamella " * 300
for name, coding, data in [
    ("gzip", b"gzip", gz(TEXT)),
    ("x_gzip", b"x-gzip", gz(TEXT)),
    ("deflate_zlib", b"deflate", zlib.compress(TEXT)),
    ("deflate_raw", b"deflate", zlib.compress(TEXT)[2:-4]),
    ("gzip_two_members", b"gzip", gz(TEXT[:900]) + gz(TEXT[900:])),
    ("gzip_then_deflate", b"gzip, deflate", zlib.compress(gz(TEXT))),
    ("identity", b"identity", TEXT),
    ("unknown_coding", b"br2", TEXT),
]:
    case(
        f"coding_{name}",
        ok(data, extra=b"Content-Encoding: " + coding + b"\r\n"),
        mode="keep",
        expect="ok",
        body=TEXT.decode(),
        reuse=True,
    )
case(
    "coding_gzip_chunked",
    CHUNKED.replace(b"\r\n\r\n", b"\r\nContent-Encoding: gzip\r\n\r\n")
    + b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in (gz(TEXT)[:10], gz(TEXT)[10:]))
    + b"0\r\n\r\n",
    mode="keep",
    expect="ok",
    body=TEXT.decode(),
    reuse=True,
)
case(
    "coding_gzip_empty_body",
    ok(b"", extra=b"Content-Encoding: gzip\r\n"),
    mode="keep",
    expect="ok",
    body="",
    reuse=True,
)
_GZ = gz(TEXT)
for name, coding, data in [
    ("gzip_invalid", b"gzip", b"this is not gzip at all"),
    ("gzip_truncated", b"gzip", _GZ[: len(_GZ) // 2]),
    ("gzip_bad_crc", b"gzip", _GZ[:-8] + bytes(b ^ 0xFF for b in _GZ[-8:-4]) + _GZ[-4:]),
    ("gzip_trailing_garbage", b"gzip", _GZ + b"garbage!"),
    ("deflate_invalid", b"deflate", b"\x78\x9c this is not deflate"),
    ("deflate_truncated", b"deflate", zlib.compress(TEXT)[:20]),
    ("chained_inner_invalid", b"gzip, deflate", zlib.compress(b"not gzip")),
]:
    case(f"coding_{name}", ok(data, extra=b"Content-Encoding: " + coding + b"\r\n"), **BODY_ERR)
case(
    "gzip_bomb_16mib",
    ok(gz(b"\0" * (16 << 20)), extra=b"Content-Encoding: gzip\r\n"),
    mode="keep",
    expect="DecompressionLimitExceeded",
    phase="body",
    reuse=False,
)
case(
    "gzip_bomb_nested",
    ok(gz(gz(b"\0" * (32 << 20))), extra=b"Content-Encoding: gzip, gzip\r\n"),
    mode="keep",
    expect="DecompressionLimitExceeded",
    phase="body",
    reuse=False,
)
_six = b"ok"
for _ in range(6):
    _six = gz(_six)
case(
    "content_codings_six",
    ok(_six, extra=b"Content-Encoding: gzip, gzip, gzip, gzip, gzip, gzip\r\n"),
    mode="keep",
    expect="TooManyContentCodings",
    phase="body",
    reuse=False,
)

# --- servers that stall, trickle, reset or never answer ------------------------------
case("slow_loris_head", OK, mode="trickle", delay=0.4, **TIMEOUT_HEAD)
case(
    "slow_loris_body",
    b"HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n" + b"x" * 40,
    mode="trickle",
    delay=0.4,
    after=38,
    **TIMEOUT_BODY,
)
case("never_answers", b"", mode="silent", **TIMEOUT_HEAD)
case("head_then_stall", b"HTTP/1.1 200 OK\r\n", mode="stall", **TIMEOUT_HEAD)
case(
    "reset_before_head",
    b"",
    mode="reset",
    expect=["ClientOSError", "ServerDisconnectedError"],
    phase="head",
    reuse=False,
)
case(
    "reset_mid_head",
    b"HTTP/1.1 200 OK\r\nContent-",
    mode="reset",
    expect=["ClientOSError", "ServerDisconnectedError"],
    phase="head",
    reuse=False,
)
case("reset_mid_chunked_body", CHUNKED + b"5\r\nab", mode="reset", **BODY_ERR)
case(
    "close_mid_gzip_body",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9999\r\n\r\n" + _GZ[:30],
    **BODY_ERR,
)


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for old in HERE.glob("*.http"):
        old.unlink()
    manifest: dict[str, Case] = {}
    for name, data, expected in CASES:
        assert name not in manifest, name
        (HERE / f"{name}.http").write_bytes(data)
        manifest[name] = expected
    text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False)
    (HERE / "cases.json").write_text(text + "\n", encoding="utf-8")
    print(f"{len(manifest)} cases written to {HERE}")


if __name__ == "__main__":
    main()
