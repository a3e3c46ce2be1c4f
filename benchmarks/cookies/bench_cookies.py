"""Cookie jar benchmark: ``filter_cookies`` on 1,000 cookies across 100 domains.

    hatch run bench:python benchmarks/cookies/bench_cookies.py
    hatch run bench:python benchmarks/cookies/bench_cookies.py --quick

Both jars (lamella-cookies' ``CookieJar`` and aiohttp's) get the same 1,000
cookies, stored as responses from 100 sites set them: per site, 4 host-only
cookies on ``www``, 3 domain cookies for the site and 3 cookies scoped to
``/app``. Then ``filter_cookies`` is timed for requests that match cookies
(``https://www.siteN.example/app/page``, 10 cookies each) and for a host the
jar has nothing for. Prints the median microseconds per call of several
repetitions and the ratio to aiohttp (below 1 means lamella is faster), and
``--json`` writes them out.

The harness's "cookies" row (``benchmarks/run.py``) measures the matching
requests with the same jar and loop: ``client.py`` imports ``make_jar``,
``MATCHING`` and ``filter_many`` from here, one library per fresh process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from http.cookies import SimpleCookie
from typing import Any

from yarl import URL

SITES = 100
JARS = ("lamella", "aiohttp")
MATCHING = [URL(f"https://www.site{i}.example/app/page") for i in range(SITES)]
NO_MATCH = [URL("https://elsewhere.example/")]


def _fill(jar: Any) -> None:
    """Store the 1,000 cookies in ``jar`` as responses from the 100 sites set them."""
    for site, host in enumerate(MATCHING):
        cookies = [f"h{i}=host{i}" for i in range(4)]
        cookies += [f"d{i}=dom{i}; Domain=site{site}.example; Path=/" for i in range(3)]
        cookies += [f"p{i}=path{i}; Path=/app" for i in range(3)]
        for field in cookies:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(field)
            jar.update_cookies(parsed, host)  # what a session does with resp.cookies
    assert len(jar) == SITES * 10, len(jar)


async def make_jar(client: str) -> Any:
    """The filled ``CookieJar`` of ``client``'s library, "lamella" or "aiohttp"."""
    # async: aiohttp's jar wants a running loop when it is built.
    if client == "aiohttp":
        import aiohttp

        jar = aiohttp.CookieJar()
    else:
        from lamella_cookies import CookieJar

        jar = CookieJar()
    _fill(jar)
    return jar


def filter_many(jar: Any, urls: list[URL], n: int) -> int:
    """Call ``jar.filter_cookies`` ``n`` times over ``urls`` in turn; the cookies it returned."""
    found = 0
    count = len(urls)
    for i in range(n):
        found += len(jar.filter_cookies(urls[i % count]))
    return found


async def _jars() -> dict[str, Any]:
    """One filled jar of each library."""
    return {client: await make_jar(client) for client in JARS}


def _microseconds(jar: Any, urls: list[URL], n: int) -> float:
    """Microseconds per ``filter_cookies`` call over ``n`` calls."""
    start = time.perf_counter()
    filter_many(jar, urls, n)
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls and repetitions")
    parser.add_argument("--json", metavar="FILE", help="also write the medians as JSON")
    args = parser.parse_args()
    n, reps = (2_000, 3) if args.quick else (20_000, 7)

    jars = asyncio.run(_jars())
    groups = {"match (10 cookies)": MATCHING, "no match": NO_MATCH}
    # Same answer from both jars before timing anything.
    for group in groups.values():
        for url in group:
            ours = {k: m.value for k, m in jars["lamella"].filter_cookies(url).items()}
            theirs = {k: m.value for k, m in jars["aiohttp"].filter_cookies(url).items()}
            assert ours == theirs, (url, ours, theirs)

    results: dict[str, dict[str, float]] = {}
    for name, group in groups.items():
        samples: dict[str, list[float]] = {client: [] for client in jars}
        for _ in range(reps):
            for client, jar in jars.items():  # interleaved, so drift hits both alike
                samples[client].append(_microseconds(jar, group, n))
        results[name] = {client: statistics.median(values) for client, values in samples.items()}

    print(f"filter_cookies, jar of {SITES * 10} cookies across {SITES} sites (µs per call, median)")
    print(f"{'request':<22}{'lamella':>10}{'aiohttp':>10}{'ratio':>8}")
    for name, row in results.items():
        ratio = row["lamella"] / row["aiohttp"]
        print(f"{name:<22}{row['lamella']:>10.2f}{row['aiohttp']:>10.2f}{ratio:>8.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(results, file, indent=1)


if __name__ == "__main__":
    main()
