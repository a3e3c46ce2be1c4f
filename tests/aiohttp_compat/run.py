"""The compatibility job: aiohttp's own client tests, run against lamella.

``hatch run compat:run`` (CI runs it). It

1. downloads the sdist of the aiohttp release installed in the environment
   (3.14.x) from the package index into ``tests/aiohttp_compat/.work/``;
   its tests are Apache-2.0 and are never kept in this repository;
2. extracts aiohttp's ``tests/`` and ``pytest.ini``, and rewrites the
   imports of the client test files listed in :data:`TEST_FILES` so that
   every client name is lamella's (aiohttp_compat_rewrite.py, aiohttp_compat_shim.py);
   ``aiohttp.web`` stays the server;
3. runs them with aiohttp's own pytest settings (warnings are errors, its
   blocking-I/O detector, now watching lamella's packages too, its
   conftest fixtures, ``xfail_strict``), with the plugin that makes
   ``aiohttp.test_utils.TestClient`` use lamella's ``ClientSession``;
4. compares what did not pass with ``expected_failures.txt``: the job fails
   on a failure that is not listed and on a listed test that passes (or is
   no longer there), so the list stays true. A mismatch is run once more on
   its own first, and only a repeated one counts (a test whose outcome
   flips is reported as flaky).

``--update`` rewrites ``expected_failures.txt`` from the run: reasons of
entries that still fail are kept, new ones get ``not yet: <the failure>``
for a person to classify. Extra arguments go to pytest (``-k``, a file
name), and a run restricted that way does not check for stale entries.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path

from aiohttp_compat_rewrite import rewrite_conftest, rewrite_imports

HERE = Path(__file__).resolve().parent
WORK = HERE / ".work"
EXPECTED = HERE / "expected_failures.txt"

# aiohttp's client test files the job runs.
TEST_FILES = (
    "test_client_functional.py",
    "test_client_ws_functional.py",
    "test_cookiejar.py",
    "test_client_middleware.py",
    "test_client_middleware_digest_auth.py",
    "test_proxy_functional.py",
    "test_client_session.py",
    "test_client_response.py",
    "test_client_exceptions.py",
    "test_formdata.py",
    "test_client_fingerprint.py",
)

# More mismatches than this are not a flaky test or two: no second run.
MAX_RERUNS = 40

REASONS = ("tests aiohttp's private internals: ", "deliberate difference: ", "not yet: ")

# aiohttp's addopts are coverage, xdist=auto, doctests of its own package and
# verbose reporting; the job keeps only its marker selection and strictness.
# Its ini file gives the rest (filterwarnings = error, xfail_strict, timeout).
PYTEST_OPTIONS = (
    "-o",
    "addopts=",
    "--strict-markers",
    "-m",
    "not dev_mode and not autobahn and not internal",
    "-p",
    "aiohttp_compat_plugin",
    "-p",
    "no:cacheprovider",
    "--continue-on-collection-errors",
    "-q",
    "--no-header",
    "-rN",
    # aiohttp gives a hung test 120 s; lamella's differences can hang many
    # tests, and the job has to stay within CI's budget.
    "--timeout=15",
)


def _sdist(version: str) -> Path:
    """aiohttp's sdist of ``version``, downloaded once into .work/."""
    target = WORK / "sdist"
    found = sorted(target.glob(f"aiohttp-{version}.tar.gz"))
    if found:
        return found[0]
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            str(target),
            f"aiohttp=={version}",
        ],
        check=True,
    )
    return target / f"aiohttp-{version}.tar.gz"


def _extract(sdist: Path, version: str) -> Path:
    """aiohttp's tests/ and pytest.ini in a fresh tree, client imports rewritten."""
    tree = WORK / f"aiohttp-{version}"
    shutil.rmtree(tree, ignore_errors=True)
    prefix = f"aiohttp-{version}/"
    with tarfile.open(sdist) as archive:
        members = [
            m
            for m in archive.getmembers()
            if m.name.startswith((f"{prefix}tests/", f"{prefix}pytest.ini"))
        ]
        archive.extractall(WORK, members=members, filter="data")
    tests = tree / "tests"
    for name in TEST_FILES:
        path = tests / name
        path.write_text(rewrite_imports(path.read_text(encoding="utf-8")), encoding="utf-8")
    conftest = tests / "conftest.py"
    conftest.write_text(rewrite_conftest(conftest.read_text(encoding="utf-8")), encoding="utf-8")
    # The ini's filter for the unclosed-session warning names aiohttp's repr
    # of the session; lamella's warning shows lamella's.
    ini = tree / "pytest.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8").replace(
            "Unclosed client session <aiohttp.client.ClientSession object at 0x",
            "Unclosed client session <ClientSession ",
        ),
        encoding="utf-8",
    )
    return tree


