"""``lamella URL``: one request, its body to stdout or to a file.

The request is an ordinary ``ClientSession.request``; ``-v`` hooks the
session's trace signals to show each request head as it is written and each
redirect's response head as it arrives, in the order they happen on the wire.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from types import SimpleNamespace
from typing import TYPE_CHECKING, TextIO

import lamella

from ._args import CONNECT_TIMEOUT, Options
from ._errors import EXIT_ERROR, EXIT_HTTP, EXIT_URL, EXIT_WRITE, Reporter, explain, url_problem
from ._progress import Progress
from ._style import BOLD, CYAN, DIM, Style
from ._timings import Timeline

if TYPE_CHECKING:
    from lamella import ClientResponse, ClientSession
    from lamella_core.tracing import TraceRequestHeadersSentParams, TraceRequestRedirectParams

__all__ = ["print_request_head", "print_response_head", "run_http"]


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
    """Send the request the options describe; return the exit status."""
    out = Style.for_stream(sys.stdout, options.color)
    err = Style.for_stream(sys.stderr, options.color)
    report = Reporter(err, options.silent and not options.show_error, options.verbose)
    timeline = Timeline()
    connect = options.connect_timeout or CONNECT_TIMEOUT
    timeout = lamella.ClientTimeout(total=options.timeout, sock_connect=connect)
    traces = [timeline.trace_config()]
    if options.verbose:
        traces.append(_tracer(err))
    retry = lamella.ExponentialRetry(attempts=options.retry + 1) if options.retry else None
    problem = url_problem(options.url)
    if problem is not None:
        report.error(f"invalid URL: {problem}")
        return EXIT_URL
    try:
        jar = _load_jar(options)
        async with lamella.ClientSession(
            timeout=timeout, trace_configs=traces, cookie_jar=jar, retry=retry
        ) as session:
            async with session.request(
                options.method,
                options.url,
                headers=options.headers,
                data=_form(options) if options.form else options.data,
                proxy=options.proxy,
                ssl=not options.insecure,
                auth=lamella.BasicAuth(*options.user) if options.user else None,
                allow_redirects=options.follow,
            ) as resp:
                status = await _respond(resp, options, out, err, report)
                timeline.finish()
            if options.cookie_jar is not None and jar is not None:
                jar.save(options.cookie_jar)
    except (lamella.ClientError, TimeoutError) as exc:
        message, status = explain(exc, phase=timeline.phase, total=options.timeout, connect=connect)
        report.error(message, exc)
    except OSError as exc:  # the output file, the cookie files
        reason = exc.strerror or str(exc)
        if exc.filename == options.output:
            report.error(f"cannot write {options.output}: {reason}", exc)
            status = EXIT_WRITE
        else:
            report.error(f"cannot use the cookie file {exc.filename}: {reason}", exc)
            status = EXIT_ERROR
    if options.timings:
        timeline.write(sys.stderr, err)
    return status


def _load_jar(options: Options) -> lamella.CookieJar | None:
    """The cookie jar of ``-b FILE`` / ``-c FILE``; None keeps the session's default."""
    if options.cookie_file is None and options.cookie_jar is None:
        return None
    # The command's requests go to whatever host the user names, IP addresses included.
    jar = lamella.CookieJar(unsafe=True)
    if options.cookie_file is not None:
        jar.load(options.cookie_file)
    return jar


def _form(options: Options) -> lamella.FormData:
    """The ``-F`` fields as multipart/form-data; files are streamed, not read first."""
    form = lamella.FormData()
    for item in options.form:
        if item.is_file:
            name = item.filename or os.path.basename(item.value)
            # The payload reads and closes the file as it sends it.
            fh = open(item.value, "rb")  # noqa: SIM115
            form.add_field(item.name, fh, filename=name, content_type=item.content_type)
        else:
            form.add_field(item.name, item.value, content_type=item.content_type)
    return form


async def _respond(
    resp: ClientResponse, options: Options, out: Style, err: Style, report: Reporter
) -> int:
    """Show the head if asked, then write the body where it goes."""
    if options.verbose:
        print_response_head(resp, sys.stderr, err)
    if options.include or options.head_only:
        _write_head(resp, out)
    if options.fail and resp.status >= 400:
        report.error(f"HTTP status {resp.status} {resp.reason} ({resp.url})")
        return EXIT_HTTP
    if options.head_only:
        return 0
    if options.output is not None and options.output != "-":
        return await _save(resp, options, err, report)
    return await _write_body(resp, out, report, pretty=options.output is None)


def _write_head(resp: ClientResponse, out: Style) -> None:
    """The response head on stdout (``-i``, ``-I``), as it came, and an empty line."""
    version = f"HTTP/{resp.version.major}.{resp.version.minor}"
    lines = [out.status(resp.status, f"{version} {resp.status} {resp.reason}")]
    for name, value in resp.raw_headers:
        lines.append(f"{out(name.decode('latin-1'), CYAN)}: {value.decode('latin-1')}")
    sys.stdout.write("\r\n".join([*lines, "", ""]))
    sys.stdout.flush()


async def _save(resp: ClientResponse, options: Options, err: Style, report: Reporter) -> int:
    """Stream the body into the ``-o`` file, drawing progress on stderr.

    Interrupted (Ctrl-C) or failed, the progress line is ended and the file
    is either removed (``--remove-on-error``) or reported as partial.
    """
    path = options.output
    assert path is not None
    encoded = resp.headers.get("Content-Encoding", "identity").lower() != "identity"
    # A compressed body arrives decoded, so its length on the wire says nothing.
    total = None if encoded else resp.content_length
    progress = Progress(total, sys.stderr, err, enabled=not options.silent)
    # Blocking file writes are fine here: the command runs one task, and the
    # disk is faster than the network it waits on.
    with open(path, "wb") as fh:  # noqa: ASYNC230
        try:
            async for chunk in resp.content.iter_any():
                fh.write(chunk)
                progress.update(len(chunk))
        except BaseException as exc:  # Ctrl-C arrives here as CancelledError
            progress.interrupt()
            fh.close()
            if options.remove_on_error:
                os.remove(path)
                report.note(f"removed the partial file {path}")
            else:
                why = "interrupted" if isinstance(exc, asyncio.CancelledError) else "failed"
                report.note(f"{why}: {path} is partial, it holds {progress.done} bytes")
            raise
    progress.finish(path)
    return 0


async def _write_body(resp: ClientResponse, out: Style, report: Reporter, *, pretty: bool) -> int:
    """The body on stdout: as it arrives, or as coloured JSON on a terminal."""
    if pretty and out.enabled and resp.content_type.endswith(("/json", "+json")):
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
        if pretty and out.is_tty and b"\0" in chunk:
            sink.flush()
            report.error("the body is binary; not writing it to a terminal (use -o FILE)")
            return EXIT_ERROR
        sink.write(chunk)
        sink.flush()
    return 0
