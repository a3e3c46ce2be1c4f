"""The ``lamella`` meta-package installed from its wheel, as users get it.

Builds the five wheels, installs the meta-package's (with its ``cli`` extra)
into a fresh virtualenv, giving pip every lamella wheel as a local file so that
no lamella distribution can come from an index (their third-party dependencies
do), and runs ``meta_package_examples.py`` there: aiohttp's client reference
examples with ``import lamella as aiohttp``, against loopback servers, and the
``lamella`` console script.
"""

from __future__ import annotations

import json
import os
import subprocess
import venv
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.packaging

EXAMPLES = Path(__file__).with_name("meta_package_examples.py")
LAMELLA_DISTRIBUTIONS = [
    "lamella",
    "lamella-codecs",
    "lamella-connectors",
    "lamella-cookies",
    "lamella-core",
    "lamella-http2",
    "lamella-websocket",
]
# The wheels the meta-package's dependencies come from (folder names).
DEPENDENCY_FOLDERS = [
    "client-core",
    "client-connectors",
    "client-websocket",
    "client-cookies",
    "client-http2",
    "lamella-codecs",
]


@pytest.fixture(scope="module")
def venv_python(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    env_dir = tmp_path_factory.mktemp("meta-package-venv")
    venv.create(env_dir, with_pip=True, clear=True)
    python = env_dir / "bin" / "python"
    siblings = [str(wheels[folder]) for folder in DEPENDENCY_FOLDERS]
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            f"{wheels['client']}[cli]",
            *siblings,
        ],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def clean_env() -> dict[str, str]:
    """The environment without the workspace's editable installs or the hatch env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    for name in ("LAMELLA_DISABLE_PLUGIN_AUTOLOAD", "NO_COLOR"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def seen(venv_python: Path) -> dict[str, Any]:
    run = subprocess.run(
        [str(venv_python), "-I", str(EXAMPLES)],
        cwd=venv_python.parents[1],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, f"examples failed:\n{run.stdout}\n{run.stderr}"
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_every_lamella_distribution_comes_from_a_local_wheel(
    venv_python: Path, wheels: dict[str, Path]
) -> None:
    code = (
        "import importlib.metadata as m, json; print(json.dumps({"
        "d.metadata['Name']: d.read_text('direct_url.json') for d in m.distributions() "
        "if d.metadata['Name'].startswith('lamella')}))"
    )
    out = subprocess.run(
        [str(venv_python), "-I", "-c", code], capture_output=True, text=True, check=True
    )
    origins = {name: json.loads(url)["url"] for name, url in json.loads(out.stdout).items()}
    assert sorted(origins) == LAMELLA_DISTRIBUTIONS
    local = {wheels[folder].as_uri() for folder in ["client", *DEPENDENCY_FOLDERS]}
    assert set(origins.values()) == local


def test_installed_from_the_wheels(seen: dict[str, Any]) -> None:
    assert sorted(d.split("==")[0] for d in seen["distributions"]) == LAMELLA_DISTRIBUTIONS
    assert "site-packages" in seen["lamella_file"]
    assert not seen["aiohttp_installed"]


def test_examples_ran_without_errors(seen: dict[str, Any]) -> None:
    assert seen["errors"] == {}


def test_client_session_and_request(seen: dict[str, Any]) -> None:
    assert seen["client_session"].startswith("<html>/session ")
    assert seen["request"].startswith("<html>/request ")


def test_cookie_jar_keeps_and_sends_cookies(seen: dict[str, Any]) -> None:
    # As in aiohttp, a host-only cookie reports the host as its domain.
    assert seen["cookies"] == [["my_cookie", "my_value", "127.0.0.1"]]
    assert seen["cookie_sent_back"] == "<html>/cookies cookie=my_cookie=my_value</html>"


def test_dummy_cookie_jar_keeps_nothing(seen: dict[str, Any]) -> None:
    assert seen["dummy_jar_sent"] == "<html>/dummy cookie=None</html>"
    assert seen["dummy_jar_len"] == 0


def test_tcp_connector_is_lamella_connectors(seen: dict[str, Any]) -> None:
    module, status = seen["connector"]
    assert module.startswith("lamella_connectors")
    assert status == 200


def test_ws_connect_echoes(seen: dict[str, Any]) -> None:
    assert seen["ws"] == ["hello", "close cmd"]


def test_connection_errors_are_oserrors(seen: dict[str, Any]) -> None:
    assert seen["connector_error"] == ["ClientConnectorError", True]


def test_console_script(seen: dict[str, Any]) -> None:
    cli = seen["cli"]
    assert cli["status"] == 0, cli["stderr"]
    assert cli["stdout"] == "<html>/cli cookie=None</html>"
    assert "> GET /cli HTTP/1.1" in cli["stderr"]
    assert "< HTTP/1.1 200 OK" in cli["stderr"]
