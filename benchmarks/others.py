"""The other fast clients the benchmarks compare lamella with, one adapter each.

Each ``*_ops(port, concurrency, upload)`` returns ``(closer, op)`` as
``client.py``'s own adapters do: ``op(workload)`` performs one operation and
returns the count ``client.py`` sums (body bytes, or JSON items), and
``closer.close()`` releases the client. Every adapter uses the library's
natural API for the job: a pool as large as the concurrency, the body read
whole for small responses and streamed in pieces for the 256 MiB download,
``json=`` for the POST. They run the workloads named in ``WORKLOADS`` only;
``run.py`` leaves the other rows empty for them.

pyreqwest and rnet are Rust (reqwest/hyper) behind Python bindings;
aiosonic is pure Python; curl_cffi binds libcurl; niquests is the async
successor of requests.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

WORKLOADS = ("sequential", "concurrent", "json", "post_json", "chunked", "download")
POST_PATH, BIG_PATH = "/post", "/big"


def _paths(port: int) -> dict[str, str]:
    base = f"http://127.0.0.1:{port}"
    return {
        "sequential": base + "/small",
        "concurrent": base + "/small",
        "json": base + "/json",
        "chunked": base + "/chunked",
        "post_json": base + POST_PATH,
        "download": base + BIG_PATH,
    }


class _Closer:
    """Awaits ``close`` of whatever the adapter opened."""

    def __init__(self, close: Callable[[], Awaitable[Any]]) -> None:
        self._close = close

    async def close(self) -> None:
        await self._close()


def pyreqwest_ops(port: int, concurrency: int, upload: str) -> tuple[Any, Any]:
    from pyreqwest.client import ClientBuilder

    from client import POST_DOC

    client = ClientBuilder().max_connections(max(concurrency, 1)).build()
    urls = _paths(port)

    async def op(workload: str) -> int:
        url = urls[workload]
        if workload == "download":
            total = 0
            async with client.get(url).build_streamed() as resp:
                reader = resp.body_reader
                while (piece := await reader.read_chunk()) is not None:
                    total += len(piece)
            return total
        if workload == "post_json":
            resp = await client.post(url).body_json(POST_DOC).build().send()
            return len(await resp.bytes())
        resp = await client.get(url).build().send()
        if workload == "json":
            return len((await resp.json())["items"])
        return len(await resp.bytes())

    return _Closer(client.close), op


def rnet_ops(port: int, concurrency: int, upload: str) -> tuple[Any, Any]:
    import rnet

    from client import POST_DOC

    client = rnet.Client(pool_max_size=max(concurrency, 1))
    urls = _paths(port)

    async def op(workload: str) -> int:
        url = urls[workload]
        if workload == "post_json":
            resp = await client.post(url, json=POST_DOC)
        else:
            resp = await client.get(url)
        if workload == "download":
            total = 0
            async with resp.stream() as streamer:
                async for piece in streamer:
                    total += len(piece)
            return total
        if workload == "json":
            return len((await resp.json())["items"])
        return len(await resp.bytes())

    async def close() -> None:
        return None  # rnet's client has no close; its pool goes with the process

    return _Closer(close), op


def aiosonic_ops(port: int, concurrency: int, upload: str) -> tuple[Any, Any]:
    import aiosonic
    from aiosonic.pools import PoolConfig

    from client import POST_DOC

    connector = aiosonic.TCPConnector(
        pool_configs={":default": PoolConfig(size=max(concurrency, 1), max_conn_requests=None)}
    )
    client = aiosonic.HTTPClient(connector=connector)
    urls = _paths(port)

    async def op(workload: str) -> int:
        url = urls[workload]
        if workload == "download":
            total = 0
            async with client.stream("GET", url) as resp:
                async for piece in resp.read_chunks():
                    total += len(piece)
            return total
        if workload == "post_json":
            resp = await client.post(url, json=POST_DOC)
        else:
            resp = await client.get(url)
        if workload == "json":
            return len((await resp.json())["items"])
        return len(await resp.content())

    async def close() -> None:
        await connector.cleanup()

    return _Closer(close), op


def curl_cffi_ops(port: int, concurrency: int, upload: str) -> tuple[Any, Any]:
    from curl_cffi.requests import AsyncSession

    from client import POST_DOC

    session = AsyncSession(max_clients=max(concurrency, 1))
    urls = _paths(port)

    async def op(workload: str) -> int:
        url = urls[workload]
        if workload == "download":
            total = 0
            resp = await session.get(url, stream=True)
            async for piece in resp.aiter_content():
                total += len(piece)
            await resp.aclose()
            return total
        if workload == "post_json":
            return len((await session.post(url, json=POST_DOC)).content)
        resp = await session.get(url)
        if workload == "json":
            return len(resp.json()["items"])
        return len(resp.content)

    return _Closer(session.close), op


def niquests_ops(port: int, concurrency: int, upload: str) -> tuple[Any, Any]:
    import niquests

    from client import POST_DOC

    size = max(concurrency, 1)
    session = niquests.AsyncSession(pool_connections=size, pool_maxsize=size)
    urls = _paths(port)

    async def op(workload: str) -> int:
        url = urls[workload]
        if workload == "download":
            total = 0
            resp = await session.get(url, stream=True)
            async for piece in await resp.iter_content(65536):
                total += len(piece)
            return total
        if workload == "post_json":
            return len((await session.post(url, json=POST_DOC)).content or b"")
        resp = await session.get(url)
        if workload == "json":
            return len(resp.json()["items"])
        return len(resp.content or b"")

    return _Closer(session.close), op


OPS = {
    "pyreqwest": pyreqwest_ops,
    "rnet": rnet_ops,
    "aiosonic": aiosonic_ops,
    "curl_cffi": curl_cffi_ops,
    "niquests": niquests_ops,
}
