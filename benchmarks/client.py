"""One benchmark measurement in a fresh process: one client, one workload.

Run by ``run.py`` as ``python client.py CLIENT WORKLOAD PORT N CONCURRENCY
UPLOAD_FILE CA_FILE`` (the file the upload workload POSTs, the CA the HTTPS
rows trust) with the parser switches
(``LAMELLA_NO_EXTENSIONS``, ``AIOHTTP_NO_EXTENSIONS``) already in the
environment, pinned to the client core. It imports only the library it
measures, warms up (connections opened, code paths taken once), then times N
operations and prints one JSON line: wall seconds, CPU seconds of this
process (``resource.getrusage``), operations, body bytes, peak RSS and page
faults.

Clients: ``lamella`` (parser chosen by LAMELLA_NO_EXTENSIONS), ``aiohttp``
(AIOHTTP_NO_EXTENSIONS), ``httpx``, and ``floor``: an asyncio
``BufferedProtocol`` that writes pre-built requests (the upload's body with
``loop.sendfile``) and counts Content-Length (or chunk sizes): the least any
asyncio client can do.

The HTTPS rows (``https_h1``, ``https_h2``, ``download_h2``) use the
adapters of ``tls.py``.

The "cookies" workload does no I/O: ``filter_cookies`` on a 1,000-cookie
jar (``cookies/bench_cookies.py``) for ``lamella`` (lamella-cookies' jar) and
``aiohttp`` (aiohttp's).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from tls import H2_WORKLOADS, TLS_OPS, TLS_WORKLOADS

CHUNK = 65536
POST_DOC = {"items": [{"id": i, "name": f"item-{i}", "price": i * 1.25} for i in range(20)]}

# --- what each workload does per operation, per client ----------------------------


def lamella_ops(
    port: int, concurrency: int, upload: str
) -> tuple[Any, Callable[[str], Awaitable[int]]]:
    import lamella

    connector_cls = getattr(lamella, "TCPConnector", None) or lamella.BasicTCPConnector
    session = lamella.ClientSession(connector=connector_cls(limit=max(concurrency, 1)))
    return session, _aiohttp_like(session, port, upload)


def aiohttp_ops(
    port: int, concurrency: int, upload: str
) -> tuple[Any, Callable[[str], Awaitable[int]]]:
    import aiohttp

    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=max(concurrency, 1)))
    return session, _aiohttp_like(session, port, upload)


def _aiohttp_like(session: Any, port: int, upload: str) -> Callable[[str], Awaitable[int]]:
    """The same calls for lamella and aiohttp: lamella mirrors aiohttp's API."""
    base = f"http://127.0.0.1:{port}"
    upload_size = _file_size(upload)
    small, js, big, chunked, post, sink = (
        base + p for p in ("/small", "/json", "/big", "/chunked", "/post", "/upload")
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
        if workload == "upload":
            # The file object as the body: both stream it, with Content-Length
            # from its size, reading it in their executor.
            with open(upload, "rb") as body:  # noqa: ASYNC230 (the open; the reads are theirs)
                async with session.post(sink, data=body) as resp:
                    resp.raise_for_status()
                    await resp.read()
            return upload_size
        raise ValueError(workload)

    return op


def httpx_ops(
    port: int, concurrency: int, upload: str
) -> tuple[Any, Callable[[str], Awaitable[int]]]:
    import httpx

    limits = httpx.Limits(
        max_connections=max(concurrency, 1), max_keepalive_connections=max(concurrency, 1)
    )
    client = httpx.AsyncClient(limits=limits, timeout=60)
    base = f"http://127.0.0.1:{port}"
    upload_size = _file_size(upload)
    upload_headers = {
        "Content-Type": "application/octet-stream",
        "Content-Length": str(upload_size),
    }

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
        if workload == "upload":
            # httpx's AsyncClient streams no file object: it needs an async byte
            # iterator. Content-Length is given, so it frames the body as the
            # others do rather than with chunked encoding.
            resp = await client.post(
                base + "/upload", content=_pieces(upload), headers=upload_headers
            )
            resp.raise_for_status()
            return upload_size
        raise ValueError(workload)

    class _Closer:
        async def close(self) -> None:
            await client.aclose()

    return _Closer(), op


def _file_size(path: str) -> int:
    """The size of the upload file, 0 when the workload has none."""
    return os.path.getsize(path) if path else 0


async def _pieces(path: str) -> AsyncIterator[bytes]:
    """The file at ``path`` in 64 KiB pieces, as an async iterator (httpx's streamed body)."""
    with open(path, "rb") as file:  # noqa: ASYNC230 (reads of a cached file, like the floor's)
        while piece := file.read(CHUNK):
            yield piece


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


def floor_ops(
    port: int, concurrency: int, upload: str
) -> tuple[Any, Callable[[str], Awaitable[int]]]:
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
        "post": _post_head(host, "/post", "application/json", len(body)) + body,
    }
    upload_size = _file_size(upload)
    upload_head = _post_head(host, "/upload", "application/octet-stream", upload_size)
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
        if workload == "upload":
            answered = proto.request(upload_head, False)
            # The body with loop.sendfile (os.sendfile: no copy through Python,
            # the loop waits while the socket is full): the least CPU any
            # asyncio client can spend. Writes of 64 KiB pieces from Python
            # are slower than aiohttp's 256 KiB pieces: they would be no bound.
            with open(upload, "rb") as file:  # noqa: ASYNC230 (the open)
                await loop.sendfile(proto.transport, file)
            await answered
            result = upload_size
        else:
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


