"""``lamella ws URL``: an interactive WebSocket session.

Each line read from stdin is sent as a text message; each message received is
printed on stdout, one per line (binary ones as a hex preview). On a terminal
received messages are marked ``<`` and coloured. When stdin ends, messages
keep being printed until none has arrived for ``--wait`` seconds, then the
WebSocket is closed with code 1000; when the server closes first, the command
ends at once.

stdin is read by a daemon thread, whatever it is (terminal, pipe, file),
and handed to the event loop line by line; the thread never holds the
process open.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING

import lamella

from ._args import Options
from ._http import (
    CONNECT_TIMEOUT,
    EXIT_ERROR,
    EXIT_TIMEOUT,
    describe,
    error,
    print_request_head,
    print_response_head,
)
from ._style import DIM, GREEN, MAGENTA, Style

if TYPE_CHECKING:
    from lamella import ClientSession, ClientWebSocketResponse, WSMessage
    from lamella_core.tracing import TraceRequestEndParams, TraceRequestHeadersSentParams

__all__ = ["run_ws"]

NORMAL_CLOSE = (1000, 1001)  # normal closure, going away
PREVIEW = 32  # bytes of a binary message shown in hex


@dataclass
class _Clock:
    """When the last message arrived (loop time)."""

    last: float


def _tracer(err: Style) -> lamella.TraceConfig:
    async def sent(
        session: ClientSession, ctx: SimpleNamespace, params: TraceRequestHeadersSentParams
    ) -> None:
        print_request_head(params.method, params.url.raw_path_qs, params.headers, sys.stderr, err)

    async def answered(
        session: ClientSession, ctx: SimpleNamespace, params: TraceRequestEndParams
    ) -> None:
        print_response_head(params.response, sys.stderr, err)

    trace = lamella.TraceConfig()
    trace.on_request_headers_sent.append(sent)
    trace.on_request_end.append(answered)
    return trace


def _read_stdin(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Thread body: each stdin line into ``queue``, then None at the end."""
    try:
        while line := sys.stdin.readline():
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)
    except RuntimeError:  # the loop is gone: the command has ended
        pass


def format_message(msg: WSMessage, out: Style) -> str | None:
    """How a received message is printed; None for control messages."""
    mark = out("< ", DIM) if out.is_tty else ""
    if msg.type is lamella.WSMsgType.TEXT:
        return mark + out(str(msg.data), GREEN)
    if msg.type is lamella.WSMsgType.BINARY:
        data = bytes(msg.data)
        preview = data[:PREVIEW].hex(" ") + (" ..." if len(data) > PREVIEW else "")
        return mark + out(f"[binary, {len(data)} bytes] {preview}", MAGENTA)
    return None


async def run_ws(options: Options) -> int:
    out = Style.for_stream(sys.stdout, options.color)
    err = Style.for_stream(sys.stderr, options.color)
    timeout = lamella.ClientTimeout(total=None, sock_connect=CONNECT_TIMEOUT)
    traces = [_tracer(err)] if options.verbose else []
    try:
        async with lamella.ClientSession(timeout=timeout, trace_configs=traces) as session:
            async with asyncio.timeout(options.timeout):
                ws: ClientWebSocketResponse = await session.ws_connect(
                    options.url,
                    headers=options.headers,
                    proxy=options.proxy,
                    ssl=not options.insecure,
                )
            async with ws:
                if options.verbose or err.is_tty:
                    hint = " (Ctrl-D to close)" if sys.stdin.isatty() else ""
                    sys.stderr.write(err(f"connected to {options.url}{hint}", DIM) + "\n")
                return await _converse(ws, options, out, err)
    except TimeoutError:
        error(f"no WebSocket handshake within {options.timeout:g} s", err)
        return EXIT_TIMEOUT
    except lamella.ClientError as exc:
        error(describe(exc), err)
        return EXIT_ERROR


async def _converse(ws: ClientWebSocketResponse, options: Options, out: Style, err: Style) -> int:
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_read_stdin, args=(loop, lines), daemon=True).start()
    clock = _Clock(loop.time())
    receiver = asyncio.create_task(_receive(ws, out, err, clock))
    sender = asyncio.create_task(_send(ws, lines))
    await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
    if not receiver.done():
        # stdin has ended: let the last answers arrive, then close.
        clock.last = max(clock.last, loop.time())
        while (left := clock.last + options.wait - loop.time()) > 0 and not receiver.done():
            await asyncio.wait({receiver}, timeout=left)
        await ws.close()
    sender.cancel()
    status = await receiver
    code = ws.close_code
    if options.verbose:
        sys.stderr.write(err(f"closed with code {code}", DIM) + "\n")
    if status == 0 and code is not None and code not in NORMAL_CLOSE:
        error(f"the WebSocket closed with code {code}", err)
        return EXIT_ERROR
    return status


async def _send(ws: ClientWebSocketResponse, lines: asyncio.Queue[str | None]) -> None:
    while (line := await lines.get()) is not None:
        await ws.send_str(line)


async def _receive(ws: ClientWebSocketResponse, out: Style, err: Style, clock: _Clock) -> int:
    """Print messages until the WebSocket closes; 1 if it ended in an error."""
    loop = asyncio.get_running_loop()
    async for msg in ws:
        clock.last = loop.time()
        if msg.type is lamella.WSMsgType.ERROR:
            error(f"WebSocket error: {describe(msg.data)}", err)
            return EXIT_ERROR
        text = format_message(msg, out)
        if text is not None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
    return 0
