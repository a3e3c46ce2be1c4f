"""Installing lamella from a clone, as README.md tells a newcomer to.

Two checks, each in fresh virtualenvs that hold only pip:

- the README's one-command install of every folder gives ``import lamella`` and
  a working ``lamella`` command;
- each upper distribution installed with the core folder (and lamella-socks
  with the connectors folder) in the same command gets them from the
  folders, never from a package index.

The virtualenvs are installed in parallel: each pip run builds from source.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import venv
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[2]
CORE = "./packages/client-core"
CONNECTORS = "./packages/client-connectors"
# folder -> (distribution, import name, entry-point name)
UPPER = {
    CONNECTORS: ("lamella-connectors", "lamella_connectors", "connectors"),
    "./packages/client-cookies": ("lamella-cookies", "lamella_cookies", "cookies"),
    "./packages/client-websocket": ("lamella-websocket", "lamella_websocket", "websocket"),
    "./packages/client-http2": ("lamella-http2", "lamella_http2", "http2"),
    "./plugins/lamella-socks": ("lamella-socks", "lamella_socks", "socks"),
    "./plugins/lamella-codecs": ("lamella-codecs", "lamella_codecs", "codecs"),
    "./plugins/lamella-testing": ("lamella-testing", "lamella_testing", "testing"),
    "./plugins/lamella-opentelemetry": (
        "lamella-opentelemetry",
        "lamella_opentelemetry",
        "opentelemetry",
    ),
}
# The lamella folders each upper one needs beside it, core aside.
NEEDS = {"./plugins/lamella-socks": [CONNECTORS]}
# What an installed venv reports: lamella distributions and where each came from,
# and the plugins core's manager loaded through the entry points.
REPORT = """
import importlib.metadata as m, json
from lamella_core.plugins import get_plugin_manager
origins = {
    d.metadata["Name"]: json.loads(d.read_text("direct_url.json") or "{}").get("url")
    for d in m.distributions() if d.metadata["Name"].startswith("lamella")
}
plugins = sorted(name for name, _ in get_plugin_manager().list_name_plugin())
print(json.dumps({"origins": origins, "plugins": plugins}))
"""


def readme_install_command() -> list[str]:
    """The README's one-line install from the clone, as arguments."""
    text = (ROOT / "README.md").read_text("utf-8")
    match = re.search(r"^python -m pip install (\./packages/client-core .*)$", text, re.M)
    assert match, "README.md lost its one-command install from the clone"
    return shlex.split(match.group(1))


def clean_env() -> dict[str, str]:
    """The environment without the workspace's editable installs or the hatch env."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.pop("LAMELLA_DISABLE_PLUGIN_AUTOLOAD", None)
    return env


@pytest.fixture(scope="module")
def venvs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One venv per install: "readme" for the README's command, else per upper folder."""
    plans = {"readme": readme_install_command()}
    plans.update({folder: [folder, *NEEDS.get(folder, []), CORE] for folder in UPPER})
    pythons, procs = {}, {}
    for name, folders in plans.items():
        env_dir = tmp_path_factory.mktemp("clone-install")
        venv.create(env_dir, with_pip=True, clear=True)
        pythons[name] = env_dir / "bin" / "python"
        procs[name] = subprocess.Popen(
            [str(pythons[name]), "-m", "pip", "install", "--quiet", *folders],
            cwd=ROOT,
            env=clean_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    failures = []
    for name, proc in procs.items():
        output, _ = proc.communicate(timeout=900)
        if proc.returncode != 0:
            failures.append(f"--- pip install for {name} failed:\n{output.decode()}")
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
    return pythons


def report(python: Path) -> dict[str, Any]:
    run = subprocess.run(
        [str(python), "-I", "-c", REPORT],
        cwd=python.parents[1],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def folder_uri(folder: str) -> str:
    return (ROOT / folder).resolve().as_uri()


def test_readme_command_installs_every_distribution_from_its_folder(
    venvs: dict[str, Path],
) -> None:
    seen = report(venvs["readme"])
    expected = {
        "lamella": folder_uri("./packages/client"),
        "lamella-core": folder_uri(CORE),
        **{dist: folder_uri(folder) for folder, (dist, _, _) in UPPER.items()},
    }
    # Optional plugins, not part of the one command.
    for optional in ("lamella-socks", "lamella-testing", "lamella-opentelemetry"):
        del expected[optional]
    assert seen["origins"] == expected
    assert {"lamella_core", "connectors", "cookies", "websocket", "codecs", "lamella"} <= set(
        seen["plugins"]
    )


def test_readme_command_gives_import_lamella_and_the_command(venvs: dict[str, Path]) -> None:
    python = venvs["readme"]
    code = "import lamella; print(lamella.TCPConnector.__module__, lamella.CookieJar.__module__)"
    run = subprocess.run([str(python), "-I", "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["lamella_connectors._tcp", "lamella_cookies._jar"]
    command = subprocess.run(
        [str(python.with_name("lamella")), "--help"], capture_output=True, text=True
    )
    assert command.returncode == 0, command.stderr
    assert "usage: lamella" in command.stdout


@pytest.mark.parametrize("folder", list(UPPER))
def test_an_upper_distribution_takes_core_from_the_folder(
    venvs: dict[str, Path], folder: str
) -> None:
    distribution, package, entry_point = UPPER[folder]
    seen = report(venvs[folder])
    needed = {UPPER[other][0]: folder_uri(other) for other in NEEDS.get(folder, [])}
    assert seen["origins"] == {
        distribution: folder_uri(folder),
        "lamella-core": folder_uri(CORE),
        **needed,
    }
    assert entry_point in seen["plugins"]
    run = subprocess.run(
        [str(venvs[folder]), "-I", "-c", f"import {package}"], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
