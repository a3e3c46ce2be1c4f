"""save()/load(): aiohttp's JSON, atomic writes, refusal of anything else, no code execution."""

from __future__ import annotations

import json
import os
import pickle
import stat
from pathlib import Path

import pytest
from cookie_helpers import sent
from yarl import URL

from lamella_cookies import CookieJar, CookieJarFormatError
from lamella_cookies import _persistence as persistence


def _filled(make_jar):
    jar = make_jar()
    jar.update_cookies_from_headers(
        [
            "host=1",
            "dom=2; Domain=example.com; Path=/app; HttpOnly; SameSite=Lax",
            "sec=3; Secure; Max-Age=3600",
            '__Host-id="a b"; Secure; Path=/',
        ],
        URL("https://www.example.com/app/page"),
    )
    jar.update_cookies({"shared": "4"})
    return jar


def test_round_trip(make_jar, tmp_path: Path) -> None:
    jar = _filled(make_jar)
    path = tmp_path / "cookies.json"
    jar.save(path)
    other = make_jar()
    other.load(str(path))
    assert len(other) == len(jar) == 5
    for url in ("https://www.example.com/app/x", "http://x.example.com/app/", "https://other.org/"):
        assert sent(other, url) == sent(jar, url)
    assert other.host_only_cookies == jar.host_only_cookies
    # As in aiohttp, Max-Age and Expires are saved as the deadline they gave.
    relative = {"max-age": "", "expires": ""}
    before = {(m.key, m["domain"], m["path"]): {**dict(m), **relative} for m in jar}
    after = {(m.key, m["domain"], m["path"]): {**dict(m), **relative} for m in other}
    assert after == before


def test_expiry_survives_a_round_trip(make_jar, clock, tmp_path: Path) -> None:
    jar = _filled(make_jar)
    jar.save(tmp_path / "c.json")
    clock.advance(3601)
    other = make_jar()
    other.load(tmp_path / "c.json")
    assert "sec" not in {m.key for m in other}
    assert len(other) == 4


def test_file_is_aiohttps_json(make_jar, tmp_path: Path) -> None:
    path = tmp_path / "cookies.json"
    _filled(make_jar).save(path)
    document = json.loads(path.read_text("utf-8"))
    assert list(document) == ["www.example.com|/app", "example.com|/app", "www.example.com|", "|"]
    assert document["example.com|/app"]["dom"] == {
        "key": "dom",
        "value": "2",
        "coded_value": "2",
        "domain": "example.com",
        "path": "/app",
        "httponly": True,
        "samesite": "Lax",
    }
    sec = document["www.example.com|/app"]["sec"]
    assert sec["host_only"] is True
    assert sec["secure"] is True
    assert sec["expires_timestamp"] == pytest.approx(1_700_000_000.0 + 3600)
    assert "max-age" not in sec


