"""Writing one request onto a connection, and waiting for the response head meanwhile.

Small in-memory bodies go out in the same ``write`` as the head; larger
ones in a second write; streamed ones piece by piece with back-pressure.
With ``expect100`` the body waits for ``100 Continue`` and is never sent
when the server answers with a final status first.

A server may answer before it has read the body (a 413, a 401, a
redirect) and stop reading. So whenever the body cannot be handed to the
transport at once, it is written by a task of its own while the head is
awaited: the response is returned as soon as its head arrives, and the
task, still uploading, goes with it (the response stops it when it is
released or its body has ended, as aiohttp does). The ``sock_read`` timer
runs from the moment the body has been written.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from lamella_core._content.compression import plain_bytes_counter
from lamella_core._content.payloads import Payload
from lamella_core._content.streams import StreamReader
from lamella_core._wire import ResponseHead
from lamella_core.abc import AbstractExchange
from lamella_core.exceptions import ClientConnectionError, ClientError, RequestFramingError

from .request import ClientRequest

if TYPE_CHECKING:
    from lamella_core.abc import AbstractExchange
    from lamella_core.tracing import Trace

    from .upload import UploadTracker

__all__ = ["close_body", "send_request", "write_at_once", "write_request"]

_ONE_WRITE_LIMIT = 65536


def write_at_once(
    protocol: AbstractExchange,
    req: ClientRequest,
    head: bytes,
    traces: list[Trace],
    tracker: UploadTracker | None,
) -> bool:
    """Write an untraced, untracked request with no body or a body in memory
    (no ``expect100``) at once; False, having written nothing, for every other.

    After True, unless ``protocol.writing_paused``, only the response head is
    left to await (``protocol.head_future``): the caller awaits it itself, one
    coroutine fewer a request; else it calls :func:`send_request`, ``written``
    saying which of the two cases it is.
    """
    if traces or tracker is not None:
        return False
    body = req.body
    if body is None:
        protocol.write(head)
        return True
    data = body.data
    if data is None or req.expect100:
        return False
    _write_with_body(protocol, req, head, data)
    return True


async def send_request(
    protocol: AbstractExchange,
    req: ClientRequest,
    head: bytes,
    deadline: float | None,
    traces: list[Trace],
    tracker: UploadTracker | None = None,
    *,
    written: bool = False,
) -> tuple[ResponseHead, StreamReader, asyncio.Task[None] | None]:
    """Send what :func:`write_at_once` did not, and wait for the response head.

    ``written`` says :func:`write_at_once` wrote the whole request and the
    transport's buffer is full (so it is drained here); otherwise the request
    is written here. Returns the head, the body stream and, when the head
    came before the body was all written, the task still writing it (else None).

    Raises:
        Exception: what writing the body raised, when it failed before any
            response head arrived; the caller closes the connection.
    """
    upload: Coroutine[Any, Any, None] = (
        protocol.drain()
        if written
        else write_request(protocol, req, head, deadline, traces, tracker)
    )
    if req.body is not None:
        protocol.pause_read_timer()
    task = asyncio.ensure_future(_then_start_read_timer(upload, protocol))
    task.add_done_callback(_seen)
    waiter = protocol.head_future
    try:
        await asyncio.wait((task, waiter), return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            error = task.exception()
            if error is not None and (not waiter.done() or waiter.exception() is not None):
                raise error
            response_head, stream = await protocol.read_head()
            return response_head, stream, None
        # The server answered before the body was all written: the upload goes on.
        response_head, stream = await protocol.read_head()
    except BaseException:
        task.cancel()
        raise
    return response_head, stream, task


async def close_body(body: Payload, upload: asyncio.Task[None] | None) -> None:
    """Close a request body once the request is over, or, when it is still
    uploading behind an early response, as soon as that upload ends."""
    if upload is None or upload.done():
        await body.close()
        return

    def close_later(_: object) -> None:
        closing = asyncio.ensure_future(body.close())
        _CLOSING.add(closing)
        closing.add_done_callback(_CLOSING.discard)

    upload.add_done_callback(close_later)


# Strong references to the closing tasks started by close_body until they end.
_CLOSING: set[asyncio.Task[None]] = set()


def _write_with_body(
    protocol: AbstractExchange, req: ClientRequest, head: bytes, data: bytes
) -> None:
    """Write ``head`` and an in-memory body, framed, in as few writes as sensible."""
    if req.chunked:
        framed = b"%x\r\n%b\r\n0\r\n\r\n" % (len(data), data) if data else b"0\r\n\r\n"
        protocol.write(head + framed)
    elif len(data) <= _ONE_WRITE_LIMIT:
        protocol.write(head + data)
    else:
        protocol.write(head)
        protocol.write(data)


async def _then_start_read_timer(
    upload: Coroutine[Any, Any, None], protocol: AbstractExchange
) -> None:
    await upload
    protocol.start_read_timer()


def _seen(task: asyncio.Task[None]) -> None:
    """Retrieve the outcome of an upload that may not be awaited (a failure closes the
    connection, which the response then reports)."""
    if not task.cancelled():
        task.exception()


async def write_request(
    protocol: AbstractExchange,
    req: ClientRequest,
    head: bytes,
    deadline: float | None,
    traces: list[Trace],
    tracker: UploadTracker | None = None,
) -> None:
    """Send ``req`` (its serialized ``head`` and its body) on ``protocol``.

    With a ``tracker``, the attempt's progress and outcome are reported to it.
    """
    try:
        sent = await _write_request(protocol, req, head, deadline, traces, tracker)
    except BaseException as exc:
        if tracker is not None:
            tracker._attempt_failed(None if isinstance(exc, asyncio.CancelledError) else exc)
        if req.body is not None:
            protocol.close()  # the body was cut short: its framing is lost
        raise
    if tracker is not None:
        if sent:
            tracker._attempt_finished()
        else:
            tracker._attempt_failed(None)


async def _write_request(
    protocol: AbstractExchange,
    req: ClientRequest,
    head: bytes,
    deadline: float | None,
    traces: list[Trace],
    tracker: UploadTracker | None,
) -> bool:
    """Write the head and the body; False when a final response refused the body."""
    for trace in traces:
        await trace.send_request_headers(req.method, req.url, req.headers)
    body = req.body
    if body is None:
        protocol.write(head)
        return True
    if req.expect100:
        protocol.write(head)
        if not await protocol.wait_continue():
            return False
        head = b""
    if tracker is not None:
        protocol.write(head)
        head = b""
        tracker._attempt_writing(protocol)
    data = body.data
    if data is not None and traces:
        for trace in traces:
            await trace.send_request_chunk_sent(req.method, req.url, data)
    if data is not None:
        _write_with_body(protocol, req, head, data)
        if tracker is not None:
            tracker._add(plain_bytes_counter(body)(len(data)))
        await protocol.drain()
        return True
    protocol.write(head)
    # A streamed body waits on the caller's iterator too: bound it by the total.
    async with asyncio.timeout_at(deadline):
        # A regular file goes to loop.sendfile: from the page cache to the
        # socket on plain TCP. It reports no chunks, so not when traced or
        # tracked, and it sends the file's size, so only when that is the
        # Content-Length.
        source = None if req.chunked or traces or tracker else body.sendfile_source()
        if (
            source is not None
            and req.headers.get("Content-Length") == str(source[2])
            and await protocol.sendfile(*source)
        ):
            return True
        chunks = _failing_as_connection_errors(body.chunks(), req)
        if not req.chunked:  # a stream of unknown size, sent with the caller's Content-Length
            chunks = _exactly(chunks, int(req.headers["Content-Length"]))
        if traces:
            chunks = _traced(chunks, req, traces)
        if tracker is not None:
            chunks = _tracked(chunks, tracker, plain_bytes_counter(body))
        await protocol.write_body(chunks, req.chunked)
    return True


async def _exactly(chunks: AsyncIterator[bytes], length: int) -> AsyncIterator[bytes]:
    """Pass ``chunks`` on, refusing a stream that breaks its declared length.

    A piece that would cross the length is never sent, so no byte past
    ``length`` reaches the server; the session closes the connection on the
    error, so it is never reused.

    Raises:
        RequestFramingError: the stream gives more or fewer bytes than ``length``.
    """
    left = length
    async for chunk in chunks:
        left -= len(chunk)
        if left < 0:
            raise RequestFramingError(f"The body is longer than its Content-Length of {length}")
        yield chunk
    if left:
        raise RequestFramingError(f"The body is shorter than its Content-Length of {length}")


async def _failing_as_connection_errors(
    chunks: AsyncIterator[bytes], req: ClientRequest
) -> AsyncIterator[bytes]:
    """Pass a streamed body's ``chunks`` on; what its iterator raises (other
    than an ``OSError`` or a lamella error) becomes the ``ClientConnectionError``
    aiohttp raises there, caused by it, so ``except ClientError`` catches it."""
    try:
        async for chunk in chunks:
            yield chunk
    except (ClientError, OSError):
        raise
    except Exception as exc:
        raise ClientConnectionError(
            f"Failed to send bytes into the underlying connection for {req.url}: {exc!r}"
        ) from exc


async def _tracked(
    chunks: AsyncIterator[bytes], tracker: UploadTracker, plain: Callable[[int], int]
) -> AsyncIterator[bytes]:
    """Pass ``chunks`` on, telling ``tracker`` of each once it has been written (in
    bytes before compression, which ``plain`` gives)."""
    async for chunk in chunks:
        yield chunk
        tracker._add(plain(len(chunk)))


async def _traced(
    chunks: AsyncIterator[bytes], req: ClientRequest, traces: list[Trace]
) -> AsyncIterator[bytes]:
    async for chunk in chunks:
        for trace in traces:
            await trace.send_request_chunk_sent(req.method, req.url, chunk)
        yield chunk
