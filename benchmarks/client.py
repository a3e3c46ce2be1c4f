"""One benchmark measurement in a fresh process: one client, one workload.

Run by ``run.py`` as ``python client.py CLIENT WORKLOAD PORT N CONCURRENCY``
with the parser switches (``LAMINA_NO_EXTENSIONS``, ``AIOHTTP_NO_EXTENSIONS``)
already in the environment, pinned to the client core. It imports only the
library it measures, warms up (connections opened, code paths taken once),
then times N operations and prints one JSON line: wall seconds, CPU seconds
of this process (``resource.getrusage``), operations, body bytes, peak RSS
and page faults.

Clients: ``lamina`` (parser chosen by LAMINA_NO_EXTENSIONS), ``aiohttp``
(AIOHTTP_NO_EXTENSIONS), ``httpx``, and ``floor``: an asyncio
``BufferedProtocol`` that writes pre-built requests and counts
Content-Length (or chunk sizes): the least any asyncio client can do.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

CHUNK = 65536
POST_DOC = {"items": [{"id": i, "name": f"item-{i}", "price": i * 1.25} for i in range(20)]}

# --- what each workload does per operation, per client ----------------------------


def lamina_ops(port: int, concurrency: int) -> tuple[Any, Callable[[str], Awaitable[int]]]:
    import lamina

    connector_cls = getattr(lamina, "TCPConnector", None) or lamina.BasicTCPConnector
    session = lamina.ClientSession(connector=connector_cls(limit=max(concurrency, 1)))
    return session, _aiohttp_like(session, port)


def aiohttp_ops(port: int, concurrency: int) -> tuple[Any, Callable[[str], Awaitable[int]]]:
    import aiohttp

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=max(concurrency, 1)))
    return session, _aiohttp_like(session, port)


def _aiohttp_like(session: Any, port: int) -> Callable[[str], Awaitable[int]]:
    """The same calls for lamina and aiohttp: lamina mirrors aiohttp's API."""
    base = f"http://127.0.0.1:{port}"
    small, js, big, chunked, post = (
        base + p for p in ("/small", "/json", "/big", "/chunked", "/post")
    )

    async def op(workload: str) -> int:
        if workload in ("sequential", "concurrent", "idle_pool"):
            async with session.get(small) as resp:
                return len(await resp.read())
        if workload == "json":
            async with session.get(js) as resp:
                doc = await resp.json()
                return len(doc["items"])
        if workload == "chunked":
            async with session.get(chunked) as resp:
                return len(await resp.read())
        if workload == "download":
            total = 0
            async with session.get(big) as resp:
                async for piece in resp.content.iter_chunked(CHUNK):
                    total += len(piece)
            return total
        if workload == "post_json":
            async with session.post(post, json=POST_DOC) as resp:
                return len(await resp.read())
        raise ValueError(workload)

    return op


def httpx_ops(port: int, concurrency: int) -> tuple[Any, Callable[[str], Awaitable[int]]]:
    import httpx

    limits = httpx.Limits(
        max_connections=max(concurrency, 1), max_keepalive_connections=max(concurrency, 1)
    )
    client = httpx.AsyncClient(limits=limits, timeout=60)
    base = f"http://127.0.0.1:{port}"

    async def op(workload: str) -> int:
        if workload in ("sequential", "concurrent", "idle_pool"):
            return len((await client.get(base + "/small")).content)
        if workload == "json":
            return len((await client.get(base + "/json")).json()["items"])
        if workload == "chunked":
            return len((await client.get(base + "/chunked")).content)
        if workload == "download":
            total = 0
            async with client.stream("GET", base + "/big") as resp:
                async for piece in resp.aiter_bytes(CHUNK):
                    total += len(piece)
            return total
        if workload == "post_json":
            return len((await client.post(base + "/post", json=POST_DOC)).content)
        raise ValueError(workload)

    class _Closer:
        async def close(self) -> None:
            await client.aclose()

    return _Closer(), op


# --- the floor: a BufferedProtocol that only frames responses -----------------------


