"""The request head writer: exact bytes out, ValueError before any bad byte."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import CIMultiDict

from lamella_core._wire import serialize_request_head

HEADERS = [
    ("Host", "example.com"),
    ("User-Agent", "lamella"),
    ("Accept", "*/*"),
    ("Content-Length", "2"),
]


def test_exact_bytes_in_the_given_order() -> None:
    assert serialize_request_head("POST", "/p?q=1", HEADERS) == (
        b"POST /p?q=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: lamella\r\n"
        b"Accept: */*\r\nContent-Length: 2\r\n\r\n"
    )


def test_no_headers_and_http_1_0() -> None:
    assert serialize_request_head("GET", "/", [], (1, 0)) == b"GET / HTTP/1.0\r\n\r\n"


def test_multidict_and_generators_are_accepted() -> None:
    expected = serialize_request_head("GET", "/", HEADERS)
    assert serialize_request_head("GET", "/", CIMultiDict(HEADERS)) == expected
    assert serialize_request_head("GET", "/", CIMultiDict(HEADERS).items()) == expected
    assert serialize_request_head("GET", "/", (h for h in HEADERS)) == expected


def test_repeated_headers_are_kept() -> None:
    head = serialize_request_head("GET", "/", [("Cookie", "a=1"), ("Cookie", "b=2")])
    assert head.count(b"Cookie: ") == 2


def test_values_are_utf8_and_verbatim() -> None:
    head = serialize_request_head("GET", "/", [("X-Name", " caf\u00e9\tbar ")])
    assert b"X-Name:  caf\xc3\xa9\tbar \r\n" in head


@pytest.mark.parametrize(
    "target", ["*", "example.com:443", "http://example.com/a?b=%20c", "/~user/a;b"]
)
def test_target_forms(target: str) -> None:
    assert serialize_request_head("GET", target, []).startswith(f"GET {target} ".encode())


@pytest.mark.parametrize(
    "method", ["", "GE T", "GET\r\n", "G\x00", "GET:", "M\u00e9thode", "(GET)"]
)
def test_bad_method(method: str) -> None:
    with pytest.raises(ValueError, match="method"):
        serialize_request_head(method, "/", HEADERS)


@pytest.mark.parametrize(
    "target", ["", "/a b", "/a\r\nX: y", "/a\nb", "/a\x00", "/a\x7f", "/a\tb", "/caf\u00e9"]
)
def test_bad_target(target: str) -> None:
    with pytest.raises(ValueError, match="target"):
        serialize_request_head("GET", target, HEADERS)


@pytest.mark.parametrize(
    "name", ["", "X-A:", "X A", "X-A\r\nEvil", "X\x00", "X: Y", "X\u00e9", "X\tA"]
)
def test_bad_header_name(name: str) -> None:
    with pytest.raises(ValueError, match="header name") as info:
        serialize_request_head("GET", "/", [*HEADERS, (name, "v")])
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("value", ["a\r\nX-Evil: 1", "a\rb", "a\nb", "a\x00b", "a\x01b", "a\x7f"])
def test_bad_header_value(value: str) -> None:
    with pytest.raises(ValueError, match="'X-Bad'"):
        serialize_request_head("GET", "/", [*HEADERS, ("X-Bad", value)])


_token = st.text(alphabet="!#$%&'*+-.^_`|~0123456789abcdefXYZ", min_size=1, max_size=10)
_value = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"),
    max_size=10,
)


@given(headers=st.lists(st.tuples(_token, _value), max_size=6))
def test_one_line_per_header_or_a_value_error(headers: list[tuple[str, str]]) -> None:
    try:
        head = serialize_request_head("GET", "/", headers)
    except ValueError:
        assert any((ord(c) < 32 and c != "\t") or c == "\x7f" for _, v in headers for c in v)
        return
    lines = head.split(b"\r\n")
    assert lines[-2:] == [b"", b""]
    assert len(lines) == len(headers) + 3
    for line, (name, value) in zip(lines[1:-2], headers, strict=True):
        assert line == f"{name}: {value}".encode()


def test_a_repeated_head_is_the_same_bytes_and_a_changed_one_is_rebuilt() -> None:
    first = serialize_request_head("GET", "/poll", CIMultiDict(HEADERS))
    again = serialize_request_head("GET", "/poll", CIMultiDict(HEADERS))
    assert again == first
    changed = [*HEADERS[:-1], ("Content-Length", "3")]
    assert serialize_request_head("GET", "/poll", changed).endswith(b"Content-Length: 3\r\n\r\n")
    assert serialize_request_head("GET", "/poll", HEADERS, (1, 0)).startswith(
        b"GET /poll HTTP/1.0\r\n"
    )


def test_heads_past_the_table_size_are_all_still_exact() -> None:
    # More distinct heads than the table keeps: each one still comes out
    # exactly, whether it was kept, dropped, or built again.
    for _ in range(2):
        for i in range(600):
            assert serialize_request_head("GET", f"/n{i}", [("X-N", str(i))]) == (
                f"GET /n{i} HTTP/1.1\r\nX-N: {i}\r\n\r\n".encode()
            )


def test_a_refused_head_stays_refused_after_a_good_one() -> None:
    serialize_request_head("GET", "/", [("X-A", "ok")])
    for _ in range(2):  # a refused head is never kept, so it is refused every time
        with pytest.raises(ValueError, match="holds CR, LF"):
            serialize_request_head("GET", "/", [("X-A", "ok\r\nX-B: smuggled")])


def test_unhashable_pairs_are_serialised_without_being_kept() -> None:
    pairs = [["X-A", "1"], ["X-B", "2"]]
    assert (
        serialize_request_head("GET", "/", pairs) == b"GET / HTTP/1.1\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
    )
