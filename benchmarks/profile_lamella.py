"""Profile lamella's hot paths against the benchmark nginx.

    hatch run bench:profile                      # every profile below
    hatch run bench:profile --ref HEAD --tool pyinstrument --workload concurrent

For each (workload, parser) pair it starts a fresh client process pinned to
the client core, warms up, and profiles N operations with cProfile (top
functions by own time, with file:line) and/or pyinstrument (a call tree).
Workloads: ``concurrent`` (64-way small GETs) and ``download`` (256 MiB
with ``iter_chunked(65536)``); parsers: httptools and
``LAMELLA_NO_EXTENSIONS=1``. Reports go to benchmarks/results/profile-*.txt.
For a sampling profile with C frames, run the same child under py-spy:

    py-spy record --native -f speedscope -o out.json -- \\
        python benchmarks/profile_lamella.py --child cprofile concurrent PORT 20000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import os
import pstats
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

N = {"concurrent": 20000, "download": 4, "sequential": 5000, "json": 10000}
CONCURRENCY = {"concurrent": 64, "download": 1, "sequential": 1, "json": 64}


def child(tool: str, workload: str, port: int, n: int) -> None:
    import client

    async def main() -> str:
        closer, op = client.lamella_ops(port, CONCURRENCY[workload], "")  # no upload workload
        c = CONCURRENCY[workload]
        await client._spread(op, workload, max(2 * c, 1), c)
        if tool == "pyinstrument":
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005, async_mode="disabled")
            profiler.start()
            await client._spread(op, workload, n, c)
            profiler.stop()
            text = profiler.output_text(unicode=False, color=False, show_all=False)
        elif tool == "none":  # for py-spy: run without an in-process profiler
            await client._spread(op, workload, n, c)
            text = ""
        else:
            prof = cProfile.Profile()
            prof.enable()
            await client._spread(op, workload, n, c)
            prof.disable()
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats("tottime").print_stats(35)
            stats.sort_stats("cumulative").print_stats(35)
            text = out.getvalue()
        await closer.close()
        return text

    print(asyncio.run(main()))


def driver() -> None:
    from run import CLIENT_CORE, SERVER_CORE, lamella_at
    from servers import nginx_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--ref", help="profile lamella as committed at this git revision")
    parser.add_argument("--tool", choices=["cprofile", "pyinstrument", "both"], default="both")
    parser.add_argument("--workload", choices=sorted(N), action="append")
    args = parser.parse_args()
    workloads = args.workload or ["concurrent", "download"]
    tools = ["cprofile", "pyinstrument"] if args.tool == "both" else [args.tool]
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    with lamella_at(args.ref) as (pythonpath, label), nginx_server(SERVER_CORE) as server:
        for workload in workloads:
            for parser_name, extra in (("httptools", {}), ("pure", {"LAMELLA_NO_EXTENSIONS": "1"})):
                for tool in tools:
                    env = {k: v for k, v in os.environ.items() if k != "LAMELLA_NO_EXTENSIONS"}
                    env.update(extra)
                    env["PYTHONPATH"] = os.pathsep.join([p for p in (pythonpath, str(HERE)) if p])
                    cmd = [
                        "taskset",
                        "-c",
                        str(CLIENT_CORE),
                        sys.executable,
                        __file__,
                        "--child",
                        tool,
                        workload,
                        str(server.port),
                        str(N[workload]),
                    ]
                    text = subprocess.run(
                        cmd, env=env, capture_output=True, text=True, check=True
                    ).stdout
                    path = out_dir / f"profile-{workload}-{parser_name}-{tool}.txt"
                    path.write_text(f"# lamella {label}; {workload}; {parser_name}; {tool}\n{text}")
                    print(f"wrote {path.relative_to(HERE.parent)}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        with contextlib.suppress(KeyboardInterrupt):
            child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        driver()
