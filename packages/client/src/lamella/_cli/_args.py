"""The command line: two argparse parsers, one per form of the command.

``lamella ws URL`` is told apart from ``lamella URL`` by its first argument, so
a plain request needs no sub-command and reads like curl.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field

from lamella._version import __version__

__all__ = ["Options", "parse"]

DESCRIPTION = "Send one HTTP request with lamella and write the response body to stdout."
WS_DESCRIPTION = (
    "Open a WebSocket with lamella: each line read from stdin is sent as a text "
    "message, each message received is printed on stdout."
)
EPILOG = """\
examples:
  lamella http://127.0.0.1:8080/
  lamella -X PUT -H 'X-Token: 1234' -d 'some text' http://127.0.0.1:8080/notes/1
  lamella --json '{"name": "lamella"}' http://127.0.0.1:8080/users
  lamella -o big.iso --fail https://example.org/big.iso
  lamella ws ws://127.0.0.1:8080/chat

exit status: 0 done, 1 request failed, 2 bad command line,
22 HTTP status >= 400 with --fail, 28 timed out, 130 interrupted.
Colour is used when the output is a terminal (--color, NO_COLOR to change that).
"""


@dataclass
class Options:
    """What the command line asked for, checked and normalised."""

    command: str  # "http" or "ws"
    url: str
    method: str = "GET"
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: bytes | None = None
    output: str | None = None
    timeout: float | None = None
    proxy: str | None = None
    insecure: bool = False
    verbose: bool = False
    fail: bool = False
    color: str = "auto"
    wait: float = 1.0


def _common(parser: argparse.ArgumentParser) -> None:
    """The options both forms share."""
    parser.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a request header (repeatable)",
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="give up after this long (the whole request; for ws, the handshake)",
    )
    parser.add_argument("--proxy", metavar="URL", help="go through this proxy (http://, https://)")
    parser.add_argument(
        "-k", "--insecure", action="store_true", help="do not verify the server's TLS certificate"
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="show request and response heads on stderr"
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output: auto (on a terminal, unless NO_COLOR is set), always, never",
    )
    parser.add_argument("-V", "--version", action="version", version=f"lamella {__version__}")


def http_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lamella",
        usage="lamella [options] URL\n       lamella ws [options] URL",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", metavar="URL", help="http:// or https:// URL (http:// if omitted)")
    parser.add_argument(
        "-X",
        "--request",
        dest="method",
        metavar="METHOD",
        help="the request method (default GET, or POST with a body)",
    )
    body = parser.add_mutually_exclusive_group()
    body.add_argument(
        "-d",
        "--data",
        metavar="DATA",
        help="send DATA as the body; @FILE reads it from FILE, @- from stdin",
    )
    body.add_argument(
        "--json",
        metavar="JSON",
        help="send JSON as the body (checked; @FILE and @- as for -d) "
        "with Content-Type and Accept set to application/json",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the body to FILE, with a progress bar on stderr",
    )
    parser.add_argument(
        "-f", "--fail", action="store_true", help="exit with status 22 when the status is >= 400"
    )
    _common(parser)
    return parser


def ws_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lamella ws",
        usage="lamella ws [options] URL",
        description=WS_DESCRIPTION,
    )
    parser.add_argument("url", metavar="URL", help="ws:// or wss:// URL (ws:// if omitted)")
    parser.add_argument(
        "--wait",
        type=_seconds,
        default=1.0,
        metavar="SECONDS",
        help="once stdin ends, keep printing messages until none arrives for "
        "this long, then close (default 1)",
    )
    _common(parser)
    return parser


def parse(argv: list[str]) -> Options:
    """Parse ``argv``; argparse exits (status 2) on a bad command line."""
    if argv[:1] == ["ws"]:
        parser, command, scheme = ws_parser(), "ws", "ws://"
        ns = parser.parse_args(argv[1:])
    else:
        parser, command, scheme = http_parser(), "http", "http://"
        ns = parser.parse_args(argv)
    options = Options(
        command=command,
        url=ns.url if "://" in ns.url else scheme + ns.url,
        headers=[_header(parser, h) for h in ns.header],
        timeout=ns.timeout,
        proxy=ns.proxy,
        insecure=ns.insecure,
        verbose=ns.verbose,
        color=ns.color,
    )
    if command == "ws":
        options.wait = ns.wait
        return options
    options.output, options.fail = ns.output, ns.fail
    if ns.data is not None:
        options.data = _body(parser, ns.data)
    elif ns.json is not None:
        options.data = _body(parser, ns.json)
        try:
            json.loads(options.data)
        except ValueError as exc:
            parser.error(f"--json: not valid JSON ({exc})")
        names = {name.lower() for name, _ in options.headers}
        for name in ("Content-Type", "Accept"):
            if name.lower() not in names:
                options.headers.append((name, "application/json"))
    default = "GET" if options.data is None else "POST"
    options.method = (ns.method or default).upper()
    return options


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


def _header(parser: argparse.ArgumentParser, text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    name = name.strip()
    if not colon or not name or any(c.isspace() for c in name):
        parser.error(f"-H: expected 'Name: value', got {text!r}")
    return name, value.strip()


def _body(parser: argparse.ArgumentParser, text: str) -> bytes:
    """The bytes of a body argument: literal text, ``@FILE`` or ``@-`` (stdin)."""
    if not text.startswith("@"):
        return text.encode()
    path = text[1:]
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        parser.error(f"cannot read {path!r}: {exc.strerror}")
