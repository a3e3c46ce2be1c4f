"""CookieJar storage and retrieval, RFC 6265 (and 6265bis) one rule per row.

Each row stores the cookies of some ``Set-Cookie`` fields received from a
URL, then checks the ``Cookie`` header a request to another URL carries. The
rows run through both ways into the jar: ``update_cookies_from_headers`` (one
field at a time) and ``update_cookies(SimpleCookie)`` (what aiohttp code does).
"""

from __future__ import annotations

from http.cookies import CookieError, Morsel, SimpleCookie

import pytest
from cookie_helpers import Clock, sent
from yarl import URL

from lamella_cookies import CookieJar

# (id, Set-Cookie fields, response URL, request URL, expected Cookie header)
RULES = [
    # host-only versus domain cookies
    ("host-only to its host", ["a=1"], "http://example.com/", "http://example.com/", "a=1"),
    ("host-only not to subdomains", ["a=1"], "http://example.com/", "http://www.example.com/", ""),
    ("host-only not to parents", ["a=1"], "http://www.example.com/", "http://example.com/", ""),
    (
        "domain cookie to subdomains",
        ["a=1; Domain=example.com"],
        "http://www.example.com/",
        "http://x.y.example.com/",
        "a=1",
    ),
    (
        "domain cookie to the domain",
        ["a=1; Domain=example.com"],
        "http://www.example.com/",
        "http://example.com/",
        "a=1",
    ),
    (
        "leading dot ignored",
        ["a=1; Domain=.example.com"],
        "http://example.com/",
        "http://www.example.com/",
        "a=1",
    ),
    (
        "domain is case-insensitive",
        ["a=1; Domain=EXAMPLE.com"],
        "http://Example.COM/",
        "http://www.example.com/",
        "a=1",
    ),
    (
        "foreign domain refused",
        ["a=1; Domain=other.com"],
        "http://example.com/",
        "http://other.com/",
        "",
    ),
    (
        "sibling domain refused",
        ["a=1; Domain=api.example.com"],
        "http://www.example.com/",
        "http://api.example.com/",
        "",
    ),
    (
        "suffix that is no parent refused",
        ["a=1; Domain=ample.com"],
        "http://example.com/",
        "http://ample.com/",
        "",
    ),
    (
        "trailing dot makes host-only",
        ["a=1; Domain=example.com."],
        "http://example.com/",
        "http://www.example.com/",
        "",
    ),
    (
        "empty Domain makes host-only",
        ["a=1; Domain="],
        "http://example.com/",
        "http://www.example.com/",
        "",
    ),
    (
        "other hosts get nothing",
        ["a=1; Domain=example.com"],
        "http://example.com/",
        "http://example.org/",
        "",
    ),
    # public suffixes
    (
        "public suffix refused",
        ["a=1; Domain=co.uk"],
        "http://shop.example.co.uk/",
        "http://other.co.uk/",
        "",
    ),
    (
        "public suffix refused at home",
        ["a=1; Domain=co.uk"],
        "http://shop.example.co.uk/",
        "http://shop.example.co.uk/",
        "",
    ),
    (
        "private suffix refused",
        ["a=1; Domain=github.io"],
        "https://me.github.io/",
        "https://you.github.io/",
        "",
    ),
    (
        "top-level domain refused",
        ["a=1; Domain=com"],
        "http://example.com/",
        "http://example.com/",
        "",
    ),
    (
        "registrable domain accepted",
        ["a=1; Domain=example.co.uk"],
        "http://shop.example.co.uk/",
        "http://www.example.co.uk/",
        "a=1",
    ),
    (
        "suffix equal to host is host-only",
        ["a=1; Domain=localhost"],
        "http://localhost/",
        "http://localhost/",
        "a=1",
    ),
    (
        "suffix host-only not to subdomains",
        ["a=1; Domain=localhost"],
        "http://localhost/",
        "http://x.localhost/",
        "",
    ),
    # paths
    (
        "default path is the directory",
        ["a=1"],
        "http://h.com/app/page",
        "http://h.com/app/other",
        "a=1",
    ),
    ("default path excludes parents", ["a=1"], "http://h.com/app/page", "http://h.com/", ""),
    ("default path from the root", ["a=1"], "http://h.com/page", "http://h.com/x/y", "a=1"),
    ("Path scopes", ["a=1; Path=/app"], "http://h.com/", "http://h.com/app/x", "a=1"),
    ("Path scopes exactly", ["a=1; Path=/app"], "http://h.com/", "http://h.com/app", "a=1"),
    (
        "Path is a directory prefix",
        ["a=1; Path=/app"],
        "http://h.com/",
        "http://h.com/application",
        "",
    ),
    ("Path outside", ["a=1; Path=/app"], "http://h.com/", "http://h.com/", ""),
    (
        "relative Path uses the default",
        ["a=1; Path=app"],
        "http://h.com/dir/page",
        "http://h.com/dir/x",
        "a=1",
    ),
    (
        "relative Path not elsewhere",
        ["a=1; Path=app"],
        "http://h.com/dir/page",
        "http://h.com/app",
        "",
    ),
    # Secure
    ("Secure over https", ["a=1; Secure"], "https://h.com/", "https://h.com/", "a=1"),
    ("Secure not over http", ["a=1; Secure"], "https://h.com/", "http://h.com/", ""),
    ("Secure over wss", ["a=1; Secure"], "https://h.com/", "wss://h.com/", "a=1"),
    ("Secure not set over http", ["a=1; Secure"], "http://h.com/", "https://h.com/", ""),
    # prefixes
    (
        "__Secure- accepted",
        ["__Secure-a=1; Secure; Domain=h.com"],
        "https://h.com/",
        "https://www.h.com/",
        "__Secure-a=1",
    ),
    ("__Secure- needs Secure", ["__Secure-a=1"], "https://h.com/", "https://h.com/", ""),
    (
        "__Host- accepted",
        ["__Host-a=1; Secure; Path=/"],
        "https://h.com/x",
        "https://h.com/",
        "__Host-a=1",
    ),
    (
        "__Host- refuses Domain",
        ["__Host-a=1; Secure; Path=/; Domain=h.com"],
        "https://h.com/",
        "https://h.com/",
        "",
    ),
    ("__Host- needs Path=/", ["__Host-a=1; Secure"], "https://h.com/x/y", "https://h.com/x/z", ""),
    ("__Host- needs https", ["__Host-a=1; Secure; Path=/"], "http://h.com/", "https://h.com/", ""),
    # IP addresses
    ("IP hosts refused", ["a=1"], "http://127.0.0.1/", "http://127.0.0.1/", ""),
    ("IPv6 hosts refused", ["a=1"], "http://[::1]/", "http://[::1]/", ""),
    # expiry attributes
    ("Max-Age=0 never stored", ["a=1; Max-Age=0"], "http://h.com/", "http://h.com/", ""),
    ("negative Max-Age never stored", ["a=1; Max-Age=-5"], "http://h.com/", "http://h.com/", ""),
    (
        "past Expires never stored",
        ["a=1; Expires=Thu, 01 Jan 2015 00:00:00 GMT"],
        "http://h.com/",
        "http://h.com/",
        "",
    ),
    (
        "future Expires stored",
        ["a=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT"],
        "http://h.com/",
        "http://h.com/",
        "a=1",
    ),
    (
        "Max-Age wins over Expires",
        ["a=1; Expires=Thu, 01 Jan 2015 00:00:00 GMT; Max-Age=60"],
        "http://h.com/",
        "http://h.com/",
        "a=1",
    ),
    (
        "Max-Age=0 wins over Expires",
        ["a=1; Max-Age=0; Expires=Fri, 01 Jan 2100 00:00:00 GMT"],
        "http://h.com/",
        "http://h.com/",
        "",
    ),
    ("bad Max-Age is ignored", ["a=1; Max-Age=soon"], "http://h.com/", "http://h.com/", "a=1"),
    ("bad Expires is ignored", ["a=1; Expires=never"], "http://h.com/", "http://h.com/", "a=1"),
    # ordering
    (
        "longer paths first",
        ["a=1; Path=/", "b=2; Path=/x/y", "c=3; Path=/x"],
        "http://h.com/",
        "http://h.com/x/y/z",
        "b=2; c=3; a=1",
    ),
    ("then older first", ["z=1", "a=2", "m=3"], "http://h.com/", "http://h.com/", "z=1; a=2; m=3"),
    (
        "one value per name, most specific",
        ["a=root; Path=/", "a=deep; Path=/x"],
        "http://h.com/",
        "http://h.com/x/",
        "a=deep",
    ),
    # replacement by (name, domain, path)
    ("same identity replaces", ["a=1", "a=2"], "http://h.com/", "http://h.com/", "a=2"),
    (
        "domain cookie replaces host-only",
        ["a=1", "a=2; Domain=h.com"],
        "http://h.com/",
        "http://www.h.com/",
        "a=2",
    ),
]

