"""The compatibility job's own parts: the import rewriting, the shim, the plugin, the list.

The job itself (run.py) downloads aiohttp's sdist and runs for minutes, so
it is a CI step of its own; these tests pin down, with the main suite, that
its pieces give a test lamella's client names and aiohttp's server, and
that the expected-failures file is well formed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import aiohttp
import aiohttp.web
import pytest
from aiohttp_compat_rewrite import LAMELLA_PACKAGES, rewrite_conftest, rewrite_imports
from aiohttp_compat_shim import LamellaLacks, Missing

import lamella

HERE = Path(__file__).resolve().parent


def _run(source: str) -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile(rewrite_imports(source), "<rewritten>", "exec"), namespace)
    return namespace


def test_client_names_become_lamellas_and_the_server_stays_aiohttps() -> None:
    ns = _run("from aiohttp import ClientSession, hdrs, web as server\nimport aiohttp\n")
    assert ns["ClientSession"] is lamella.ClientSession
    assert ns["server"] is aiohttp.web
    assert ns["hdrs"].METH_GET == "GET"  # type: ignore[attr-defined]
    shim = ns["aiohttp"]
    assert shim.TCPConnector is lamella.TCPConnector  # type: ignore[attr-defined]
    assert shim.web is aiohttp.web  # type: ignore[attr-defined]
    assert shim.client_exceptions.ClientError is lamella.ClientError  # type: ignore[attr-defined]


def test_submodule_imports_and_their_internals() -> None:
    ns = _run(
        "from aiohttp.client_exceptions import (\n"
        "    ClientError,\n"
        "    TooManyRedirects as Redirects,\n"
        ")\n"
        "import aiohttp.cookiejar as cookiejar_module\n"
        "from aiohttp.cookiejar import _MAX_COOKIES_PER_REQUEST\n"
        "from aiohttp.http import WS_KEY, RawResponseMessage\n"
    )
    assert ns["ClientError"] is lamella.ClientError
    assert ns["Redirects"] is lamella.TooManyRedirects
    assert ns["cookiejar_module"].CookieJar is lamella.CookieJar  # type: ignore[attr-defined]
    # aiohttp's private names and plain data constants stay aiohttp's.
    assert ns["_MAX_COOKIES_PER_REQUEST"] == aiohttp.cookiejar._MAX_COOKIES_PER_REQUEST
    assert ns["WS_KEY"] == aiohttp.http.WS_KEY
    assert ns["RawResponseMessage"] is aiohttp.http.RawResponseMessage


def test_a_client_name_lamella_lacks_fails_only_where_used() -> None:
    ns = _run(
        "from aiohttp.http import WSMessageDecodeText\n"
        "def annotated(x: WSMessageDecodeText | None = None) -> None: ...\n"
        "class Sub(WSMessageDecodeText): ...\n"
    )
    missing = ns["WSMessageDecodeText"]
    assert isinstance(missing, Missing)
    with pytest.raises(LamellaLacks, match=r"lamella lacks aiohttp\.http\.WSMessageDecodeText"):
        missing(b"")
    with pytest.raises(LamellaLacks):
        isinstance(b"", missing)  # type: ignore[arg-type]
    with pytest.raises(LamellaLacks):
        ns["Sub"]()  # type: ignore[operator]


def test_line_numbers_and_indentation_are_kept() -> None:
    source = textwrap.dedent(
        """\
        import os
        def f():
            from aiohttp import (
                ClientSession,
            )
            return ClientSession
        x = 1
        """
    )
    rewritten = rewrite_imports(source)
    assert len(rewritten.splitlines()) == len(source.splitlines())
    assert rewritten.splitlines()[6] == "x = 1"
    assert _run(source)["f"]() is lamella.ClientSession  # type: ignore[operator]


def test_message_type_identity_becomes_equality() -> None:
    source = (
        "ok = msg.type is WSMsgType.TEXT and other.type is not aiohttp.WSMsgType.CLOSE\n"
        "this is WSMsgTypes.X\n"
        'text = f"{x} is not WSMsgType.BINARY"\n'
    )
    assert rewrite_imports(source) == (
        "ok = msg.type == WSMsgType.TEXT and other.type != aiohttp.WSMsgType.CLOSE\n"
        "this is WSMsgTypes.X\n"
        'text = f"{x} is not WSMsgType.BINARY"\n'
    )
    # aiohttp.web's message types now match lamella's names, and the reverse.
    ns = _run(
        "from aiohttp import WSMsgType\nfrom aiohttp import web\n"
        "ok = web.WSMsgType.TEXT is WSMsgType.TEXT\n"
    )
    assert ns["ok"] is True


def test_other_imports_and_strings_are_left_alone() -> None:
    source = 'import os\nfrom . import x\nfrom yarl import URL\nTARGET = "aiohttp.connector.X"\n'
    assert rewrite_imports(source) == source


def test_the_blocking_detector_watches_lamella() -> None:
    conftest = (
        '    with blockbuster_ctx(\n        "aiohttp", excluded_modules=[]\n    ) as bb:\n'
        '        bb.functions["threading.Lock.acquire"].deactivate()\n'
    )
    rewritten = rewrite_conftest(conftest)
    for package in ("aiohttp", *LAMELLA_PACKAGES):
        assert repr(package) in rewritten
    assert "lamella_cookies/_jar.py" in rewritten
    with pytest.raises(ValueError, match="blockbuster_ctx"):
        rewrite_conftest("def nothing(): pass\n")


def test_aiohttps_test_client_sends_with_lamella() -> None:
    # In a child process: the plugin patches aiohttp.test_utils for good.
    script = textwrap.dedent(
        """\
        import asyncio
        import aiohttp_compat_plugin  # noqa: F401
        from aiohttp import test_utils, web
        import lamella

        async def handler(request):
            return web.Response(text="served by aiohttp")

        async def main():
            app = web.Application()
            app.router.add_get("/", handler)
            async with test_utils.TestClient(test_utils.TestServer(app)) as client:
                assert isinstance(client.session, lamella.ClientSession)
                assert isinstance(client.session.cookie_jar, lamella.CookieJar)
                async with client.get("/") as resp:
                    assert isinstance(resp, lamella.ClientResponse)
                    print(await resp.text())

        asyncio.run(main())
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=HERE,
        env={"PYTHONPATH": str(HERE), "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "served by aiohttp"


def test_the_expected_failures_file_is_well_formed() -> None:
    import run

    expected = run.load_expected()
    assert all(reason.startswith(run.REASONS) for reason in expected.values())
    files = {nodeid.partition("::")[0].removeprefix("tests/") for nodeid in expected}
    assert files <= {*run.TEST_FILES, "lamella"}


def test_a_malformed_entry_is_refused(tmp_path: Path) -> None:
    import run

    bad = tmp_path / "expected.txt"
    bad.write_text("tests/test_formdata.py::test_x  # because\n")
    with pytest.raises(SystemExit, match="reason one of"):
        run.load_expected(bad)
