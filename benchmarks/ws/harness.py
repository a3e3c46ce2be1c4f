"""The WebSocket rows of ``benchmarks/run.py``: workloads and the echo server.

``run.py`` imports ``WORKLOADS`` and ``server`` from here and hands every
``ws_*`` workload to ``ws/client.py:run`` in a fresh client process;
``bench_ws.py`` uses the same pieces on its own.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from servers import script_server

HERE = Path(__file__).resolve().parent
SMALL_SIZE = 32
BIG_SIZE = 1024 * 1024


@dataclass(frozen=True)
class Workload:
    """The same fields as run.py's Workload, so its table and JSON take these rows."""

    name: str
    title: str
    n_full: int
    n_quick: int
    concurrency: int
    unit: str
    full_only: bool = False
    clients: tuple[str, ...] | None = ("lamella", "aiohttp", "floor")


WORKLOADS = [
    Workload(
        "ws_echo_small",
        f"WebSocket echo round trips, {SMALL_SIZE}-byte text, one connection",
        20000,
        3000,
        1,
        "msg/s",
    ),
    Workload(
        "ws_echo_1mib",
        "WebSocket echo of 1 MiB binary messages (MB/s received), one connection",
        400,
        60,
        1,
        "MB/s",
    ),
]


def server(core: int | None) -> contextlib.AbstractContextManager[int]:
    """Run the echo server in its own process (pinned to ``core``); yields its port."""
    return script_server(HERE / "echo_server.py", core, "WebSocket echo server")
