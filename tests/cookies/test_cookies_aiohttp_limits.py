"""aiohttp's jar behaviour users can see: eviction to a quota, per-request limits, parsing."""

from __future__ import annotations

import logging
from http.cookies import Morsel, SimpleCookie
from typing import Any

import pytest
from cookie_helpers import LoopbackConnector, sent
from yarl import URL

from lamella_core import ClientSession

URL_ = URL("https://example.com/")


def _morsel(name: str, *, secure: bool = False) -> Morsel[str]:
    cookies: SimpleCookie = SimpleCookie()
    cookies[name] = "v"
    morsel = cookies[name]
    morsel["path"] = "/"
    if secure:
        morsel["secure"] = True
    return morsel


def _fill(jar, count: int, *, secure: bool = False, prefix: str = "c") -> None:
    jar.update_cookies(
        [(f"{prefix}{i}", _morsel(f"{prefix}{i}", secure=secure)) for i in range(count)], URL_
    )


def test_a_full_site_is_trimmed_to_its_quota_oldest_first(make_jar, caplog) -> None:
    jar = make_jar()
    jar.update_cookies({"s": _morsel("s", secure=True)}, URL_)
    with caplog.at_level(logging.DEBUG, logger="lamella.cookies"):
        _fill(jar, 180)
    assert caplog.messages == [
        "Evicted 31 cookie(s) for example.com over the 180-cookie domain limit"
    ]
    names = {m.key for m in jar}
    assert len(jar) == 150
    assert "s" in names  # non-Secure cookies go first
    assert "c30" not in names
    assert "c31" in names


def test_a_site_full_of_secure_cookies(make_jar, caplog) -> None:
    jar = make_jar()
    _fill(jar, 180, secure=True)
    with caplog.at_level(logging.DEBUG, logger="lamella.cookies"):
        jar.update_cookies({"plain": _morsel("plain")}, URL_)
    assert "Dropped cookie 'plain' for example.com" in caplog.text
    assert len(jar) == 180
    jar.update_cookies({"new": _morsel("new", secure=True)}, URL_)  # a Secure one evicts
    assert len(jar) == 150
    assert "new" in {m.key for m in jar}


def test_replacing_in_a_full_site_evicts_nothing(make_jar) -> None:
    jar = make_jar()
    _fill(jar, 180)
    jar.update_cookies({"c5": "again"}, URL_)
    assert len(jar) == 180


def test_a_full_jar_is_trimmed_to_its_quota(make_jar, caplog) -> None:
    jar = make_jar(unsafe=True)
    for site in range(66):
        jar.update_cookies(
            {f"c{site}_{i}": "v" for i in range(50)}, URL(f"https://s{site}.example/")
        )
    assert len(jar) == 3300
    with caplog.at_level(logging.DEBUG, logger="lamella.cookies"):
        jar.update_cookies({"last": "v"}, URL("https://s66.example/"))
    assert caplog.messages == ["Evicted 300 cookie(s) over the 3300-cookie total limit"]
    names = {m.key for m in jar}
    assert len(jar) == 3001
    assert "c5_49" not in names
    assert "c6_0" in names


def test_sending_makes_a_cookie_recent(make_jar) -> None:
    jar = make_jar()
    keep = URL("https://keep.example.com/")
    jar.update_cookies({"k": "v"}, keep)  # the oldest cookie of the site
    _fill(jar, 179)
    assert set(jar.filter_cookies(keep)) == {"k"}  # and now its most recently used
    jar.update_cookies({"n": "v"}, URL_)
    names = {m.key for m in jar}
    assert len(jar) == 150
    assert "k" in names
    assert "c30" not in names
    assert "c31" in names


def test_a_request_carries_at_most_150_cookies_its_hosts_first(make_jar) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(
        [f"p{i}=v; Domain=example.com" for i in range(50)], URL("https://a.example.com/")
    )
    jar.update_cookies_from_headers(
        [f"q{i}=v; Domain=example.com" for i in range(50)], URL("https://b.example.com/")
    )
    jar.update_cookies_from_headers(
        [f"r{i}=v; Domain=example.com" for i in range(50)], URL("https://c.example.com/")
    )
    jar.update_cookies_from_headers(["mine=1"], URL("https://app.example.com/"))
    filtered = jar.filter_cookies(URL("https://app.example.com/"))
    assert len(filtered) == 150
    assert filtered["mine"].value == "1"