def _pytest(tree: Path, targets: list[str], extra: list[str], workers: int, results: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        "LAMELLA_COMPAT_RESULTS": str(results),
    }
    command = [sys.executable, "-m", "pytest", "-c", "pytest.ini", "--rootdir", str(tree)]
    command += [*PYTEST_OPTIONS, *(["-n", str(workers)] if workers > 1 else []), *extra, *targets]
    # pytest's own exit code is not the verdict: the expected list is.
    code = subprocess.run(command, cwd=tree, env=env, check=False).returncode
    if not results.exists():
        raise SystemExit(f"pytest (exit status {code}) wrote no results: see its output above")


def load_expected(path: Path = EXPECTED) -> dict[str, str]:
    """nodeid -> reason, from the expected-failures file."""
    expected: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        nodeid, sep, reason = line.partition("  # ")
        if not sep or not reason.startswith(REASONS):
            raise SystemExit(
                f"{path.name}:{number}: expected '<nodeid>  # <reason>', reason one of {REASONS}"
            )
        if nodeid in expected:
            raise SystemExit(f"{path.name}:{number}: {nodeid} is listed twice")
        expected[nodeid] = reason
    return expected


# First guesses at a reason for a new failure, from its nodeid and its
# one-line why; a person checks each before committing the list.
_GUESSES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), reason)
    for pattern, reason in (
        (r"lamella lacks (aiohttp\.(?:\w+\.)*_\w+)", "tests aiohttp's private internals: {0}"),
        (
            r"lamella lacks aiohttp\.abc\.AbstractStreamWriter",
            "tests aiohttp's private internals: ClientResponse built by hand "
            "(writer=, timer=, traces=, loop=, session=) and fed by a mock connection",
        ),
        (r"(Mock object has no attribute '\w+')", "tests aiohttp's private internals: {0}"),
        (r"'(\w+)' object has no attribute '(_\w+)'", "tests aiohttp's private internals: {0}.{1}"),
        (
            r"type object '(\w+)' has no attribute '(_\w+)'",
            "tests aiohttp's private internals: {0}.{1}",
        ),
        (r"(ClientSession\._\w+)\(\) missing", "tests aiohttp's private internals: {0}"),
        (r"`(ClientSession\._\w+)` not called", "tests aiohttp's private internals: {0} patched"),
        (
            r"(ClientRequest)\W+\w* ?has no attribute '(write_bytes)'",
            "tests aiohttp's private internals: {0}.{1}",
        ),
        (r"lamella lacks (aiohttp\.[\w.]+)", "not yet: lamella lacks {0}"),
        (
            r"test_client_session.py\S* .*Blocking call to os\.stat",
            "not yet: trust_env=True reads ~/.netrc with blocking I/O inside the event loop",
        ),
        (
            r"test_proxy_functional.py\S*netrc\S* .*Blocking call to os\.stat",
            "not yet: trust_env=True reads ~/.netrc with blocking I/O inside the event loop",
        ),
        (
            r"Blocking call to io\.BufferedReader\.read",
            "not yet: file bodies are read with blocking I/O inside the event loop",
        ),
        (r"Blocking call to ([\w.]+)", "not yet: blocking call to {0} inside the event loop"),
        (
            r"(\w+(?:\.\w+)?)\(\) got an unexpected keyword argument '(\w+)'",
            "not yet: {0}() does not accept {1}=",
        ),
        (r"DID NOT WARN", "not yet: no DeprecationWarning where aiohttp emits one"),
        (
            r"CookieJarFormatError: .* is not a lamella cookie file",
            "not yet: CookieJar.load() does not read the files aiohttp's CookieJar.save() writes",
        ),
        (
            r"test_formdata.py::test_invalid_value_formdata_\w+\[",
            "not yet: FormData accepts CR, LF and NUL in field names and filenames",
        ),
        (
            r"'(MultipartWriter|BytesPayload)' object has no attribute 'write'",
            "not yet: payloads have no write(writer) method",
        ),
        (
            r"multiple unraisable exception warnings",
            "not yet: objects left unclosed (ResourceWarning, 'Exception ignored') surface in this test",
        ),
        (
            r"Exception ignored in: <function ClientSession\.__del__",
            "not yet: ClientSession.__del__ raises after a failed __init__",
        ),
        (r"Timeout \(>[\d.]+s\) from pytest-timeout", "not yet: hangs"),
        (
            r"InvalidUrlRedirectClientError: http:/",
            "not yet: a same-scheme Location without an authority is not resolved against the URL",
        ),
        (
            r"RedirectClientError: Cannot follow a 30[123] redirect",
            "not yet: a 301/302/303 after a POST with a streamed body is not followed as a GET",
        ),
        (
            r"a coroutine was expected, got <lamella_core\._client\.contexts",
            "not yet: the request context manager is not a coroutine (create_task, gather)",
        ),
        (
            r"ClientConnectorCertificateError: Cannot connect to host .*ssl:True",
            "not yet: ssl= is not used for the TLS connection to an https:// proxy",
        ),
        (r"test_auto_header_user_agent", "not yet: the default User-Agent does not say aiohttp"),
        (
            r"Dropped cookie|Can not load cookies|Omitted \d+ c|Evicted \d+",
            "not yet: CookieJar does not log what it drops as aiohttp does",
        ),
        (
            r"get_read_buffer_limits|\(262144, 524288\)",
            "not yet: content.get_read_buffer_limits() does not reflect read_bufsize=",
        ),
        (
            r"test_cookiejar.py::test_(cookie_jar_load|save_load_json|save)\w*",
            "not yet: CookieJar.save()/load() differ from aiohttp's (format, checks, file mode)",
        ),
        (
            r"test_cookiejar.py::test_(cookie_jar_(limits|evicts|expired_c|expired_s|full|purge|"
            r"duplicates)|response_cookie_limit|filter_cookies_(limits|cached|counts|host))\w*",
            "not yet: CookieJar's limits and eviction (per domain, in total, per request) differ",
        ),
        (r"host_?only", "not yet: host-only cookies are keyed with another path than aiohttp's"),
        (
            r"test_cookiejar.py::test_(update_cookies|quoted_path|loose_cookies)\w*",
            "not yet: Set-Cookie parsing and cookie attributes differ from aiohttp's",
        ),
        (
            r"test_cookiejar.py::\S*(expires|max_age|expired_changes)",
            "not yet: cookie expiry (Expires, Max-Age) is handled differently",
        ),
        (r"test_heartbeat_no_pong", "not yet: heartbeat with a peer that never answers pings"),
        (r"send_json_bytes", "not yet: ClientWebSocketResponse has no send_json_bytes()"),
        (
            r"test_client_rejects_compressed_frame",
            "not yet: a compressed frame is accepted when compression was not negotiated",
        ),
        (
            r"test_\w*max_headers\w*|test_\w*max_line\w*|test_\w*max_field\w*",
            "not yet: header limits (max_line_size, max_field_size, max_headers) differ",
        ),
    )
)