def test_file_is_private_and_written_atomically(make_jar, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "cookies.json"
    path.write_text("previous contents")
    jar = _filled(make_jar)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        jar.save(path)
    assert path.read_text() == "previous contents"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cookies.json"]  # no stray temp file
    monkeypatch.undo()
    path.chmod(0o640)
    jar.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # an existing file keeps its mode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cookies.json"]
    jar.save(tmp_path / "new.json")
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o600  # a new one is private


def test_save_empty_jar(make_jar, tmp_path: Path) -> None:
    make_jar().save(tmp_path / "empty.json")
    jar = _filled(make_jar)
    jar.load(tmp_path / "empty.json")
    assert len(jar) == 0


def _cookie(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
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
    base.update(changes)
    return base


def _doc(*cookies: dict[str, object], **changes: object) -> dict[str, object]:
    document: dict[str, object] = {
        "format": "lamella-cookie-jar",
        "version": 1,
        "cookies": list(cookies),
    }
    document.update(changes)
    return document


BAD_FILES = [
    ("not json", b"\x80\x04\x95 pickle?", "not JSON"),
    ("empty", b"", "not JSON"),
    ("a list", json.dumps([1, 2]).encode(), "not a cookie file"),
    ("aiohttp's json, no '|'", json.dumps({"example.com": {}}).encode(), "not a 'domain|path'"),
    ("newer version", json.dumps(_doc(version=2)).encode(), "version 2"),
    ("no version", json.dumps(_doc(version=None)).encode(), "version None"),
    ("cookies not a list", json.dumps(_doc(cookies={})).encode(), "must be a list"),
    ("cookie not an object", json.dumps(_doc("a=1")).encode(), "must be an object"),
    ("missing field", json.dumps(_doc({"name": "a"})).encode(), '"value" must be a str'),
    ("wrong type", json.dumps(_doc(_cookie(secure="yes"))).encode(), '"secure" must be a bool'),
    (
        "bad expires",
        json.dumps(_doc(_cookie(expires="soon"))).encode(),
        '"expires" must be a number',
    ),
    ("relative path", json.dumps(_doc(_cookie(path="app"))).encode(), "must start with"),
    ("illegal name", json.dumps(_doc(_cookie(name="a b"))).encode(), "cookie #0"),
    (
        "unknown attribute",
        json.dumps(_doc(_cookie(attributes={"__class__": "x"}))).encode(),
        "unknown attribute",
    ),
    (
        "public suffix domain",
        json.dumps(_doc(_cookie(domain="co.uk", host_only=False))).encode(),
        "breaks the jar's rules",
    ),
    (
        "uncanonical domain",
        json.dumps(_doc(_cookie(domain=".Example.com"))).encode(),
        "breaks the jar's rules",
    ),
    ("ip domain", json.dumps(_doc(_cookie(domain="10.0.0.1"))).encode(), "breaks the jar's rules"),
    (
        "bad __Host- cookie",
        json.dumps(_doc(_cookie(name="__Host-a", secure=True, host_only=False))).encode(),
        "breaks the jar's rules",
    ),
    (
        "header injection",
        json.dumps(_doc(_cookie(value="1", coded_value='"1\r\nX: y"'))).encode(),
        "breaks the jar's rules",
    ),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "not JSON"),
]


@pytest.mark.parametrize(
    ("content", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_bad_file_is_refused_and_the_jar_unchanged(
    make_jar, tmp_path: Path, content: bytes, message: str
) -> None:
    jar = _filled(make_jar)
    before = sent(jar, "https://www.example.com/app/x")
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CookieJarFormatError, match=message) as info:
        jar.load(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)
    assert sent(jar, "https://www.example.com/app/x") == before
    assert len(jar) == 5


def test_missing_file_raises_oserror_and_keeps_the_jar(make_jar, tmp_path: Path) -> None:
    jar = _filled(make_jar)
    with pytest.raises(FileNotFoundError):
        jar.load(tmp_path / "absent.json")
    assert len(jar) == 5


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_a_pickle_is_never_executed(make_jar, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cookies.pickle"
    path.write_bytes(pickle.dumps({("example.com", "/"): _Boom()}))
    jar = make_jar()
    with pytest.raises(CookieJarFormatError, match="not JSON"):
        jar.load(path)
    assert not (tmp_path / "pwned").exists()


def test_loading_never_imports_or_calls_file_contents(make_jar, tmp_path: Path) -> None:
    # JSON can only describe data; strings that look like code stay strings.
    path = tmp_path / "c.json"
    evil = "__import__('os').system('touch pwned')"
    path.write_text(
        json.dumps(_doc(_cookie(value="x", coded_value="x", attributes={"comment": evil})))
    )
    jar = make_jar()
    jar.load(path)
    (morsel,) = list(jar)
    assert morsel["comment"] == evil
    assert not (tmp_path / "pwned").exists()


def test_loaded_cookies_obey_the_jar_limits(make_jar, tmp_path: Path) -> None:
    from lamella_cookies import CookieLimits

    cookies = [_cookie(name=f"c{i}") for i in range(10)]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(_doc(*cookies)))
    jar = make_jar(limits=CookieLimits(max_cookies_per_site=4))
    jar.load(path)
    assert [m.key for m in jar] == ["c6", "c7", "c8", "c9"]


def test_str_and_path_are_both_accepted(make_jar, tmp_path: Path) -> None:
    jar = _filled(make_jar)
    jar.save(str(tmp_path / "a.json"))
    jar.save(tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert persistence.VERSION == 1
    fresh = CookieJar()
    fresh.load(tmp_path / "a.json")
    assert len(fresh) >= 4  # the real clock: the one-hour cookie may still be alive
