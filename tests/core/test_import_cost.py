"""``import lamella`` leaves out what a first plain request does not need.

Each name below is imported on first use (a netrc file read, a Retry-After
date, a multipart boundary, a form, a Link header, a pool snapshot, the
optional distributions, the plugin manager),
so that ``import lamella`` stays cheap; a subprocess checks it, so that an
eager import added anywhere fails here. The plugin-discovery thread started
by the import is kept from running: what it imports (pluggy,
``importlib.metadata`` and the ``email`` package behind it) is off the
importing thread by design, and the check is about that thread.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

LAZY = [
    "netrc",
    "shlex",
    "uuid",
    "email.utils",
    "importlib.metadata",
    "pluggy",
    "lamella_core.plugins",
    "lamella_core.tracing",
    "lamella_core.set_cookie",
    "lamella_core._client.digest",
    "lamella_core._client.links",
    "lamella_core._content.formdata",
    "lamella_core._content.multipart",
    "lamella_core._content.disposition",
    "lamella_core._pool.pool_stats",
    "lamella_connectors",
    "lamella_cookies",
    "lamella_websocket",
    "lamella_http2",
    "h2",
    "httptools",
]

_PROBE = """
import sys, threading
threading.Thread.start = lambda self: None  # keep plugin discovery from running
before = set(sys.modules)
import lamella
print("\\n".join(sorted(set(sys.modules) - before)))
"""


@pytest.fixture(scope="module")
def imported() -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def test_the_probe_sees_the_import(imported: set[str]) -> None:
    assert {"lamella", "lamella_core", "lamella_core._client.session"} <= imported


@pytest.mark.parametrize("module", LAZY)
def test_import_lamella_does_not_import(imported: set[str], module: str) -> None:
    assert module not in imported


def test_the_lazy_names_still_import() -> None:
    import lamella

    assert lamella.TraceConfig.__name__ == "TraceConfig"
    assert lamella.MultipartWriter("mixed").boundary
    assert lamella.FormData({"a": "1"})().size == 3
