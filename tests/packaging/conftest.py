"""Fixtures of the packaging tests: the wheels of packages/ and plugins/, built once per run.

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
# folder name -> its path; the names under packages/ and plugins/ do not clash.
FOLDERS = {
    p.parent.name: p.parent
    for parent in ("packages", "plugins")
    for p in sorted((ROOT / parent).glob("*/pyproject.toml"))
}


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the wheel of every folder of FOLDERS, in parallel, each in isolation."""
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
                str(path),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for folder, path in FOLDERS.items()
    }
    built: dict[str, Path] = {}
    failures = []
    for folder, proc in procs.items():
        output, _ = proc.communicate(timeout=600)
        found = sorted((out / folder).glob("*.whl"))
        if proc.returncode != 0 or len(found) != 1:
            failures.append(f"--- building {FOLDERS[folder]} failed:\n{output.decode()}")
        else:
            built[folder] = found[0]
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
    return built
