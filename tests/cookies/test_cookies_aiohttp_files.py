"""Cookie files are aiohttp's: what one library saves, the other loads, checked before use."""

from __future__ import annotations

import asyncio
import json
from http.cookies import SimpleCookie
from pathlib import Path

import aiohttp
import pytest
from cookie_helpers import sent
from yarl import URL

from lamella_cookies import CookieJar, CookieJarFormatError

FIELDS = [
    "host=1; Path=/",
    "dom=2; Domain=example.com; Path=/app; HttpOnly",
    "sec=3; Secure; Max-Age=3600",
]
ORIGIN = URL("https://www.example.com/app/page")


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "cookies.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _record(name: str, value: str = "v", **fields: object) -> dict[str, object]:
    return {"key": name, "value": value, "coded_value": value, "domain": "example.com", **fields}


def _aiohttp_jar() -> aiohttp.CookieJar:
    """aiohttp's jar, which must be made inside a running loop."""

    async def make() -> aiohttp.CookieJar:
        return aiohttp.CookieJar()

    return asyncio.run(make())


def test_a_file_aiohttp_saved_loads(make_jar, tmp_path: Path) -> None:
    theirs = _aiohttp_jar()
    theirs.update_cookies_from_headers(FIELDS, ORIGIN)
    theirs.save(tmp_path / "aiohttp.json")
    jar = make_jar()
    jar.load(tmp_path / "aiohttp.json")
    assert sorted(m.key for m in jar) == ["dom", "host", "sec"]
    assert jar.host_only_cookies == theirs.host_only_cookies
    assert sent(jar, "https://www.example.com/app/x") == "sec=3; dom=2; host=1"
    assert sent(jar, "https://sub.example.com/app/") == "dom=2"  # host-only stays so


def test_aiohttp_loads_what_lamella_saved(tmp_path: Path) -> None:
    jar = CookieJar()  # the real clock, as aiohttp's jar has
    jar.update_cookies_from_headers(FIELDS, ORIGIN)
    jar.save(tmp_path / "lamella.json")
    theirs = _aiohttp_jar()
    theirs.load(tmp_path / "lamella.json")
    assert theirs.host_only_cookies == jar.host_only_cookies
    names = set(theirs.filter_cookies(URL("https://www.example.com/app/x")))
    assert names == {"host", "dom", "sec"}
    assert set(theirs.filter_cookies(URL("https://sub.example.com/app/"))) == {"dom"}


def test_the_saved_deadline_is_kept(make_jar, clock, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "example.com|": {
                "a": _record("a", expires_timestamp=clock.now + 10, **{"max-age": "99"})
            }
        },
    )
    jar = make_jar()
    jar.load(path)
    clock.advance(11)  # the deadline, not Max-Age counted from the load
    assert list(jar) == []


def test_an_old_file_without_deadlines_counts_max_age_from_the_load(
    make_jar, clock, tmp_path: Path
) -> None:
    path = _write(tmp_path, {"example.com|": {"a": _record("a", **{"max-age": "60"})}})
    jar = make_jar()
    jar.load(path)
    clock.advance(30)
    assert sent(jar, "https://example.com/") == "a=v"
    clock.advance(31)
    assert sent(jar, "https://example.com/") == ""


def test_loaded_cookies_follow_the_jar_rules(make_jar, tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "example.com|": {
                "good": _record("good"),
                "bad": _record("bad", "\udcff"),  # no Cookie header can carry it
                "gone": _record("gone", expires_timestamp=0.0),
            },
            "co.uk|": {"super": _record("super", domain="co.uk")},  # a public suffix...
        },
    )
    jar = make_jar()
    jar.update_cookies({"old": "1"}, URL("https://example.com/"))
    view = jar.cookies
    jar.load(path)
    assert sorted(m.key for m in jar) == ["good", "super"]
    assert sent(jar, "https://shop.co.uk/") == ""  # ...is kept to its own host
    assert sorted(name for cookies in view.values() for name in cookies) == ["good", "super"]


@pytest.mark.parametrize("deadline", ["nan", "inf", "-inf", "soon", 10**400, [1]])
def test_a_bad_deadline_is_refused_and_the_jar_kept(
    make_jar, tmp_path: Path, deadline: object
) -> None:
    good = {f"c{i}": _record(f"c{i}") for i in range(5)}
    path = _write(
        tmp_path, {"example.com|": {**good, "bad": _record("bad", expires_timestamp=deadline)}}
    )
    jar = make_jar()
    jar.update_cookies({"old": "1"}, URL("https://example.com/"))
    with pytest.raises(ValueError, match=r"Cookie 'bad' in 'example.com\|': expiration") as info:
        jar.load(path)
    assert info.value.__cause__ is not None
    assert [m.key for m in jar] == ["old"]


@pytest.mark.parametrize(
    "record",
    [
        _record("a", path=5),
        _record("a", **{"max-age": ["1"]}),
        {"key": "a", "value": 1, "coded_value": "1"},
        "a=1",
    ],
)
def test_a_wrong_type_is_refused_and_the_jar_kept(make_jar, tmp_path: Path, record) -> None:
    path = _write(tmp_path, {"example.com|": {"a": record}})
    jar = make_jar()
    jar.update_cookies({"old": "1"}, URL("https://example.com/"))
    with pytest.raises(TypeError, match=r"Cookie 'a' in 'example.com\|'"):
        jar.load(path)
    assert [m.key for m in jar] == ["old"]


def test_a_file_of_the_earlier_lamella_format_still_loads(make_jar, tmp_path: Path) -> None:
    cookie = {
        "name": "a",
        "value": "1",
        "coded_value": "1",
        "domain": "example.com",
        "path": "/",
        "host_only": True,
        "secure": False,
        "expires": None,
        "attributes": {},
    }
    path = _write(tmp_path, {"format": "lamella-cookie-jar", "version": 1, "cookies": [cookie]})
    jar = make_jar()
    jar.load(path)
    assert jar.host_only_cookies == frozenset({("example.com", "", "a")})
    with pytest.raises(CookieJarFormatError, match="version 2"):
        jar.load(_write(tmp_path, {"format": "lamella-cookie-jar", "version": 2}))


def test_a_stored_name_round_trips(make_jar, tmp_path: Path) -> None:
    jar = make_jar()
    cookies: SimpleCookie = SimpleCookie()
    cookies["real"] = "value"
    jar.update_cookies({"alias": cookies["real"]}, URL("https://example.com/"))
    jar.save(tmp_path / "c.json")
    other = make_jar()
    other.load(tmp_path / "c.json")
    assert set(other.filter_cookies(URL("https://example.com/"))) == {"alias"}
    assert sent(other, "https://example.com/") == "real=value"
