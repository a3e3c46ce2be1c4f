"""Fixtures of the packaging tests: the five wheels, built once per run.

These tests are slow (they build wheels and a virtualenv), so every module here
carries the ``packaging`` marker, which the default pytest options deselect;
they run in their own CI step, ``hatch run packaging:run``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = sorted(p.parent.name for p in (ROOT / "packages").glob("*/pyproject.toml"))


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the wheel of every folder under packages/, in parallel, each in isolation."""
    out = tmp_path_factory.mktemp("wheels")
    procs = {
        folder: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "build",
                "--wheel",
                "--outdir",
                str(out / folder),
                str(ROOT / "packages" / folder),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for folder in FOLDERS
    }
    built: dict[str, Path] = {}
    failures = []
    for folder, proc in procs.items():
        output, _ = proc.communicate(timeout=600)
        found = sorted((out / folder).glob("*.whl"))
        if proc.returncode != 0 or len(found) != 1:
            failures.append(f"--- building packages/{folder} failed:\n{output.decode()}")
        else:
            built[folder] = found[0]
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
    return built
