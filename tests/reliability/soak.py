"""The soak run: many requests under injected faults, with the client's memory sampled.

    hatch run fuzz:soak                          # 200,000 requests from 200 tasks
    hatch run fuzz:soak --requests 20000 --json out.json

The seeded ``fault_server.FaultServer`` (resets, truncated bodies, stalls,
idle and unanswered closes, slow answers) runs in a child process, so the
resident memory sampled here is the client's alone. Every request must end
with its one right body or one of the documented exceptions; afterwards the
pool must be idle and, once the session is closed, no socket, task or
transport may be left. The requests run in rounds (20 by default); between
two rounds, when every request is over and the pool is idle, the RSS and the
number of blocks Python has allocated (``sys.getallocatedblocks``: objects
that stay alive) are read after a garbage collection. Their slopes over the
rounds after the warm-up (the first fifth) are fitted by least squares and
reported per 10,000 requests; the peak RSS is sampled ten times a second
during the run. The run fails on a wrong
body, an undocumented exception, a leak, or slopes above ``--max-slope``
(RSS, KiB) or ``--max-blocks-slope``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from fault_server import FaultServer, expected_body  # noqa: E402
from reliability_helpers import live_transports, socket_fds  # noqa: E402

SEED = 20240611
SAMPLE_EVERY = 0.1  # seconds between samples of the peak RSS


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


def _slope(points: list[tuple[int, int]]) -> float:
    """Least-squares slope of a sampled figure over requests done, per 10,000 requests."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return 0.0
    cov = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return cov / var * 10_000


async def _serve() -> None:
    """The child process: run the fault server, print its port, stop at EOF on stdin."""
    server = await FaultServer(SEED).start()
    print(server.url.port, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    await server.close()
    print(json.dumps(dict(server.done)), flush=True)


async def _soak(args: argparse.Namespace, port: int) -> dict[str, object]:
    from lamella import ClientSession, ClientTimeout, TCPConnector
    from lamella_core.exceptions import ClientConnectionError, ClientPayloadError

    documented = (ClientConnectionError, ClientPayloadError, asyncio.TimeoutError)
    tally: Counter[str] = Counter()
    peak = 0
    quiet: list[tuple[int, int, int]] = []  # (requests done, RSS KiB, blocks) between rounds
    running = True

    async def worker(session: ClientSession, items: range) -> None:
        for n in items:
            try:
                async with session.get(f"http://127.0.0.1:{port}/item/{n}") as resp:
                    body = await resp.read()
            except documented as exc:
                tally[type(exc).__name__] += 1
            else:
                if resp.status != 200 or body != expected_body(n):
                    raise AssertionError(f"wrong answer for item {n}: {resp.status}")
                tally["ok"] += 1

    async def sampler() -> None:
        nonlocal peak
        while running:
            peak = max(peak, _rss_kib())
            await asyncio.sleep(SAMPLE_EVERY)

    gc.collect()
    fds_before = socket_fds()
    tasks_before = set(asyncio.all_tasks())
    started = time.perf_counter()
    connector = TCPConnector(limit=100, keepalive_timeout=30)
    timeout = ClientTimeout(total=10, sock_read=0.25)
    per_round = args.requests // args.rounds
    async with ClientSession(connector=connector, timeout=timeout) as session:
        sampling = asyncio.create_task(sampler())
        for round_ in range(args.rounds):
            first = round_ * per_round
            shares = [range(first + i, first + per_round, args.tasks) for i in range(args.tasks)]
            await asyncio.gather(*(worker(session, share) for share in shares))
            # A quiet point: every request of the round is over, the pool idle.
            gc.collect()
            quiet.append((first + per_round, _rss_kib(), sys.getallocatedblocks()))
        running = False
        await sampling
        stats = repr(connector)
    elapsed = time.perf_counter() - started
    for _ in range(5):
        await asyncio.sleep(0)
    gc.collect()
    leaks = {
        "socket_fds": len(socket_fds() - fds_before),
        "tasks": len([t for t in asyncio.all_tasks() - tasks_before if not t.done()]),
        "transports": len(live_transports()),
    }
    warm = quiet[max(1, len(quiet) // 5) :]  # the first rounds fill caches and arenas
    done = per_round * args.rounds
    return {
        "requests": done,
        "tasks": args.tasks,
        "rounds": args.rounds,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(done / elapsed),
        "outcomes": dict(tally),
        "rss_kib_between_rounds": [r for _, r, _ in quiet],
        "rss_kib_peak": max(peak, *(r for _, r, _ in quiet)),
        "rss_slope_kib_per_10k_requests": round(_slope([(x, r) for x, r, _ in warm]), 2),
        "blocks_between_rounds": [b for _, _, b in quiet],
        "blocks_slope_per_10k_requests": round(_slope([(x, b) for x, _, b in warm]), 1),
        "leaks": leaks,
        "pool_at_end": stats,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20, help="quiet points where memory is read")
    parser.add_argument("--max-slope", type=float, default=512.0, help="RSS KiB per 10k requests")
    parser.add_argument(
        "--max-blocks-slope", type=float, default=200.0, help="Python blocks per 10k requests"
    )
    parser.add_argument("--json", type=Path, help="also write the result here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve())
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(HERE)},
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        port = int(child.stdout.readline())
        result = asyncio.run(_soak(args, port))
    finally:
        child.stdin.close()
        server_done = child.stdout.readline()
        child.wait(timeout=30)
    result["server"] = json.loads(server_done) if server_done.strip() else {}
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    problems = [f"{what} left: {count}" for what, count in result["leaks"].items() if count]  # type: ignore[union-attr]
    if result["rss_slope_kib_per_10k_requests"] > args.max_slope:  # type: ignore[operator]
        problems.append(f"RSS grows: {result['rss_slope_kib_per_10k_requests']} KiB/10k")
    if result["blocks_slope_per_10k_requests"] > args.max_blocks_slope:  # type: ignore[operator]
        problems.append(f"objects pile up: {result['blocks_slope_per_10k_requests']} blocks/10k")
    if problems:
        sys.exit("soak failed: " + "; ".join(problems))


if __name__ == "__main__":
    main()
