"""Run one atheris fuzz target: ``python fuzz/run.py parser [libFuzzer options]``.

New inputs libFuzzer finds go to ``fuzz/.work/<target>/`` (ignored by git),
the committed seeds in ``fuzz/corpus_<target>/`` are only read. Crashes are
written as ``fuzz/.work/crash-*`` files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {"parser": "fuzz_parser.py", "decoders": "fuzz_decoders.py"}


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        print(f"usage: run.py {{{','.join(TARGETS)}}} [libFuzzer options]", file=sys.stderr)
        return 2
    target = sys.argv[1]
    work = HERE / ".work" / target
    work.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        str(HERE / TARGETS[target]),
        f"-artifact_prefix={HERE / '.work'}{os.sep}",
        *sys.argv[2:],
        str(work),
        str(HERE / f"corpus_{target}"),
    ]
    return subprocess.call(command)


if __name__ == "__main__":
    sys.exit(main())