def test_the_cookie_header_stays_within_8190_bytes(make_jar, caplog) -> None:
    jar = make_jar()
    fits = len("Cookie: ") + len("a=") + len("; ") + len("b=") + 10
    jar.update_cookies({"a": "x" * (8190 - fits), "b": "y" * 10}, URL_)
    filtered = jar.filter_cookies(URL_)
    assert (
        len(("Cookie: " + "; ".join(m.OutputString() for m in filtered.values())).encode()) == 8190
    )
    jar.update_cookies({"b": "y" * 11}, URL_)
    with caplog.at_level(logging.DEBUG, logger="lamella.cookies"):
        assert set(jar.filter_cookies(URL_)) == {"b"}  # the newer fits, the longer is left out
    assert caplog.messages == [
        "Omitted 1 cookie(s) for example.com over the 150-cookie or 8190-octet Cookie header limit"
    ]


@pytest.mark.parametrize("value", ["a\x07b", "\udcff"])
def test_a_cookie_no_header_can_carry_is_dropped(make_jar, caplog, value: str) -> None:
    morsel: Morsel[str] = Morsel()
    morsel.__setstate__({"key": "bad", "value": value, "coded_value": f'"{value}"'})
    jar = make_jar()
    with caplog.at_level(logging.DEBUG, logger="lamella.cookies"):
        jar.update_cookies({"bad": morsel, "ok": "1"}, URL_)
    assert [m.key for m in jar] == ["ok"]
    assert "Dropped cookie 'bad' for example.com" in caplog.text


def test_len_counts_until_removal(make_jar, clock) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers(["a=1; Max-Age=5"], URL_)
    clock.advance(6)
    assert len(jar) == 1
    assert not jar.filter_cookies(URL_)
    assert len(jar) == 0


@pytest.mark.parametrize(
    ("field", "name", "value", "attributes"),
    [
        ('sid=1; Path="/account/secure;v=1"', "sid", "1", {"path": "/account/secure;v=1"}),
        (
            'a=1; Domain="example.com"; Path="/app"',
            "a",
            "1",
            {"domain": "example.com", "path": "/app"},
        ),
        ('x="a;b"; Secure', "x", "a;b", {"secure": True}),
        ("ISAWPLB{A7F5}={925E}; HttpOnly", "ISAWPLB{A7F5}", "{925E}", {"httponly": True}),
        ("c:with:colons=(v)=1", "c:with:colons", "(v)=1", {}),
    ],
)
def test_set_cookie_parsing_as_aiohttp(make_jar, field, name, value, attributes) -> None:
    jar = make_jar()
    jar.update_cookies_from_headers([field], URL("https://example.com/account/secure/page"))
    (morsel,) = list(jar)
    assert (morsel.key, morsel.value) == (name, value)
    for attribute, expected in attributes.items():
        if attribute != "domain":
            assert morsel[attribute] == expected


def test_an_illegal_name_is_logged_and_skipped(make_jar, caplog) -> None:
    jar = make_jar()
    with caplog.at_level(logging.WARNING, logger="lamella.cookies"):
        jar.update_cookies_from_headers(["ok=1", "bad,name=2", "fine=3"], URL_)
    assert sorted(m.key for m in jar) == ["fine", "ok"]
    assert "Can not load cookies: Illegal cookie name 'bad,name'" in caplog.text


async def test_quoted_attributes_and_odd_names_over_a_real_server(cookie_server: int) -> None:
    base = URL.build(scheme="http", host="app.test", port=cookie_server)
    fields = [
        'sid=1; Path="/account/secure;v=1"',
        'a=2; Domain="app.test"; Path="/app"',
        "ISAWPLB{A7F5}={925E}; Path=/",
    ]
    async with ClientSession(connector=LoopbackConnector()) as session:
        url = (base / "set").with_query([("h", f) for f in fields])
        async with session.get(url) as resp:
            assert resp.status == 200
        seen: dict[str, Any] = {}
        for path in ("/app/x", "/account/secure/other"):
            async with session.get(base.with_path(path)) as resp:
                seen[path] = (await resp.json())["cookie"]
    # As in aiohttp, a value with "{" is quoted in the Cookie header.
    assert seen["/app/x"] == 'a=2; ISAWPLB{A7F5}="{925E}"'
    assert seen["/account/secure/other"] == 'ISAWPLB{A7F5}="{925E}"'  # the quoted path kept ";"
    assert sent(session.cookie_jar, "http://sub.app.test/app/") == "a=2"  # Domain= unquoted
