"""The HTTPS rows: small GETs over HTTP/1.1 and HTTP/2 with TLS, and a download over HTTP/2.

nginx listens for them twice (``servers.py``): HTTP/1.1 over TLS, where 64
tasks need 64 TLS connections, and HTTP/2 over TLS, where one connection
carries them all as streams. Each ``*_tls_ops(port, concurrency, ca_file,
http2)`` returns ``(closer, op)`` as ``client.py``'s adapters do, with the
client trusting the run's trustme CA and, with ``http2``, asking for
HTTP/2 the library's own way: ``TCPConnector(http2=True)`` for lamella,
``AsyncClient(http2=True)`` for httpx. niquests offers h2 in ALPN by
default, so the listener alone decides what it speaks.
"""

from __future__ import annotations

import ssl
from typing import Any

__all__ = ["H2_WORKLOADS", "TLS_OPS", "TLS_WORKLOADS"]

CHUNK = 65536
#: The workloads of this module, and which of them go to the HTTP/2 listener.
TLS_WORKLOADS = ("https_h1", "https_h2", "download_h2")
H2_WORKLOADS = ("https_h2", "download_h2")


class _Closer:
    def __init__(self, close: Any) -> None:
        self._close = close

    async def close(self) -> None:
        await self._close()


def lamella_tls_ops(port: int, concurrency: int, ca_file: str, http2: bool) -> tuple[Any, Any]:
    import lamella

    context = ssl.create_default_context(cafile=ca_file)
    if http2:
        # A caller's context is used as it is: it must offer h2 itself.
        context.set_alpn_protocols(["h2", "http/1.1"])
    connector = lamella.TCPConnector(limit=max(concurrency, 1), ssl=context, http2=http2)
    session = lamella.ClientSession(connector=connector)
    base = f"https://127.0.0.1:{port}"

    async def op(workload: str) -> int:
        if workload.startswith("download"):
            total = 0
            async with session.get(base + "/big") as resp:
                async for piece in resp.content.iter_chunked(CHUNK):
                    total += len(piece)
            return total
        async with session.get(base + "/small") as resp:
            return len(await resp.read())

    return session, op


def httpx_tls_ops(port: int, concurrency: int, ca_file: str, http2: bool) -> tuple[Any, Any]:
    import httpx

    size = max(concurrency, 1)
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    context = ssl.create_default_context(cafile=ca_file)
    client = httpx.AsyncClient(limits=limits, timeout=60, verify=context, http2=http2)
    base = f"https://127.0.0.1:{port}"

    async def op(workload: str) -> int:
        if workload.startswith("download"):
            total = 0
            async with client.stream("GET", base + "/big") as resp:
                async for piece in resp.aiter_bytes(CHUNK):
                    total += len(piece)
            return total
        return len((await client.get(base + "/small")).content)

    return _Closer(client.aclose), op


def niquests_tls_ops(port: int, concurrency: int, ca_file: str, http2: bool) -> tuple[Any, Any]:
    import niquests

    size = max(concurrency, 1)
    session = niquests.AsyncSession(pool_connections=size, pool_maxsize=size)
    base = f"https://127.0.0.1:{port}"

    async def op(workload: str) -> int:
        if workload.startswith("download"):
            total = 0
            # verify= per request: niquests 3.21's session-wide verify= is not
            # applied to its connections.
            resp = await session.get(base + "/big", stream=True, verify=ca_file)
            async for piece in await resp.iter_content(CHUNK):
                total += len(piece)
            return total
        resp = await session.get(base + "/small", verify=ca_file)
        return len(resp.content or b"")

    return _Closer(session.close), op


TLS_OPS = {"lamella": lamella_tls_ops, "httpx": httpx_tls_ops, "niquests": niquests_tls_ops}
