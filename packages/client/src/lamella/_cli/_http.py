"""``lamella URL``: one request, its body to stdout or to a file.

The request is an ordinary ``ClientSession.request``; ``-v`` hooks the
session's trace signals to show each request head as it is written and each
redirect's response head as it arrives, in the order they happen on the wire.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, TextIO

import lamella

from ._args import Options
from ._progress import Progress
from ._style import BOLD, DIM, RED, Style

if TYPE_CHECKING:
    from lamella import ClientResponse, ClientSession
    from lamella_core.tracing import TraceRequestHeadersSentParams, TraceRequestRedirectParams

__all__ = [
    "CONNECT_TIMEOUT",
    "EXIT_ERROR",
    "EXIT_HTTP",
    "EXIT_TIMEOUT",
    "describe",
    "error",
    "print_request_head",
    "print_response_head",
    "run_http",
]

EXIT_ERROR = 1
EXIT_HTTP = 22  # curl's status for --fail
EXIT_TIMEOUT = 28  # curl's status for an operation timeout

# Connecting may take this long when --timeout is not given; the transfer itself
# has no limit, since a command-line download may rightly take hours.
CONNECT_TIMEOUT = 30.0


def print_request_head(
    method: str, target: str, headers: Mapping[str, str], stream: TextIO, style: Style
) -> None:
    """``> GET /path HTTP/1.1`` and the headers as written, curl's way."""
    lines = [f"{style('>', DIM)} {style(f'{method} {target} HTTP/1.1', BOLD)}"]
    lines += [style.header(">", name, value) for name, value in headers.items()]
    stream.write("\n".join([*lines, style(">", DIM)]) + "\n")
    stream.flush()


def print_response_head(resp: ClientResponse, stream: TextIO, style: Style) -> None:
    """``< HTTP/1.1 200 OK`` and the headers as received, the status coloured by class."""
    version = f"HTTP/{resp.version.major}.{resp.version.minor}"
    status_line = style.status(resp.status, f"{version} {resp.status} {resp.reason}")
    lines = [f"{style('<', DIM)} {status_line}"]
    lines += [
        style.header("<", name.decode("latin-1"), value.decode("latin-1"))
        for name, value in resp.raw_headers
    ]
    stream.write("\n".join([*lines, style("<", DIM)]) + "\n")
    stream.flush()


def error(message: str, style: Style) -> None:
    """``lamella: message`` on stderr."""
    sys.stderr.write(f"{style('lamella:', BOLD, RED)} {message}\n")
    sys.stderr.flush()


def describe(exc: BaseException) -> str:
    """An exception as ``ClassName: message``, for error lines."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _tracer(err: Style) -> lamella.TraceConfig:
    """A trace config that prints heads on stderr as they go by."""

    async def sent(
        session: ClientSession, ctx: SimpleNamespace, params: TraceRequestHeadersSentParams
    ) -> None:
        print_request_head(params.method, params.url.raw_path_qs, params.headers, sys.stderr, err)

    async def redirected(
        session: ClientSession, ctx: SimpleNamespace, params: TraceRequestRedirectParams
    ) -> None:
        print_response_head(params.response, sys.stderr, err)

    trace = lamella.TraceConfig()
    trace.on_request_headers_sent.append(sent)
    trace.on_request_redirect.append(redirected)
    return trace


async def run_http(options: Options) -> int:
    out = Style.for_stream(sys.stdout, options.color)
    err = Style.for_stream(sys.stderr, options.color)
    timeout = lamella.ClientTimeout(total=options.timeout, sock_connect=CONNECT_TIMEOUT)
    traces = [_tracer(err)] if options.verbose else []
    try:
        async with (
            lamella.ClientSession(timeout=timeout, trace_configs=traces) as session,
            session.request(
                options.method,
                options.url,
                headers=options.headers,
                data=options.data,
                proxy=options.proxy,
                ssl=not options.insecure,
            ) as resp,
        ):
            if options.verbose:
                print_response_head(resp, sys.stderr, err)
            if options.fail and resp.status >= 400:
                error(f"HTTP status {resp.status} {resp.reason} ({resp.url})", err)
                return EXIT_HTTP
            if options.output is not None:
                return await _save(resp, options.output, err)
            return await _write_body(resp, out, err)
    except TimeoutError:  # ServerTimeoutError and ConnectionTimeoutError included
        error(f"timed out after {options.timeout or CONNECT_TIMEOUT:g} s", err)
        return EXIT_TIMEOUT
    except lamella.ClientError as exc:
        error(describe(exc), err)
        return EXIT_ERROR
    except OSError as exc:  # the output file
        error(f"cannot write {options.output!r}: {exc.strerror or exc}", err)
        return EXIT_ERROR


async def _save(resp: ClientResponse, path: str, err: Style) -> int:
    """Stream the body into ``path``, drawing progress on stderr."""
    encoded = resp.headers.get("Content-Encoding", "identity").lower() != "identity"
    # A compressed body arrives decoded, so its length on the wire says nothing.
    progress = Progress(None if encoded else resp.content_length, sys.stderr, err)
    # Blocking file writes are fine here: the command runs one task, and the
    # disk is faster than the network it waits on.
    with open(path, "wb") as fh:  # noqa: ASYNC230
        async for chunk in resp.content.iter_any():
            fh.write(chunk)
            progress.update(len(chunk))
    progress.finish(path)
    return 0


async def _write_body(resp: ClientResponse, out: Style, err: Style) -> int:
    """The body on stdout: as it arrives, or as coloured JSON on a terminal."""
    if out.enabled and resp.content_type.endswith(("/json", "+json")):
        raw = await resp.read()
        try:
            value = await resp.json(content_type=None)
        except ValueError:
            sys.stdout.buffer.write(raw)
        else:
            sys.stdout.write(out.json(value) + "\n")
        sys.stdout.flush()
        return 0
    sink = sys.stdout.buffer
    async for chunk in resp.content.iter_any():
        if out.is_tty and b"\0" in chunk:
            sink.flush()
            error("the body is binary; not writing it to a terminal (use -o FILE)", err)
            return EXIT_ERROR
        sink.write(chunk)
        sink.flush()
    return 0
