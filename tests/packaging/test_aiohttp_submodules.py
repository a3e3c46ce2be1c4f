"""``lamella.client_exceptions``, ``lamella.abc`` and the other submodules named after aiohttp's.

Each lists client names of aiohttp's module of the same name (tests may
import aiohttp; product code never does) and finds them in lamella's roots
on first access. These tests hold the lists to aiohttp's modules, check
that every listed name lamella has is there (and the same object as the
root's), that a name a root gains later shows up without touching the alias
module, and that none of it costs ``import lamella`` anything.

No wheel is built, so this module runs with the main suite (``hatch test``).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

import lamella
import lamella_core.abc

SUBMODULES = sorted(lamella._SUBMODULES - {"hdrs", "typedefs"})


def _alias(name: str) -> types.ModuleType:
    return importlib.import_module(f"lamella.{name}")


def _aiohttp_names(name: str) -> set[str]:
    theirs = importlib.import_module(f"aiohttp.{name}")
    return {n for n in vars(theirs) if not n.startswith("_")}


@pytest.mark.parametrize("name", SUBMODULES)
def test_lists_only_names_of_aiohttps_module(name: str) -> None:
    assert _alias(name)._aliased <= _aiohttp_names(name)


@pytest.mark.parametrize("name", SUBMODULES)
def test_every_listed_name_lamella_has_is_there(name: str) -> None:
    module = _alias(name)
    roots = [lamella_core.abc, lamella] if name == "abc" else [lamella]
    expected = {n for n in module._aliased if any(hasattr(root, n) for root in roots)}
    assert set(module.__all__) == expected
    for n in expected:
        assert getattr(module, n) is next(getattr(r, n) for r in roots if hasattr(r, n))


@pytest.mark.parametrize("name", SUBMODULES)
def test_star_import_and_dir_give_the_names(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from lamella.{name} import *", namespace)
    module = _alias(name)
    assert set(namespace) - {"__builtins__"} == set(module.__all__)
    assert set(module.__all__) <= set(dir(module))


def test_aiohttp_client_names_lamella_lacks_are_absent() -> None:
    import lamella.http

    assert "WS_KEY" in lamella.http._aliased
    with pytest.raises(AttributeError, match="WS_KEY"):
        _ = lamella.http.WS_KEY
    with pytest.raises(ImportError):
        exec("from lamella.http import WS_KEY", {})
    assert "WS_KEY" not in dir(lamella.http)


def test_a_name_is_looked_up_on_access(monkeypatch: pytest.MonkeyPatch) -> None:
    # A distribution that starts to export one of aiohttp's names makes it
    # appear in the alias module without any change there.
    import lamella.http

    monkeypatch.setattr(lamella, "SERVER_SOFTWARE", "lamella-test", raising=False)
    try:
        assert "SERVER_SOFTWARE" in lamella.http.__all__
        assert lamella.http.SERVER_SOFTWARE == "lamella-test"
    finally:  # the alias module keeps what it found; forget it again
        vars(lamella.http).pop("SERVER_SOFTWARE", None)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"'lamella\.connector' has no attribute 'Nope'"):
        _ = _alias("connector").Nope


def test_submodules_are_attributes_of_lamella() -> None:
    assert lamella.client_exceptions.ClientError is lamella.ClientError
    assert lamella.abc.AbstractResolver is lamella_core.abc.AbstractResolver
    assert lamella.typedefs.StrOrURL is not None


def test_aiohttp_import_lines_work_with_lamella() -> None:
    # The import lines of aiohttp's documentation and of its own client
    # tests, with `aiohttp` replaced by `lamella`.
    namespace: dict[str, object] = {}
    exec(
        "from lamella.client_exceptions import ClientResponseError, TooManyRedirects\n"
        "from lamella.abc import AbstractResolver, ResolveResult\n"
        "from lamella.connector import BaseConnector, Connection, TCPConnector, UnixConnector\n"
        "from lamella.client import ClientSession\n"
        "from lamella.client_reqrep import ClientRequest, ClientResponse, RequestInfo\n"
        "from lamella.client_ws import ClientWSTimeout\n"
        "from lamella.cookiejar import CookieJar\n"
        "from lamella.formdata import FormData\n"
        "from lamella.multipart import MultipartWriter\n"
        "from lamella.payload import AsyncIterablePayload, BytesPayload, StringPayload\n"
        "from lamella.resolver import ThreadedResolver\n"
        "from lamella.streams import StreamReader\n"
        "from lamella.tracing import TraceConfig\n"
        "from lamella.typedefs import LooseHeaders, StrOrURL\n"
        "from lamella.http import WebSocketError, WSCloseCode, WSMsgType\n",
        namespace,
    )
    assert namespace["ClientSession"] is lamella.ClientSession
    assert namespace["WSMsgType"] is lamella.WSMsgType


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_import_lamella_loads_no_alias_module() -> None:
    loaded = _modules_after("import lamella")
    assert {f"lamella.{name}" for name in lamella._SUBMODULES} & loaded == set()
    assert "lamella._aliases" not in loaded


def test_an_alias_module_imports_a_distribution_only_when_a_name_is_used() -> None:
    loaded = _modules_after("import lamella.client_ws")
    assert "lamella_websocket" not in loaded
    loaded = _modules_after("import lamella.client_ws\nlamella.client_ws.ClientWSTimeout")
    assert "lamella_websocket" in loaded