class _FloorProtocol(asyncio.BufferedProtocol):
    """Writes one pre-built request, finds the head, counts the body, repeats."""

    def __init__(self) -> None:
        self.buffer = bytearray(256 * 1024)
        self.view = memoryview(self.buffer)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[bytes] | None = None
        self.head = bytearray()
        self.remaining = -1  # body bytes left (Content-Length); -1: in the head
        self.chunked = False
        self.chunk_buf = bytearray()
        self.keep = False  # keep the body (JSON) or only count it
        self.body = bytearray()
        self.count = 0
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("lost"))
        if not self.lost.done():
            self.lost.set_result(None)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def request(self, data: bytes, keep: bool) -> asyncio.Future[bytes]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.remaining = -1
        self.chunked = False
        self.head.clear()
        self.body.clear()
        self.count = 0
        self.keep = keep
        assert self.transport is not None
        self.transport.write(data)
        return self.waiter

    def buffer_updated(self, nbytes: int) -> None:
        data = self.view[:nbytes]
        if self.remaining < 0:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.head[:end]).lower()
            rest = bytes(self.head[end + 4 :])
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                self.remaining = int(head[at + 17 : stop if stop > 0 else None])
            else:
                self.chunked = True
                self.remaining = 0
            self._body(rest)
        else:
            self._body(data)

    def _body(self, data: bytes | memoryview) -> None:
        if self.chunked:
            self._chunks(data)
            return
        self.remaining -= len(data)
        self.count += len(data)
        if self.keep:
            self.body += data
        if self.remaining <= 0:
            self._done()

    def _chunks(self, data: bytes | memoryview) -> None:
        # Minimal chunked framing: size line, data, CRLF; a 0 size ends it
        # (nginx sends no trailers).
        buf = self.chunk_buf
        buf += data
        pos = 0
        while True:
            if self.remaining > 0:
                take = min(self.remaining, len(buf) - pos)
                if take <= 0:
                    break
                self.count += take
                self.remaining -= take
                pos += take
                continue
            line_end = buf.find(b"\r\n", pos + (2 if self.remaining == 0 and pos else 0))
            if line_end < 0:
                break
            if line_end == pos:  # the CRLF after a chunk's data
                pos += 2
                continue
            size = int(bytes(buf[pos:line_end]).split(b";")[0], 16)
            pos = line_end + 2
            if size == 0:
                del buf[:]
                self._done()
                return
            self.remaining = size
        del buf[:pos]

    def _done(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(bytes(self.body) if self.keep else b"")


def floor_ops(port: int, concurrency: int) -> tuple[Any, Callable[[str], Awaitable[int]]]:
    loop = asyncio.get_running_loop()
    idle: list[_FloorProtocol] = []
    opened: list[_FloorProtocol] = []
    host = f"127.0.0.1:{port}"

    def get(path: str) -> bytes:
        return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n".encode()

    body = json.dumps(POST_DOC).encode()
    requests = {
        "small": get("/small"),
        "json": get("/json"),
        "chunked": get("/chunked"),
        "big": get("/big"),
        "post": (
            f"POST /post HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        + body,
    }
    which = {
        "sequential": "small",
        "concurrent": "small",
        "idle_pool": "small",
        "json": "json",
        "chunked": "chunked",
        "download": "big",
        "post_json": "post",
    }

    async def op(workload: str) -> int:
        proto = idle.pop() if idle else None
        if proto is None or proto.transport is None or proto.transport.is_closing():
            _, proto = await loop.create_connection(_FloorProtocol, "127.0.0.1", port)
            opened.append(proto)
        keep = workload == "json"
        data = await proto.request(requests[which[workload]], keep)
        result = len(json.loads(data)["items"]) if keep else proto.count
        idle.append(proto)
        return result

    class _Closer:
        async def close(self) -> None:
            for proto in opened:
                if proto.transport is not None:
                    proto.transport.close()

    return _Closer(), op


CLIENTS = {"lamina": lamina_ops, "aiohttp": aiohttp_ops, "httpx": httpx_ops, "floor": floor_ops}

# --- driving a workload ---------------------------------------------------------------


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


async def _run(client: str, workload: str, port: int, n: int, concurrency: int) -> dict[str, Any]:
    closer, op = CLIENTS[client](port, concurrency)
    if workload.startswith("scale_"):  # the scale curve: small GETs at any concurrency
        workload = "concurrent"
    try:
        # Warm up: open the pool's connections and take every code path once.
        # For idle_pool only one connection: the timed part opens the others,
        # and the RSS they add is what that workload measures.
        if workload == "download":
            await _spread(op, workload, 1, 1)
        elif workload == "idle_pool":
            await _spread(op, workload, 8, 1)
        else:
            await _spread(op, workload, concurrency * 2, concurrency)
        gc.collect()
        rss_before = _rss_kib()
        usage0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        total = await _spread(op, workload, n, concurrency)
        wall = time.perf_counter() - t0
        usage1 = resource.getrusage(resource.RUSAGE_SELF)
        gc.collect()
        rss_after = _rss_kib()
    finally:
        await closer.close()
    return {
        "wall": wall,
        "cpu": (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime),
        "ops": n,
        "bytes": total,
        "maxrss_kib": usage1.ru_maxrss,
        "rss_growth_kib": rss_after - rss_before,
        "minflt": usage1.ru_minflt - usage0.ru_minflt,
        "impl": _implementation(client),
    }


def _implementation(client: str) -> str:
    """Which parser the client really used, so a wrong switch shows in the results."""
    if client == "lamina":
        from lamina_core import _extensions

        return _extensions.response_parser_class().__name__
    if client == "aiohttp":
        from aiohttp import http_parser

        return http_parser.HttpResponseParser.__name__ + (
            "(C)" if http_parser.HttpResponseParser is not http_parser.HttpResponseParserPy else ""
        )
    if client == "httpx":
        import h11
        import httpx

        return f"httpx {httpx.__version__} / h11 {h11.__version__}"
    return "BufferedProtocol"


async def _spread(
    op: Callable[[str], Awaitable[int]], workload: str, n: int, concurrency: int
) -> int:
    """Run ``n`` operations on ``concurrency`` tasks; the sum of their results."""
    if concurrency <= 1:
        total = 0
        for _ in range(n):
            total += await op(workload)
        return total
    left = n

    async def worker() -> int:
        nonlocal left
        done = 0
        while left > 0:
            left -= 1
            done += await op(workload)
        return done

    return sum(await asyncio.gather(*(worker() for _ in range(concurrency))))


def main() -> None:
    client, workload, port, n, concurrency = sys.argv[1:6]
    if workload.startswith("ws_"):
        # WebSocket workloads belong to benchmarks/ws/ (see run.py).
        from ws.client import run as run_ws  # type: ignore[import-not-found]

        result = asyncio.run(run_ws(client, workload, int(port), int(n), int(concurrency)))
    else:
        result = asyncio.run(_run(client, workload, int(port), int(n), int(concurrency)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
