"""One WebSocket measurement: ``run(client, workload, port, n, concurrency)``.

Called in a fresh process (by ``benchmarks/client.py`` or ``bench_ws.py``).
lamella and aiohttp are driven by the same code, since lamella mirrors
aiohttp's API: one connection, compression off on both sides, each
operation one echo round trip (``send_*`` then ``receive()``). ``floor`` is
the least an asyncio client can do for the same round trip: an
``asyncio.BufferedProtocol`` that writes one pre-built masked frame and
counts the bytes of the echo, with no parsing, no masking and no message
object. Returns the sample dict that run.py expects.
"""

from __future__ import annotations

import asyncio
import base64
import gc
import os
import resource
import time
from collections.abc import Awaitable, Callable
from typing import Any

SMALL = "x" * 32
BIG = bytes(range(256)) * 4096  # 1 MiB


def _usage(wall: float, usage0: Any, usage1: Any, n: int, total: int, impl: str) -> dict[str, Any]:
    return {
        "wall": wall,
        "cpu": (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime),
        "ops": n,
        "bytes": total,
        "maxrss_kib": usage1.ru_maxrss,
        "rss_growth_kib": 0,
        "minflt": usage1.ru_minflt - usage0.ru_minflt,
        "impl": impl,
    }


async def _timed(op: Callable[[], Awaitable[int]], n: int, warmup: int) -> tuple[Any, ...]:
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
    return wall, usage0, usage1, total


# --- the floor -----------------------------------------------------------------------


def _masked_frame(first: int, payload: bytes) -> bytes:
    """A client frame with an all-zero mask, so the payload goes out as it is."""
    size = len(payload)
    if size < 126:
        head = bytes([first, 0x80 | size])
    elif size < 65536:
        head = bytes([first, 0xFE]) + size.to_bytes(2, "big")
    else:
        head = bytes([first, 0xFF]) + size.to_bytes(8, "big")
    return head + b"\0\0\0\0" + payload


class _Floor(asyncio.BufferedProtocol):
    """Counts received bytes into one reused buffer; wakes the waiter at ``expect``."""

    def __init__(self) -> None:
        self.view = memoryview(bytearray(256 * 1024))
        self.got = 0
        self.expect = 0
        self.waiter: asyncio.Future[None] | None = None

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        self.got += nbytes
        if self.got >= self.expect and self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("lost"))


async def _floor(workload: str, port: int, n: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    transport, proto = await loop.create_connection(_Floor, "127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    transport.write(
        f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    while not bytes(proto.view[: proto.got]).endswith(b"\r\n\r\n"):
        proto.waiter = loop.create_future()
        proto.expect = proto.got + 1
        await proto.waiter
    if workload == "ws_echo_small":
        frame, size, warmup = _masked_frame(0x81, SMALL.encode()), len(SMALL), 500
    else:
        frame, size, warmup = _masked_frame(0x82, BIG), len(BIG), 5
    answer = len(frame) - 4  # the server's frame: same header, no mask

    async def op() -> int:
        proto.got = 0
        proto.expect = answer
        waiter = proto.waiter = loop.create_future()
        transport.write(frame)
        await waiter
        return size

    try:
        wall, usage0, usage1, total = await _timed(op, n, warmup)
    finally:
        transport.close()
    return _usage(wall, usage0, usage1, n, total, "floor ws")


async def run(client: str, workload: str, port: int, n: int, concurrency: int) -> dict[str, Any]:
    if client == "floor":
        return await _floor(workload, port, n)
    if client == "lamella":
        import lamella as lib
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
        wall, usage0, usage1, total = await _timed(op, n, warmup)
        await ws.close()
    finally:
        await session.close()
    return _usage(wall, usage0, usage1, n, total, f"{client} ws")