def _guess(nodeid: str, why: str) -> str:
    for pattern, reason in _GUESSES:
        found = pattern.search(f"{nodeid} {why}")
        if found:
            return reason.format(*found.groups())
    why = re.sub(r" \[[\w.]+:\d+\]$", "", why.partition(": ")[2])  # the phase, the place
    why = re.sub(r" at 0x[0-9a-f]+|(?<=127\.0\.0\.1):\d+", "", why)  # what changes run to run
    return f"not yet: {why[:160]}"


def _write_expected(outcomes: dict[str, dict[str, str]], old: dict[str, str]) -> None:
    lines = [
        "# aiohttp's client tests that do not pass against lamella, one reason each:",
        "#   tests aiohttp's private internals: <the internal>",
        "#   deliberate difference: <the safety reason> (and a line in docs/migration.md)",
        "#   not yet: <the lamella difference still to fix>",
        "# Checked by tests/aiohttp_compat/run.py: an unlisted failure and a listed pass both fail the job.",
    ]
    current = ""
    for nodeid in sorted(n for n, o in outcomes.items() if o["outcome"] == "failed"):
        file = nodeid.partition("::")[0]
        if file != current:
            lines += ["", f"# {file}"]
            current = file
        reason = old.get(nodeid) or _guess(nodeid, outcomes[nodeid].get("why", ""))
        lines.append(f"{nodeid}  # {reason}")
    EXPECTED.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _mismatches(outcomes: dict[str, dict[str, str]], expected: dict[str, str]) -> dict[str, str]:
    """nodeid -> what is wrong, for the outcomes the list does not predict."""
    wrong: dict[str, str] = {}
    for nodeid, result in outcomes.items():
        if result["outcome"] == "failed" and nodeid not in expected:
            wrong[nodeid] = f"fails, not listed: {result.get('why', '')}"
        elif result["outcome"] != "failed" and nodeid in expected:
            wrong[nodeid] = f"listed, but {result['outcome']}"
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--update", action="store_true", help="rewrite expected_failures.txt from this run"
    )
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (default 2)")
    parser.add_argument(
        "--reuse", action="store_true", help="run the tree already in .work/ (while debugging)"
    )
    args, extra = parser.parse_known_args()

    version = importlib.metadata.version("aiohttp")
    if not version.startswith("3.14."):
        raise SystemExit(f"the job runs aiohttp 3.14's tests; aiohttp {version} is installed")
    tree = WORK / f"aiohttp-{version}"
    if not (args.reuse and tree.is_dir()):
        tree = _extract(_sdist(version), version)
    # Test paths among the extra arguments replace the default selection.
    chosen = [a for a in extra if a.startswith("tests/")]
    extra = [a for a in extra if a not in chosen]
    targets = chosen or [f"tests/{name}" for name in TEST_FILES]
    results = WORK / "results.json"
    results.unlink(missing_ok=True)
    _pytest(tree, targets, extra, args.workers, results)
    outcomes: dict[str, dict[str, str]] = json.loads(results.read_text(encoding="utf-8"))
    expected = load_expected()
    restricted = bool(extra or chosen)

    if args.update:
        if restricted:
            raise SystemExit("--update needs a full run (no pytest arguments)")
        _write_expected(outcomes, expected)
        expected = load_expected()

    wrong = _mismatches(outcomes, expected)
    flaky: list[str] = []
    if wrong and len(wrong) <= MAX_RERUNS and not args.update:
        # Once more, on their own and one at a time: only a repeated mismatch counts.
        again = WORK / "results-again.json"
        again.unlink(missing_ok=True)
        _pytest(tree, sorted(n for n in wrong if n.startswith("tests/")), [], 1, again)
        second: dict[str, dict[str, str]] = json.loads(again.read_text(encoding="utf-8"))
        confirmed = _mismatches(second, expected)
        flaky = sorted(n for n in wrong if n not in confirmed and n in second)
        wrong = {n: why for n, why in wrong.items() if n in confirmed or n not in second}
    if not restricted:
        for nodeid in expected:
            if nodeid not in outcomes:
                wrong[nodeid] = "listed, but no such test ran"

    counts = Counter(result["outcome"] for result in outcomes.values())
    print()
    print(f"aiohttp {version}'s client tests against lamella (passed / run, per file):")
    per_file: dict[str, Counter[str]] = {}
    for nodeid, result in outcomes.items():
        per_file.setdefault(nodeid.partition("::")[0], Counter())[result["outcome"]] += 1
    for file, tally in sorted(per_file.items()):
        print(f"  {file}: {tally['passed']} / {tally['passed'] + tally['failed']}")
    for nodeid in flaky:
        print(f"  flaky (outcome changed on a second run): {nodeid}")
    for nodeid, why in sorted(wrong.items()):
        print(f"  UNEXPECTED: {nodeid}: {why}")
    reasons = Counter(reason.partition(":")[0] for reason in expected.values())
    print("  listed: " + ", ".join(f"{n} {kind}" for kind, n in reasons.most_common()))
    print(
        f"  {counts['failed']} did not pass, as listed; {counts['xfailed']} xfailed "
        "(aiohttp's own marks); skipped ones are aiohttp's skips"
    )
    # The closing line: "failed" counts only what the list does not predict.
    print(f"compat: {counts['passed']} passed, {len(wrong)} failed, {counts['skipped']} skipped")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
