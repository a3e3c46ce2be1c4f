"""WebSocket benchmark, standalone: lamella's client beside aiohttp's and a floor, same server.

    hatch run bench:ws            # full
    hatch run bench:ws --quick    # fewer messages and repetitions
    python benchmarks/ws/bench_ws.py

Starts the echo server (echo_server.py, websockets, compression off) in its
own process, then runs every (workload, client) pair in a fresh process,
interleaved over the repetitions, and prints the medians: echo round trips
per second of 32-byte text messages, and MB/s of 1 MiB binary messages
echoed, with CPU microseconds per round trip and both ratios to aiohttp.
``floor`` (see client.py) is the least any asyncio client can spend on the
same round trip: the share of the CPU figure that no WebSocket layer can
remove. The same workloads also appear in ``hatch run bench:all`` (run.py picks them up
from harness.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ws.harness import WORKLOADS, server  # noqa: E402

CLIENTS = ("lamella", "aiohttp", "floor")
_CPUS = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
PIN = len(_CPUS) >= 2  # server on one core, client on another


def measure(client: str, workload: str, port: int, n: int) -> dict[str, float]:
    code = (
        "import asyncio, json, sys\n"
        f"sys.path.insert(0, {str(HERE.parent)!r})\n"
        "from ws.client import run\n"
        f"print(json.dumps(asyncio.run(run({client!r}, {workload!r}, {port}, {n}, 1))))\n"
    )
    cmd = [sys.executable, "-c", code]
    if PIN:
        cmd = ["taskset", "-c", str(sorted(_CPUS)[1]), *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{client} {workload} failed:\n{out.stderr[-3000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer messages and repetitions")
    parser.add_argument("--reps", type=int, help="repetitions (default 5, quick 3)")
    args = parser.parse_args()
    reps = args.reps or (3 if args.quick else 5)
    samples: dict[tuple[str, str], list[dict[str, float]]] = {}
    with server(sorted(_CPUS)[0] if PIN else None) as port:
        for rep in range(reps):
            for wl in WORKLOADS:
                order = CLIENTS if rep % 2 == 0 else CLIENTS[::-1]
                for client in order:
                    n = wl.n_quick if args.quick else wl.n_full
                    samples.setdefault((wl.name, client), []).append(
                        measure(client, wl.name, port, n)
                    )
    print(
        f"Python {sys.version.split()[0]}, {reps} repetitions, medians (min-max)"
        f"{', server and client pinned to separate cores' if PIN else ''}\n"
    )
    print("| workload | client | rate | x aiohttp | CPU us/op | CPU x aiohttp |")
    print("|---|---|---|---|---|---|")
    for wl in WORKLOADS:
        rows = {}
        for client in CLIENTS:
            got = samples[(wl.name, client)]
            if wl.unit == "MB/s":
                values = [s["bytes"] / s["wall"] / 1e6 for s in got]
            else:
                values = [s["ops"] / s["wall"] for s in got]
            cpu = statistics.median(s["cpu"] / s["ops"] * 1e6 for s in got)
            rows[client] = (statistics.median(values), min(values), max(values), cpu)
        for client, (rate, low, high, cpu) in rows.items():
            ratio = rate / rows["aiohttp"][0]
            cpu_ratio = cpu / rows["aiohttp"][3]
            print(
                f"| {wl.title} | {client} | {rate:,.0f} {wl.unit} ({low:,.0f}-{high:,.0f}) "
                f"| {ratio:.2f} | {cpu:,.1f} | {cpu_ratio:.2f} |"
            )


if __name__ == "__main__":
    main()