SIMPLE_COOKIE_CANNOT_PARSE: set[str] = set()


def _ingest_fields(jar: CookieJar, fields: list[str], url: URL) -> None:
    jar.update_cookies_from_headers(fields, url)


def _ingest_simple_cookie(jar: CookieJar, fields: list[str], url: URL) -> None:
    # What ClientSession does with response.cookies, one field at a time so
    # that SimpleCookie's merging by name does not hide the rule under test.
    for field in fields:
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(field)
        jar.update_cookies(cookie, url)


@pytest.mark.parametrize(
    "ingest", [_ingest_fields, _ingest_simple_cookie], ids=["fields", "SimpleCookie"]
)
@pytest.mark.parametrize(
    ("fields", "response_url", "request_url", "expected"),
    [r[1:] for r in RULES],
    ids=[r[0] for r in RULES],
)
def test_rule(make_jar, ingest, fields, response_url, request_url, expected) -> None:
    jar = make_jar()
    ingest(jar, fields, URL(response_url))
    assert sent(jar, request_url) == expected


def test_unsafe_accepts_and_sends_ip_cookies(make_jar) -> None:
    jar = make_jar(unsafe=True)
    jar.update_cookies({"a": "1"}, URL("http://127.0.0.1:8080/"))
    assert sent(jar, "http://127.0.0.1:9000/") == "a=1"  # cookies ignore ports
    assert sent(jar, "http://127.0.0.2/") == ""
    assert sent(jar, "http://localhost/") == ""
    assert jar.unsafe


