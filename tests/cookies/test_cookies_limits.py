"""A hostile server cannot grow the jar without bound."""

from __future__ import annotations

import pytest
from cookie_helpers import sent
from yarl import URL

from lamella_cookies import CookieLimits


def test_defaults_are_aiohttps() -> None:
    limits = CookieLimits()
    assert (limits.max_cookies_per_site, limits.cookie_quota_per_site) == (180, 150)
    assert (limits.max_cookies, limits.cookie_quota) == (3300, 3000)
    assert (limits.max_cookies_per_request, limits.max_header_length) == (150, 8190)
    assert limits.max_bytes_per_site == limits.max_cookie_size == 128 * 1024


def test_a_quota_above_its_maximum_is_lowered() -> None:
    limits = CookieLimits(max_cookies_per_site=4, max_cookies=10)
    assert (limits.cookie_quota_per_site, limits.cookie_quota) == (4, 10)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_limits_must_be_positive_integers(bad: object) -> None:
    with pytest.raises(ValueError, match="max_cookies must be a positive integer"):
        CookieLimits(max_cookies=bad)  # type: ignore[arg-type]


def test_oversized_cookie_is_ignored_and_keeps_the_old_one(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_cookie_size=4096))
    url = URL("http://h.com/")
    jar.update_cookies({"a": "small"}, url)
    jar.update_cookies({"a": "x" * 4096}, url)  # name + value = 4097 bytes
    jar.update_cookies({"b": "y" * 4095}, url)  # exactly 4096: kept
    assert sent(jar, "http://h.com/").startswith("a=small; b=yyy")


def test_site_count_evicts_least_recently_used(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_cookies_per_site=3))
    jar.update_cookies_from_headers(["a=1", "b=2", "c=3"], URL("http://www.h.com/"))
    jar.filter_cookies(URL("http://www.h.com/"))  # a, b and c used together
    jar.update_cookies_from_headers(
        ["d=4; Path=/d"], URL("http://www.h.com/")
    )  # evicts a (oldest access, then first stored)
    assert sorted(m.key for m in jar) == ["b", "c", "d"]


def test_site_limit_spans_subdomains(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_cookies_per_site=5))
    for i in range(20):
        jar.update_cookies({f"c{i}": "v"}, URL(f"http://host{i}.evil.co.uk/"))
    jar.update_cookies({"mine": "1"}, URL("http://good.co.uk/"))
    assert len(jar) == 6
    assert sum(1 for m in jar if m["domain"].endswith("evil.co.uk")) == 5
    assert sent(jar, "http://good.co.uk/") == "mine=1"


def test_site_bytes_limit(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_bytes_per_site=100))
    for i in range(5):
        jar.update_cookies({f"k{i}": "v" * 38}, URL("http://h.com/"))  # 40 bytes each
    assert sorted(m.key for m in jar) == ["k3", "k4"]


def test_insecure_cookie_never_evicts_secure_ones(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_cookies_per_site=2))
    jar.update_cookies_from_headers(["s1=1; Secure", "s2=2; Secure"], URL("https://h.com/"))
    jar.update_cookies_from_headers(["plain=1"], URL("https://h.com/"))
    assert sorted(m.key for m in jar) == ["s1", "s2"]
    jar.update_cookies_from_headers(["s3=3; Secure"], URL("https://h.com/"))
    assert sorted(m.key for m in jar) == ["s2", "s3"]


def test_insecure_cookies_go_before_secure_ones(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_cookies_per_site=2))
    jar.update_cookies_from_headers(["s=1; Secure", "p=2"], URL("https://h.com/"))
    jar.update_cookies_from_headers(["t=3; Secure"], URL("https://h.com/"))
    assert sorted(m.key for m in jar) == ["s", "t"]


def test_expired_cookies_make_room_first(make_jar, clock) -> None:
    jar = make_jar(limits=CookieLimits(max_cookies_per_site=2))
    jar.update_cookies_from_headers(["old=1", "brief=2; Max-Age=5"], URL("http://h.com/"))
    clock.advance(6)
    jar.update_cookies_from_headers(["new=3"], URL("http://h.com/"))
    assert sorted(m.key for m in jar) == ["new", "old"]


def test_jar_wide_limit(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_cookies=10))
    for i in range(25):
        jar.update_cookies({"c": str(i)}, URL(f"http://site{i}.example/"))
    assert len(jar) == 10
    assert sent(jar, "http://site24.example/") == "c=24"
    assert sent(jar, "http://site0.example/") == ""


def test_a_full_site_does_not_lose_a_replaced_cookie(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_cookies_per_site=1, max_bytes_per_site=10))
    jar.update_cookies({"a": "1"}, URL("http://h.com/"))
    jar.update_cookies({"a": "x" * 20}, URL("http://h.com/"))  # fits no site budget
    assert sent(jar, "http://h.com/") == "a=1"


def test_replacing_does_not_count_twice(make_jar) -> None:
    jar = make_jar(limits=CookieLimits(max_cookies_per_site=2))
    url = URL("http://h.com/")
    for i in range(10):
        jar.update_cookies({"a": str(i), "b": str(i)}, url)
    assert sent(jar, "http://h.com/") == "a=9; b=9"


def test_a_flood_stays_bounded(make_jar) -> None:
    jar = make_jar()
    for response in range(20):
        fields = [f"c{response}_{i}=v; Domain=evil.example" for i in range(50)]
        jar.update_cookies_from_headers(fields, URL("http://a.evil.example/"))
        assert len(jar) <= 180
    # A full site is trimmed to its quota (150) and grows back to 180.
    assert 150 <= len(jar) <= 180
    header = sent(jar, "http://evil.example/")
    assert header.count("=") == 150  # what one request carries at most
    assert "c19_49=v" in header


def test_a_response_sets_at_most_50_cookies(make_jar) -> None:
    jar = make_jar()
    fields = ["gone=; Max-Age=0", *(f"c{i}=v" for i in range(60))]
    jar.update_cookies_from_headers(fields, URL("http://h.com/"))
    assert len(jar) == 49  # the deletion counts as one of the 50
    assert "c48" in {m.key for m in jar}
    assert "c49" not in {m.key for m in jar}
