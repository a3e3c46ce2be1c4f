"""The RFC 6265 building blocks one rule at a time: domains, paths, dates, prefixes, parsing."""

from __future__ import annotations

from calendar import timegm

import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from lamella_cookies._matching import (
    canonical_domain,
    default_path,
    domain_match,
    is_ip_address,
    is_public_suffix,
    parent_domains,
    parse_cookie_date,
    path_match,
    prefix_allows,
    registrable_domain,
)
from lamella_core.set_cookie import parse_set_cookie


@pytest.mark.parametrize(
    ("host", "domain", "expected"),
    [
        ("example.com", "example.com", True),
        ("www.example.com", "example.com", True),
        ("a.b.example.com", "example.com", True),
        ("notexample.com", "example.com", False),  # a suffix, not a parent domain
        ("example.com", "www.example.com", False),
        ("example.com.evil", "example.com", False),
        ("127.0.0.1", "127.0.0.1", True),  # identical strings always match
        ("10.0.0.1", "0.0.1", False),  # never a parent "domain" of an IP address
        ("::1", "::1", True),
    ],
)
def test_domain_match(host: str, domain: str, expected: bool) -> None:
    assert domain_match(host, domain) is expected


@pytest.mark.parametrize(
    ("request_path", "cookie_path", "expected"),
    [
        ("/", "/", True),
        ("/foo", "/", True),
        ("/foo", "/foo", True),
        ("/foo/", "/foo", True),
        ("/foo/bar", "/foo", True),
        ("/foo/bar", "/foo/", True),
        ("/foobar", "/foo", False),  # a string prefix, not a directory prefix
        ("/fo", "/foo", False),
        ("/foo", "/foo/", False),
        ("/Foo", "/foo", False),  # paths are case-sensitive
    ],
)
def test_path_match(request_path: str, cookie_path: str, expected: bool) -> None:
    assert path_match(request_path, cookie_path) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h/", "/"),
        ("http://h", "/"),
        ("http://h/index.html", "/"),
        ("http://h/a/b", "/a"),
        ("http://h/a/b/", "/a/b"),
        ("http://h/a/b/c?q=/x/y", "/a/b"),
    ],
)
def test_default_path(url: str, expected: str) -> None:
    assert default_path(URL(url)) == expected


def test_parent_domains() -> None:
    assert parent_domains("a.b.example.com") == [
        "a.b.example.com",
        "b.example.com",
        "example.com",
        "com",
    ]
    assert parent_domains("localhost") == ["localhost"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("example.com", "example.com"),
        (".example.com", "example.com"),
        ("  .Example.COM ", "example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("", None),
        (".", None),
        ("example.com.", None),  # a trailing dot makes the attribute unusable, as in aiohttp
        ("a..b", None),
    ],
)
def test_canonical_domain(value: str, expected: str | None) -> None:
    assert canonical_domain(value) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("1.2.3.4.example", False),
        ("example.com", False),
        ("", False),
        (None, False),
        ("999.1.1.1", False),
    ],
)
def test_is_ip_address(host: str | None, expected: bool) -> None:
    assert is_ip_address(host) is expected


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("com", True),
        ("co.uk", True),
        ("github.io", True),  # private section of the list
        ("xn--p1ai", True),  # .рф
        ("localhost", True),  # unknown top-level names are public suffixes too
        ("example.com", False),
        ("example.co.uk", False),
        ("someone.github.io", False),
    ],
)
def test_is_public_suffix(domain: str, expected: bool) -> None:
    assert is_public_suffix(domain) is expected


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("a.b.example.co.uk", "example.co.uk"),
        ("example.com", "example.com"),
        ("x.someone.github.io", "someone.github.io"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
    ],
)
def test_registrable_domain(host: str, site: str) -> None:
    assert registrable_domain(host) == site


@pytest.mark.parametrize(
    ("name", "secure", "secure_origin", "host_only", "path", "expected"),
    [
        ("plain", False, False, False, "/x", True),
        ("__Secure-id", True, True, False, "/x", True),
        ("__Secure-id", False, True, False, "/", False),  # no Secure attribute
        ("__Secure-id", True, False, False, "/", False),  # set over http
        ("__secure-id", False, True, True, "/", False),  # prefixes are case-insensitive
        ("__Host-id", True, True, True, "/", True),
        ("__Host-id", True, True, False, "/", False),  # has a Domain attribute
        ("__Host-id", True, True, True, "/app", False),  # Path is not /
        ("__Host-id", False, True, True, "/", False),
        ("__HOST-id", True, False, True, "/", False),
        ("_Host-id", False, False, False, "/x", True),
    ],
)
def test_prefix_rules(
    name: str, secure: bool, secure_origin: bool, host_only: bool, path: str, expected: bool
) -> None:
    assert (
        prefix_allows(
            name, secure=secure, secure_origin=secure_origin, host_only=host_only, path=path
        )
        is expected
    )