def test_safe_jar_sends_nothing_to_ip_hosts(make_jar) -> None:
    unsafe = make_jar(unsafe=True)
    unsafe.update_cookies({"a": "1"}, URL("http://127.0.0.1/"))
    safe = make_jar()
    for morsel in unsafe:
        safe.update_cookies({morsel.key: morsel})  # as a shared cookie, domain kept
    assert sent(safe, "http://127.0.0.1/") == ""


def test_shared_cookies_without_response_url(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies({"a": "1", "b": "2"})
    assert sent(jar, "http://example.com/x") == "a=1; b=2"
    assert sent(jar, "https://other.org/") == "a=1; b=2"
    assert sent(jar, "http://127.0.0.1/") == "a=1; b=2"
    assert jar.cookies[("", "")]["a"].value == "1"
    jar.update_cookies({"a": "3"}, URL())
    assert sent(jar, "http://example.com/") == "a=3; b=2"


def test_shared_morsel_with_domain_and_path(make_jar) -> None:
    morsel: Morsel[str] = Morsel()
    morsel.set("a", "1", "1")
    morsel["domain"] = ".example.com"
    morsel["path"] = "/api"
    jar = make_jar()
    jar.update_cookies([("a", morsel)])
    assert sent(jar, "http://www.example.com/api/v1") == "a=1"
    assert sent(jar, "http://www.example.com/") == ""
    assert sent(jar, "http://example.org/api") == ""


def test_treat_as_secure_origin(make_jar) -> None:
    jar = make_jar(treat_as_secure_origin=["http://dev.test:8080"])
    assert jar.treat_as_secure_origin == frozenset({URL("http://dev.test:8080")})
    jar.update_cookies_from_headers(
        ["a=1; Secure", "__Host-b=2; Secure; Path=/"], URL("http://dev.test:8080/x")
    )
    assert sent(jar, "http://dev.test:8080/x") == "a=1; __Host-b=2"
    assert sent(jar, "http://dev.test:8081/x") == ""  # another origin
    assert make_jar(treat_as_secure_origin="http://a.test").treat_as_secure_origin == {
        URL("http://a.test")
    }
    assert make_jar(treat_as_secure_origin=URL("http://a.test/p")).treat_as_secure_origin == {
        URL("http://a.test")
    }


def test_insecure_origin_cannot_replace_a_secure_cookie(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(["sid=good; Secure; Domain=h.com"], URL("https://h.com/"))
    jar.update_cookies_from_headers(["sid=evil"], URL("http://www.h.com/"))
    jar.update_cookies_from_headers(["sid=evil; Max-Age=0; Domain=h.com"], URL("http://h.com/"))
    assert sent(jar, "https://h.com/") == "sid=good"
    jar.update_cookies_from_headers(["sid=new; Secure; Domain=h.com"], URL("https://h.com/"))
    assert sent(jar, "https://www.h.com/") == "sid=new"


def test_expiry_follows_the_clock(make_jar, clock: Clock) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(
        ["short=1; Max-Age=10", "long=2; Max-Age=100", "session=3"], URL("http://h.com/")
    )
    assert sent(jar, "http://h.com/") == "short=1; long=2; session=3"
    clock.advance(10)
    assert sent(jar, "http://h.com/") == "long=2; session=3"
    assert len(jar) == 2
    clock.advance(1000)
    assert [m.key for m in jar] == ["session"]


def test_expires_date_against_the_clock(make_jar, clock: Clock) -> None:
    clock.now = 1_444_000_000.0  # 2015-10-04
    jar = make_jar()
    jar.update_cookies_from_headers(
        ["a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT"], URL("http://h.com/")
    )
    assert len(jar) == 1
    clock.now = 1_445_412_480.0  # 2015-10-21 07:28:00
    assert len(jar) == 1  # as in aiohttp, len() counts what is stored until it is removed
    assert list(jar) == []
    assert len(jar) == 0


def test_deletion_by_past_expiry(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(["a=1", "b=2; Path=/x"], URL("http://h.com/"))
    jar.update_cookies_from_headers(
        ["a=; Max-Age=0", "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"], URL("http://h.com/")
    )
    assert sent(jar, "http://h.com/") == ""
    assert len(jar) == 1  # b was set for Path=/ by the deletion, so /x's cookie stays
    jar.update_cookies_from_headers(["b=; Max-Age=0; Path=/x"], URL("http://h.com/"))
    assert len(jar) == 0


def test_replacement_keeps_the_creation_order(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(["a=1", "b=2"], URL("http://h.com/"))
    jar.update_cookies_from_headers(["a=3"], URL("http://h.com/"))
    assert sent(jar, "http://h.com/") == "a=3; b=2"


def test_replacement_resets_expiry(make_jar, clock: Clock) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(["a=1; Max-Age=5"], URL("http://h.com/"))
    jar.update_cookies_from_headers(["a=2"], URL("http://h.com/"))
    clock.advance(60)
    assert sent(jar, "http://h.com/") == "a=2"


def test_same_name_on_other_domains_and_paths_are_separate(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(
        ["a=host", "a=dom; Domain=h.com", "a=deep; Path=/x"], URL("http://www.h.com/")
    )
    assert len(jar) == 3
    assert sent(jar, "http://other.h.com/") == "a=dom"
    assert sent(jar, "http://www.h.com/x") == "a=deep"


@pytest.mark.parametrize(
    ("quote_cookie", "value", "expected"),
    [
        (True, "a b", 'v="a b"'),
        (False, "a b", "v=a b"),
        (True, "plain", "v=plain"),
        (False, '"q"', 'v="q"'),
    ],
)
def test_quote_cookie(make_jar, quote_cookie: bool, value: str, expected: str) -> None:
    jar = make_jar(quote_cookie=quote_cookie)
    jar.update_cookies({"v": value}, URL("http://h.com/"))
    assert jar.quote_cookie is quote_cookie
    assert sent(jar, "http://h.com/") == expected


def test_values_that_would_break_the_header_are_refused(make_jar) -> None:
    jar = make_jar(quote_cookie=False)
    jar.update_cookies({"a": "x; admin=1", "b": "line\r\nX: 1", "ok": "1"}, URL("http://h.com/"))
    assert sent(jar, "http://h.com/") == "ok=1"


def test_update_cookies_accepts_every_loose_shape(make_jar) -> None:
    jar = make_jar()
    cookie: SimpleCookie = SimpleCookie("c=3; Path=/")
    morsel: Morsel[str] = Morsel()
    morsel.set("d", "4", "4")
    jar.update_cookies({"a": "1"}, URL("http://h.com/"))
    jar.update_cookies([("b", "2")], URL("http://h.com/"))
    jar.update_cookies(cookie, URL("http://h.com/"))
    jar.update_cookies({"renamed": morsel}, URL("http://h.com/"))
    jar.update_cookies({"e": cookie}, URL("http://h.com/"))  # a BaseCookie value without "e"
    # As aiohttp: a Morsel is stored under the name it is filed under, sent under its key.
    assert sent(jar, "http://h.com/") == "a=1; b=2; c=3; d=4"
    assert set(jar.filter_cookies(URL("http://h.com/"))) == {"a", "b", "c", "renamed"}


@pytest.mark.parametrize("name", ["bad name", "path", "Secure"])
def test_update_cookies_refuses_names_a_cookie_cannot_have(make_jar, name: str) -> None:
    # As aiohttp: a str value under an illegal name or an attribute word raises.
    jar = make_jar()
    with pytest.raises(CookieError):
        jar.update_cookies({name: "1"}, URL("http://h.com/"))
    assert list(jar) == []


def test_filter_cookies_returns_a_simple_cookie_of_fresh_morsels(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(["a=1; HttpOnly; Path=/"], URL("http://h.com/"))
    found = jar.filter_cookies(URL("http://h.com/"))
    assert isinstance(found, SimpleCookie)
    assert found["a"].value == "1"
    assert not found["a"]["httponly"]  # only the name and value travel
    assert jar.filter_cookies(URL("http://h.com/")).output() == "Set-Cookie: a=1"
    assert len(make_jar().filter_cookies(URL("http://h.com/"))) == 0


def test_iteration_and_views(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(
        ["a=1", "b=2; Domain=h.com; Path=/p; HttpOnly"], URL("http://www.h.com/")
    )
    morsels = {m.key: m for m in jar}
    assert morsels["a"]["domain"] == "www.h.com"
    assert morsels["a"]["path"] == "/"
    assert morsels["b"]["domain"] == "h.com"
    assert morsels["b"]["httponly"] is True
    # aiohttp's keys: the path without its trailing "/".
    assert jar.host_only_cookies == frozenset({("www.h.com", "", "a")})
    assert set(jar.cookies) == {("www.h.com", ""), ("h.com", "/p")}
    assert repr(jar) == "<CookieJar 2 cookies>"


def test_clear_and_clear_domain(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(["a=1; Domain=h.com", "b=2"], URL("http://www.h.com/"))
    jar.update_cookies_from_headers(["c=3"], URL("http://h.org/"))
    jar.update_cookies({"shared": "1"})
    jar.clear_domain("www.h.com")
    assert sorted(m.key for m in jar) == ["a", "c", "shared"]
    jar.clear_domain(".H.com")
    assert sorted(m.key for m in jar) == ["c", "shared"]
    jar.clear_domain("org")
    assert [m.key for m in jar] == ["shared"]
    jar.update_cookies({"x": "1"}, URL("http://h.com/"))
    jar.clear(lambda morsel: morsel.key == "x")
    assert [m.key for m in jar] == ["shared"]
    jar.clear()
    assert len(jar) == 0
    jar.clear_domain("")  # nothing to match: no error


def test_loop_argument_is_accepted() -> None:
    import asyncio

    loop = asyncio.new_event_loop()
    try:
        assert len(CookieJar(loop=loop)) == 0
    finally:
        loop.close()
