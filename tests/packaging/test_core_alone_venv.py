"""lamella-core installed alone is a complete minimal client.

Builds the lamella-core wheel, installs it (with its PyPI dependencies only)
into a fresh virtualenv, and runs ``core_alone_check.py`` there against a
loopback server: GET and POST work, cookies are ignored, WebSockets raise an
error naming the distribution to install, and no sibling is importable.
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

CHECK_SCRIPT = Path(__file__).with_name("core_alone_check.py")


@pytest.fixture(scope="module")
def seen(wheels: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the check script observed inside a venv holding only lamella-core."""
    env_dir = tmp_path_factory.mktemp("core-alone-venv")
    venv.create(env_dir, with_pip=True, clear=True)
    python = env_dir / "bin" / "python"
    # The venv must not see the workspace's editable installs, nor the hatch env.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.pop("LAMELLA_DISABLE_PLUGIN_AUTOLOAD", None)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheels["client-core"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    run = subprocess.run(
        [str(python), "-I", str(CHECK_SCRIPT)],
        cwd=env_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, f"check script failed:\n{run.stdout}\n{run.stderr}"
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def test_only_core_is_installed(seen: dict[str, Any]) -> None:
    assert seen["lamella_distributions"] == ["lamella-core"]
    assert "site-packages" in seen["lamella_core_file"]
    assert seen["entry_points"] == ["core=lamella_core._defaults"]


def test_get_works(seen: dict[str, Any]) -> None:
    assert "get" not in seen["errors"], seen["errors"]["get"]
    assert seen["get_status"] == 200
    assert seen["get_body"]["method"] == "GET"
    assert seen["get_body"]["path"] == "/first"


def test_post_with_body_works(seen: dict[str, Any]) -> None:
    assert "post" not in seen["errors"], seen["errors"]["post"]
    assert seen["post_status"] == 200
    assert seen["post_body"]["method"] == "POST"
    assert seen["post_body"]["body"] == '{"hello": "lamella"}'


def test_cookies_are_ignored(seen: dict[str, Any]) -> None:
    assert seen["cookie_jar_is_dummy"], seen["cookie_jar"]
    assert "second_get" not in seen["errors"], seen["errors"]["second_get"]
    assert seen["get_set_cookie"] == "session=s3cr3t; Path=/"
    assert seen["second_get_status"] == 200
    assert seen["second_get_body"]["cookie"] is None


def test_ws_connect_names_the_distribution(seen: dict[str, Any]) -> None:
    assert seen["ws_error"] is not None, "ws_connect succeeded without lamella-websocket"
    assert "lamella-websocket" in seen["ws_error"]


@pytest.mark.parametrize(
    "name", ["lamella_connectors", "lamella_cookies", "lamella_websocket", "lamella"]
)
def test_siblings_are_not_importable(seen: dict[str, Any], name: str) -> None:
    assert seen["imports"][name].startswith("ImportError"), seen["imports"][name]
