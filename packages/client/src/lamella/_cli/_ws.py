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

from ._args import CONNECT_TIMEOUT, Options
from ._errors import EXIT_ERROR, EXIT_TIMEOUT, Reporter, explain
from ._http import print_request_head, print_response_head
from ._style import DIM, GREEN, MAGENTA, Style

if TYPE_CHECKING:
    from lamella import ClientSession, ClientWebSocketResponse, WSMessage
    from lamella_core.tracing import TraceRequestEndParams, TraceRequestHeadersSentParams

__all__ = ["run_ws"]

NORMAL_CLOSE = (1000, 1001)  # normal closure, going away
PREVIEW = 32  # bytes of a binary message shown in hex


@dataclass
class _Clock:
    """When the last message arrived (loop time), and how the server closed."""

    last: float
    close_code: int | None = None
    close_reason: str = ""


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
    """Open the WebSocket, converse until either side ends; return the exit status."""
    out = Style.for_stream(sys.stdout, options.color)
    err = Style.for_stream(sys.stderr, options.color)
    report = Reporter(err, options.silent and not options.show_error, options.verbose)
    connect = options.connect_timeout or CONNECT_TIMEOUT
    timeout = lamella.ClientTimeout(total=None, sock_connect=connect)
    traces = [_tracer(err)] if options.verbose else []
    try:
        async with lamella.ClientSession(timeout=timeout, trace_configs=traces) as session:
            async with asyncio.timeout(options.timeout):
                ws: ClientWebSocketResponse = await session.ws_connect(
                    options.url,
                    headers=options.headers,
                    proxy=options.proxy,
                    ssl=not options.insecure,
                    auth=lamella.BasicAuth(*options.user) if options.user else None,
                )
            async with ws:
                if options.verbose or err.is_tty:
                    hint = " (Ctrl-D to close)" if sys.stdin.isatty() else ""
                    report.note(f"connected to {options.url}{hint}")
                return await _converse(ws, options, out, report)
    except TimeoutError:
        report.error(f"timed out after {options.timeout:g} s waiting for the WebSocket handshake")
        return EXIT_TIMEOUT
    except lamella.ClientError as exc:
        message, status = explain(exc, phase="", total=options.timeout, connect=connect)
        report.error(message, exc)
        return status


async def _converse(
    ws: ClientWebSocketResponse, options: Options, out: Style, report: Reporter
) -> int:
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_read_stdin, args=(loop, lines), daemon=True).start()
    clock = _Clock(loop.time())
    receiver = asyncio.create_task(_receive(ws, out, report, clock))
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
    if clock.close_code is not None:
        # The server closed: its code and reason, said once.
        reason = f": {clock.close_reason}" if clock.close_reason else ""
        said = f"the server closed the WebSocket with code {clock.close_code}{reason}"
        if clock.close_code not in NORMAL_CLOSE:
            report.error(said)
            return EXIT_ERROR
        if options.verbose:
            report.note(said)
    elif options.verbose:
        report.note(f"closed the WebSocket with code {ws.close_code}")
    return status


async def _send(ws: ClientWebSocketResponse, lines: asyncio.Queue[str | None]) -> None:
    while (line := await lines.get()) is not None:
        await ws.send_str(line)


async def _receive(ws: ClientWebSocketResponse, out: Style, report: Reporter, clock: _Clock) -> int:
    """Print messages until the WebSocket closes; 1 if it ended in an error."""
    loop = asyncio.get_running_loop()
    while True:
        msg = await ws.receive()
        clock.last = loop.time()
        if msg.type is lamella.WSMsgType.CLOSE:
            clock.close_code, clock.close_reason = msg.data, str(msg.extra or "")
            return 0
        if msg.type in (lamella.WSMsgType.CLOSING, lamella.WSMsgType.CLOSED):
            return 0
        if msg.type is lamella.WSMsgType.ERROR:
            report.error(f"WebSocket error: {msg.data}", msg.data)
            return EXIT_ERROR
        text = format_message(msg, out)
        if text is not None:
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
