"""One WebSocket measurement: ``run(client, workload, port, n, concurrency)``.

Called in a fresh process (by ``benchmarks/client.py`` or ``bench_ws.py``).
lamina and aiohttp are driven by the same code, since lamina mirrors
aiohttp's API: one connection, compression off on both sides, each
operation one echo round trip (``send_*`` then ``receive()``). Returns the
sample dict that run.py expects.
"""

from __future__ import annotations

import gc
import resource
import time
from typing import Any

SMALL = "x" * 32
BIG = bytes(range(256)) * 4096  # 1 MiB


async def run(client: str, workload: str, port: int, n: int, concurrency: int) -> dict[str, Any]:
    if client == "lamina":
        import lamina as lib
    elif client == "aiohttp":
        import aiohttp as lib  # type: ignore[no-redef]
    else:
        raise SystemExit(f"no WebSocket client {client!r}")
    session = lib.ClientSession()
    try:
        ws = await session.ws_connect(f"ws://127.0.0.1:{port}/", compress=0, max_msg_size=0)
        if workload == "ws_echo_small":

            async def op() -> int:
                await ws.send_str(SMALL)
                return len((await ws.receive()).data)

            warmup = 500
        elif workload == "ws_echo_1mib":

            async def op() -> int:
                await ws.send_bytes(BIG)
                return len((await ws.receive()).data)

            warmup = 5
        else:
            raise SystemExit(f"unknown workload {workload!r}")
        for _ in range(warmup):
            await op()
        gc.collect()
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        total = 0
        for _ in range(n):
            total += await op()
        wall = time.perf_counter() - t0
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        await ws.close()
    finally:
        await session.close()
    return {
        "wall": wall,
        "cpu": (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime),
        "ops": n,
        "bytes": total,
        "maxrss_kib": usage1.ru_maxrss,
        "rss_growth_kib": 0,
        "minflt": usage1.ru_minflt - usage0.ru_minflt,
        "impl": f"{client} ws",
    }
