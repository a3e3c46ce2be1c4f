"""Writing one request onto a connection: head and body, framed and paced.

Small in-memory bodies go out in the same ``write`` as the head; larger
ones in a second write; streamed ones piece by piece with back-pressure.
With ``expect100`` the body waits for ``100 Continue`` and is never sent
when the server answers with a final status first.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from .request import ClientRequest

if TYPE_CHECKING:
    from lamella_core.abc import AbstractExchange
    from lamella_core.tracing import Trace

__all__ = ["write_request"]

_ONE_WRITE_LIMIT = 65536


async def write_request(
    protocol: AbstractExchange,
    req: ClientRequest,
    head: bytes,
    deadline: float | None,
    traces: list[Trace],
) -> None:
    """Send ``req`` (its serialized ``head`` and its body) on ``protocol``."""
    for trace in traces:
        await trace.send_request_headers(req.method, req.url, req.headers)
    body = req.body
    if body is None:
        protocol.write(head)
        return
    if req.expect100:
        protocol.write(head)
        if not await protocol.wait_continue():
            return
        head = b""
    data = body.data
    if data is not None and traces:
        for trace in traces:
            await trace.send_request_chunk_sent(req.method, req.url, data)
    if data is not None:
        if req.chunked:
            framed = b"%x\r\n%b\r\n0\r\n\r\n" % (len(data), data) if data else b"0\r\n\r\n"
            protocol.write(head + framed)
        elif len(data) <= _ONE_WRITE_LIMIT:
            protocol.write(head + data)
        else:
            protocol.write(head)
            protocol.write(data)
        await protocol.drain()
        return
    protocol.write(head)
    # A streamed body waits on the caller's iterator too: bound it by the total.
    async with asyncio.timeout_at(deadline):
        # A regular file goes to loop.sendfile: from the page cache to the
        # socket on plain TCP. It reports no chunks, so not when traced, and
        # it sends the file's size, so only when that is the Content-Length.
        source = None if req.chunked or traces else body.sendfile_source()
        if (
            source is not None
            and req.headers.get("Content-Length") == str(source[2])
            and await protocol.sendfile(*source)
        ):
            return
        chunks = body.chunks()
        if not req.chunked:  # a stream of unknown size, sent with the caller's Content-Length
            chunks = _exactly(chunks, int(req.headers["Content-Length"]))
        if traces:
            chunks = _traced(chunks, req, traces)
        await protocol.write_body(chunks, req.chunked)


async def _exactly(chunks: AsyncIterator[bytes], length: int) -> AsyncIterator[bytes]:
    """Pass ``chunks`` on, refusing a stream that breaks its declared length.

    Raises:
        ValueError: the stream gives more or fewer bytes than ``length``.
    """
    left = length
    async for chunk in chunks:
        left -= len(chunk)
        if left < 0:
            raise ValueError(f"The body is longer than its Content-Length of {length}")
        yield chunk
    if left:
        raise ValueError(f"The body is shorter than its Content-Length of {length}")


async def _traced(
    chunks: AsyncIterator[bytes], req: ClientRequest, traces: list[Trace]
) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        for trace in traces:
            await trace.send_request_chunk_sent(req.method, req.url, chunk)
        yield chunk