def _post_head(host: str, path: str, content_type: str, length: int) -> bytes:
    """The head of a POST to ``path`` with a body of ``length`` bytes."""
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


CLIENTS = {"lamella": lamella_ops, "aiohttp": aiohttp_ops, "httpx": httpx_ops, "floor": floor_ops}


def _client_ops(client: str) -> Callable[[int, int, str], tuple[Any, Any]]:
    """The adapter for ``client``: one of the above, or one of ``others.py``'s."""
    if client in CLIENTS:
        return CLIENTS[client]
    from others import OPS

    return OPS[client]


# --- driving a workload ---------------------------------------------------------------


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() // 1024


async def _run(
    client: str, workload: str, port: int, n: int, concurrency: int, upload: str, ca: str
) -> dict[str, Any]:
    """Warm up, then measure ``n`` operations of ``workload`` on ``concurrency`` tasks."""
    impl = _implementation(client)
    if workload in TLS_WORKLOADS:
        http2 = workload in H2_WORKLOADS
        closer, op = TLS_OPS[client](port, concurrency, ca, http2)
        impl += " over HTTP/2" if http2 else " over TLS"
    else:
        closer, op = _client_ops(client)(port, concurrency, upload)
    if workload.startswith("scale_"):  # the scale curve: small GETs at any concurrency
        workload = "concurrent"
    try:
        # Warm up: open the pool's connections and take every code path once.
        # For idle_pool only one connection: the timed part opens the others,
        # and the RSS they add is what that workload measures.
        if workload in ("download", "upload", "download_h2"):
            await _spread(op, workload, 1, 1)
        elif workload == "idle_pool":
            await _spread(op, workload, 8, 1)
        else:
            await _spread(op, workload, concurrency * 2, concurrency)
        return await _measure(lambda: _spread(op, workload, n, concurrency), n, impl)
    finally:
        await closer.close()


async def _run_cookies(client: str, n: int) -> dict[str, Any]:
    """Measure ``n`` ``filter_cookies`` calls on ``client``'s filled 1,000-cookie jar."""
    from cookies.bench_cookies import MATCHING, filter_many, make_jar

    jar = await make_jar(client)
    filter_many(jar, MATCHING, len(MATCHING))  # warm up: every site once

    async def calls() -> int:
        return filter_many(jar, MATCHING, n)

    return await _measure(calls, n, f"{type(jar).__module__}.{type(jar).__qualname__}")


async def _measure(timed: Callable[[], Awaitable[int]], n: int, impl: str) -> dict[str, Any]:
    """Run ``timed`` (``n`` operations) once: wall and CPU time, RSS and page faults."""
    gc.collect()
    rss_before = _rss_kib()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    total = await timed()
    wall = time.perf_counter() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    gc.collect()
    rss_after = _rss_kib()
    return {
        "wall": wall,
        "cpu": (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime),
        "ops": n,
        "bytes": total,
        "maxrss_kib": usage1.ru_maxrss,
        "rss_growth_kib": rss_after - rss_before,
        "minflt": usage1.ru_minflt - usage0.ru_minflt,
        "impl": impl,
    }


def _implementation(client: str) -> str:
    """Which parser the client really used, so a wrong switch shows in the results."""
    if client == "lamella":
        try:
            from lamella_core._pool import parsers
        except ImportError:  # a revision from before core's layers (run.py --ref)
            from lamella_core import _extensions  # type: ignore[attr-defined]

            return str(_extensions._pick_response_parser().__name__)
        return parsers.response_parser_class().__name__
    if client == "aiohttp":
        from aiohttp import http_parser

        return http_parser.HttpResponseParser.__name__ + (
            "(C)" if http_parser.HttpResponseParser is not http_parser.HttpResponseParserPy else ""
        )
    if client == "httpx":
        import h11
        import httpx

        return f"httpx {httpx.__version__} / h11 {h11.__version__}"
    if client == "floor":
        return "BufferedProtocol"
    from importlib.metadata import version

    return f"{client} {version(client.replace('_', '-'))}"


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


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop when ``BENCH_LOOP=uvloop`` (the "-uvloop" clients), else asyncio's."""
    if os.environ.get("BENCH_LOOP") == "uvloop":
        import uvloop

        return uvloop.new_event_loop
    return None


def main() -> None:
    client, workload, port, n, concurrency = sys.argv[1:6]
    upload = sys.argv[6] if len(sys.argv) > 6 else ""
    ca = sys.argv[7] if len(sys.argv) > 7 else ""
    with asyncio.Runner(loop_factory=_loop_factory()) as runner:
        if workload.startswith("ws_"):
            # WebSocket workloads belong to benchmarks/ws/ (see run.py).
            from ws.client import run as run_ws  # type: ignore[import-not-found]

            result = runner.run(run_ws(client, workload, int(port), int(n), int(concurrency)))
        elif workload == "cookies":
            result = runner.run(_run_cookies(client, int(n)))
        else:
            result = runner.run(
                _run(client, workload, int(port), int(n), int(concurrency), upload, ca)
            )
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    # The measurement is written: leave without finalising the interpreter.
    # The Rust-based clients' runtime threads outlive it and can abort the
    # process while it finalises (PyGILState_Release), which would turn a
    # finished measurement into a failed one.
    os._exit(0)


if __name__ == "__main__":
    main()