def _utc(*parts: int) -> float:
    return float(timegm((*parts, 0, 0, 0)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wed, 21 Oct 2015 07:28:00 GMT", _utc(2015, 10, 21, 7, 28, 0)),  # RFC 1123
        ("Wednesday, 21-Oct-15 07:28:00 GMT", _utc(2015, 10, 21, 7, 28, 0)),  # RFC 850
        ("Wed Oct 21 07:28:00 2015", _utc(2015, 10, 21, 7, 28, 0)),  # asctime
        ("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        ("21 oct 99 7:8:9", _utc(1999, 10, 21, 7, 8, 9)),  # two-digit years 70-99
        ("21 Oct 69 07:28:00", _utc(2069, 10, 21, 7, 28, 0)),  # and 00-69
        ("Sat, 29 Feb 2020 00:00:00 GMT", _utc(2020, 2, 29, 0, 0, 0)),
        ("Wed, 29 Feb 2023 00:00:00 GMT", None),  # no such day
        ("Wed, 32 Oct 2015 07:28:00 GMT", None),
        ("Wed, 21 Oct 2015 24:00:00 GMT", None),
        ("Wed, 21 Oct 1600 07:28:00 GMT", None),
        ("Wed, 21 Oct 2015 GMT", None),  # no time
        ("tomorrow", None),
        ("", None),
    ],
)
def test_parse_cookie_date(text: str, expected: float | None) -> None:
    assert parse_cookie_date(text) == expected


@given(st.text())
def test_parse_cookie_date_never_raises(text: str) -> None:
    result = parse_cookie_date(text)
    assert result is None or isinstance(result, float)


@given(st.text())
def test_parse_set_cookie_never_raises(text: str) -> None:
    morsel = parse_set_cookie(text)
    assert morsel is None or morsel.key


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("a=1", ("a", "1", {})),
        (" a = 1 ", ("a", "1", {})),
        ("a=", ("a", "", {})),
        ("a=b c", ("a", "b c", {})),  # SimpleCookie would drop this one
        ('a="b c"', ("a", "b c", {})),
        ("a=1; Path=/p; Domain=.Example.com", ("a", "1", {"path": "/p", "domain": ".Example.com"})),
        ("a=1; secure; HttpOnly", ("a", "1", {"secure": True, "httponly": True})),
        (
            "a=1; Max-Age=10; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
            ("a", "1", {"max-age": "10", "expires": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        ),
        ("a=1; SameSite=Lax; Unknown=x", ("a", "1", {"samesite": "Lax"})),
        ("a=1; Path=/one; Path=/two", ("a", "1", {"path": "/two"})),  # the last one wins
        ("a=1; Path=/" + "x" * 1100, ("a", "1", {})),  # over-long attribute values are ignored
        ("a=1;;; ;", ("a", "1", {})),
        # As aiohttp reads them: whitespace also separates attributes, a date keeps its spaces.
        ("a=1; Path=/ Max-Age=5 Secure", ("a", "1", {"path": "/", "max-age": "5", "secure": True})),
        (
            "a=1; Path=/ Expires=Tue, 1 Jan 1980 12:00:00 GMT",
            ("a", "1", {"path": "/", "expires": "Tue, 1 Jan 1980 12:00:00 GMT"}),
        ),
        (
            "a=1; Expires=Wed Jun  9 10:18:14 2021",
            ("a", "1", {"expires": "Wed Jun  9 10:18:14 2021"}),
        ),
        ("a=1; Path=/a\\b; Secure", ("a", "1", {"secure": True})),  # unreadable up to its ";"
        ('a=1; Path="/p\t"', ("a", "1", {})),  # a control character once unquoted
        ("path=1; Path=/p", ("path", "1", {"path": "/p"})),
    ],
)
def test_parse_set_cookie(field: str, expected: tuple[str, str, dict[str, object]]) -> None:
    morsel = parse_set_cookie(field)
    assert morsel is not None
    name, value, attributes = expected
    assert (morsel.key, morsel.value) == (name, value)
    assert {k: v for k, v in morsel.items() if v} == attributes


@pytest.mark.parametrize(
    "field",
    [
        "",
        "novalue",
        "=1",
        " =1; Path=/",
        "a=1\x00",
        "a=1\r\nX-Injected: 1",
        "a b=1",
        "a;b=1",
        'a="b\tc"',
    ],
)
def test_parse_set_cookie_ignores(field: str) -> None:
    assert parse_set_cookie(field) is None
