"""The command line: two argparse parsers, one per form of the command.

``lamella ws URL`` is told apart from ``lamella URL`` by its first argument, so
a plain request needs no sub-command and reads like curl.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote_plus

from lamella._version import __version__

__all__ = ["CONNECT_TIMEOUT", "FORM_URLENCODED", "FormField", "Options", "parse"]

# Connecting may take this long when --connect-timeout is not given; the
# transfer itself has no limit unless --max-time says so, since a download
# from the command line may rightly take hours.
CONNECT_TIMEOUT = 30.0
FORM_URLENCODED = "application/x-www-form-urlencoded"

DESCRIPTION = "Send one HTTP request with lamella and write the response body to stdout."
WS_DESCRIPTION = (
    "Open a WebSocket with lamella: each line read from stdin is sent as a text "
    "message, each message received is printed on stdout."
)
EPILOG = """\
examples:
  lamella http://127.0.0.1:8080/
  lamella -i -X PUT -H 'X-Token: 1234' -d 'some text' http://127.0.0.1:8080/notes/1
  lamella -d name=lamella -d lang=py http://127.0.0.1:8080/form
  lamella -F title=report -F file=@report.pdf http://127.0.0.1:8080/upload
  lamella --json '{"name": "lamella"}' http://127.0.0.1:8080/users
  lamella -o big.iso --fail --timings https://example.org/big.iso
  lamella ws ws://127.0.0.1:8080/chat

exit status (as curl's): 0 done, 1 other failure, 2 bad command line,
3 invalid URL, 6 host not resolved, 7 connection refused or failed,
22 HTTP status >= 400 with --fail, 23 cannot write the output, 28 timed out,
35 TLS failure, 47 too many redirects, 56 the connection broke while
receiving, 60 certificate verify failed, 130 interrupted.
Colour is used when the output is a terminal (--color, NO_COLOR to change that).
"""


@dataclass
class FormField:
    """One ``-F`` field: a value, or a file to upload (``name=@path;type=...``)."""

    name: str
    value: str
    is_file: bool = False
    content_type: str | None = None
    filename: str | None = None


@dataclass
class Options:
    """What the command line asked for, checked and normalised."""

    command: str  # "http" or "ws"
    url: str
    method: str = "GET"
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: bytes | None = None
    form: list[FormField] = field(default_factory=list)
    output: str | None = None
    include: bool = False
    head_only: bool = False
    follow: bool = True
    user: tuple[str, str] | None = None
    cookie_file: str | None = None
    cookie_jar: str | None = None
    timeout: float | None = None
    connect_timeout: float | None = None
    retry: int = 0
    proxy: str | None = None
    insecure: bool = False
    verbose: bool = False
    silent: bool = False
    show_error: bool = False
    fail: bool = False
    remove_on_error: bool = False
    timings: bool = False
    color: str = "auto"
    wait: float = 1.0


Groups = dict[str, "argparse._ArgumentGroup"]


# The groups of ``--help``, in the order of curl's manual; descriptions are
# written with their line breaks (the help formatter keeps them as they are).
GROUPS = {
    "request": ("request", None),
    "body": (
        "request body",
        "-d, --data-binary and --data-urlencode may be repeated; the pieces are joined\n"
        "with '&' and sent as application/x-www-form-urlencoded unless -H sets a\n"
        "Content-Type. -F builds a multipart/form-data body instead.",
    ),
    "redirects": ("redirects", "lamella follows redirects by default, as aiohttp does."),
    "connection": ("connection", None),
    "tls": ("TLS", None),
    "cookies": ("cookies", "FILE is lamella's JSON cookie jar."),
    "output": ("output and diagnostics", None),
}


def _groups(parser: argparse.ArgumentParser, *names: str) -> Groups:
    """The named groups of ``GROUPS``, added to ``parser`` in their order."""
    return {
        name: parser.add_argument_group(title, text)
        for name, (title, text) in GROUPS.items()
        if name in names
    }


def _common(parser: argparse.ArgumentParser, groups: Groups) -> None:
    """The options both forms share, into their groups of ``--help``."""
    request = groups["request"]
    request.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="add a request header (repeatable)",
    )
    _valued(
        request,
        ("-A", "--user-agent", "NAME", "send User-Agent: NAME"),
        ("-e", "--referer", "URL", "send Referer: URL"),
        ("-u", "--user", "USER:PASSWORD", "Basic authentication with these credentials"),
    )
    connection = groups["connection"]
    connection.add_argument(
        "-m",
        "--max-time",
        "--timeout",
        dest="timeout",
        type=_seconds,
        metavar="SECONDS",
        help="give up after this long: the whole transfer (for ws, the handshake)",
    )
    connection.add_argument(
        "--connect-timeout",
        type=_seconds,
        metavar="SECONDS",
        help=f"give up connecting after this long (default {CONNECT_TIMEOUT:g})",
    )
    connection.add_argument(
        "-x", "--proxy", metavar="URL", help="go through this proxy (http://, https://, socks5://)"
    )
    groups["tls"].add_argument(
        "-k", "--insecure", action="store_true", help="do not verify the server's TLS certificate"
    )
    output = groups["output"]
    _switches(
        output,
        ("-s", "--silent", "no progress bar and no error messages"),
        ("-S", "--show-error", "with -s, still show error messages"),
    )
    output.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show request and response heads on stderr, and error classes",
    )
    output.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        metavar="WHEN",
        help="colour the output: auto (on a terminal, unless NO_COLOR is set), always or never",
    )
    output.add_argument("-V", "--version", action="version", version=f"lamella {__version__}")


def _switches(group: argparse._ArgumentGroup, *specs: tuple[str, ...]) -> None:
    """On/off options: each spec is its flags, then its help text."""
    for *flags, text in specs:
        group.add_argument(*flags, action="store_true", help=text)


def _valued(group: argparse._ArgumentGroup, *specs: tuple[str, ...]) -> None:
    """Options that take a string: each spec is its two flags, metavar and help text."""
    for short, long, metavar, text in specs:
        group.add_argument(short, long, metavar=metavar, help=text)


def http_parser() -> argparse.ArgumentParser:
    """The parser of ``lamella [options] URL``."""
    parser = argparse.ArgumentParser(
        prog="lamella",
        usage="lamella [options] URL\n       lamella ws [options] URL",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("url", metavar="URL", help="http:// or https:// URL (http:// if omitted)")
    groups = _groups(parser, *GROUPS)
    _common(parser, groups)
    request = groups["request"]
    request.add_argument(
        "-X",
        "--request",
        dest="method",
        metavar="METHOD",
        help="the request method (default GET, POST with a body, HEAD with -I)",
    )
    request.add_argument(
        "-I", "--head", action="store_true", help="send HEAD and show the response head"
    )
    request.add_argument(
        "-G", "--get", action="store_true", help="put the -d data in the URL's query, send GET"
    )
    body = groups["body"]
    # The three data options feed one list, in command-line order, each piece
    # tagged with the option that gave it.
    data_options = [
        (
            ("-d", "--data"),
            "data",
            "DATA",
            "send DATA as a form body; @FILE reads FILE (line breaks removed), @- stdin",
        ),
        (("--data-binary",), "binary", "DATA", "like -d, but @FILE is sent exactly as it is"),
        (
            ("--data-urlencode",),
            "urlencode",
            "[NAME]=VALUE",
            "percent-encode VALUE (or NAME@FILE: the file's content) into the form",
        ),
    ]
    for flags, kind, metavar, text in data_options:
        body.add_argument(
            *flags, action="append", type=_part(kind), dest="parts", metavar=metavar, help=text
        )
    parser.set_defaults(parts=[])
    body.add_argument(
        "-F",
        "--form",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a multipart field; NAME=@FILE uploads FILE (;type=MIME ;filename=NAME)",
    )
    body.add_argument(
        "--json",
        metavar="JSON",
        help="send JSON as the body (checked; @FILE and @- as for -d) "
        "with Content-Type and Accept set to application/json",
    )
    redirects = groups["redirects"]
    redirects.add_argument(
        "-L",
        "--location",
        action="store_true",
        help="follow redirects (the default; for curl's habit)",
    )
    redirects.add_argument(
        "--no-location", action="store_true", help="do not follow redirects: show the 3xx itself"
    )
    connection = groups["connection"]
    connection.add_argument(
        "--retry",
        type=_count,
        default=0,
        metavar="N",
        help="retry up to N times on a connection failure or a 429/502/503/504 status",
    )
    connection.add_argument(
        "--compressed",
        action="store_true",
        help="ask for a compressed body and decode it (lamella always does)",
    )
    cookies = groups["cookies"]
    _valued(
        cookies,
        ("-b", "--cookie", "FILE|NAME=VALUE", "send the cookies of FILE, or these"),
        ("-c", "--cookie-jar", "FILE", "save the cookies after the transfer to FILE"),
    )
    output = groups["output"]
    _valued(
        output,
        ("-o", "--output", "FILE", "write the body to FILE, with a progress bar ('-': stdout)"),
    )
    _switches(
        output,
        ("-i", "--include", "write the response head before the body"),
        ("-f", "--fail", "exit with status 22 when the status is >= 400"),
        ("--remove-on-error", "delete the -o FILE when the transfer fails or is interrupted"),
    )
    output.add_argument(
        "--timings",
        action="store_true",
        help="show where the time went, hop by hop (DNS, connect, TLS, request, wait, body)",
    )
    return parser


def ws_parser() -> argparse.ArgumentParser:
    """The parser of ``lamella ws [options] URL``."""
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
    _common(parser, _groups(parser, "request", "connection", "tls", "output"))
    return parser


def parse(argv: list[str]) -> Options:
    """Parse ``argv``; argparse exits (status 2) on a bad command line."""
    if argv[:1] == ["ws"]:
        parser, command, scheme = ws_parser(), "ws", "ws://"
        ns = parser.parse_args(argv[1:])
    else:
        parser, command, scheme = http_parser(), "http", "http://"
        ns = parser.parse_args(argv)
    headers = [_header(parser, h) for h in ns.header]
    for name, value in (("User-Agent", ns.user_agent), ("Referer", ns.referer)):
        if value is not None:
            headers.append((name, value))
    options = Options(
        command=command,
        url=ns.url if "://" in ns.url else scheme + ns.url,
        headers=headers,
        timeout=ns.timeout,
        connect_timeout=ns.connect_timeout,
        proxy=ns.proxy,
        insecure=ns.insecure,
        verbose=ns.verbose,
        silent=ns.silent,
        show_error=ns.show_error,
        color=ns.color,
    )
    if ns.user is not None:
        user, colon, password = ns.user.partition(":")
        if not colon:
            parser.error("-u: expected USER:PASSWORD")
        options.user = (user, password)
    if command == "ws":
        options.wait = ns.wait
        return options
    _http_options(parser, ns, options)
    return options


def _http_options(
    parser: argparse.ArgumentParser, ns: argparse.Namespace, options: Options
) -> None:
    """The options of a plain request: body, method, output and cookies."""
    options.output, options.fail, options.include = ns.output, ns.fail, ns.include
    options.head_only, options.follow = ns.head, not ns.no_location
    options.retry, options.timings = ns.retry, ns.timings
    options.remove_on_error = ns.remove_on_error
    options.cookie_jar = ns.cookie_jar
    if ns.cookie is not None:
        if "=" in ns.cookie:
            options.headers.append(("Cookie", ns.cookie))
        else:
            options.cookie_file = ns.cookie
    if sum(map(bool, (ns.parts, ns.form, ns.json is not None))) > 1:
        parser.error("-d/--data-*, -F and --json cannot be combined")
    names = {name.lower() for name, _ in options.headers}
    if ns.parts:
        data = b"&".join(_part_bytes(parser, kind, text) for kind, text in ns.parts)
        if ns.get:
            separator = "&" if "?" in options.url else "?"
            options.url += separator + data.decode("latin-1")
        else:
            options.data = data
            if "content-type" not in names:
                options.headers.append(("Content-Type", FORM_URLENCODED))
    elif ns.form:
        options.form = [_form_field(parser, text) for text in ns.form]
    elif ns.json is not None:
        options.data = _body(parser, ns.json)
        try:
            json.loads(options.data)
        except ValueError as exc:
            parser.error(f"--json: not valid JSON ({exc})")
        for name in ("Content-Type", "Accept"):
            if name.lower() not in names:
                options.headers.append((name, "application/json"))
    has_body = options.data is not None or bool(options.form)
    default = "HEAD" if ns.head else "POST" if has_body else "GET"
    options.method = (ns.method or default).upper()


def _part(kind: str) -> Callable[[str], tuple[str, str]]:
    """An argparse type that keeps which option gave a piece of data."""

    def tagged(text: str) -> tuple[str, str]:
        return kind, text

    return tagged


def _part_bytes(parser: argparse.ArgumentParser, kind: str, text: str) -> bytes:
    """One ``-d``, ``--data-binary`` or ``--data-urlencode`` argument as bytes."""
    if kind == "binary":
        return _body(parser, text)
    if kind == "data":
        raw = _body(parser, text)
        return raw.replace(b"\r", b"").replace(b"\n", b"") if text.startswith("@") else raw
    # --data-urlencode: "content", "=content", "name=content", "name@file", "@file"
    name, sep, value = text.partition("=")
    if sep and "@" not in name:
        encoded = quote_plus(value)
        return (f"{name}={encoded}" if name else encoded).encode()
    name, at, path = text.partition("@")
    if at:
        encoded = quote_plus(_body(parser, "@" + path))
        return (f"{name}={encoded}" if name else encoded).encode()
    return quote_plus(text).encode()


def _form_field(parser: argparse.ArgumentParser, text: str) -> FormField:
    """``name=value``, ``name=@file`` or ``name=<file``, with ``;type=`` and ``;filename=``."""
    name, eq, rest = text.partition("=")
    if not eq or not name:
        parser.error(f"-F: expected NAME=VALUE or NAME=@FILE, got {text!r}")
    if not rest.startswith(("@", "<")):
        return FormField(name, rest)
    path, *params = rest[1:].split(";")
    found = FormField(name, path, is_file=rest.startswith("@"))
    for param in params:
        key, _, value = param.partition("=")
        if key.strip() == "type":
            found.content_type = value.strip()
        elif key.strip() == "filename":
            found.filename = value.strip()
        else:
            parser.error(f"-F: unknown parameter {param!r} (type= and filename= are known)")
    if not found.is_file:  # name=<file: the file's text as the field's value
        found.value = _body(parser, "@" + path).decode("utf-8", "replace")
    elif not os.path.isfile(path):
        parser.error(f"-F: cannot read {path!r}: no such file")
    return found


def _number(text: str, kind: type[float], what: str, floor: float, above: bool) -> float:
    """``text`` as a number of ``kind`` past ``floor``, or argparse's type error."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if value < floor or (above and value == floor):
        bound = "more than" if above else "at least"
        raise argparse.ArgumentTypeError(f"must be {bound} {floor:g}: {text!r}")
    return value


def _count(text: str) -> int:
    """A count such as ``--retry N``: a whole number, 0 or more."""
    return int(_number(text, int, "a whole number", 0, above=False))


def _seconds(text: str) -> float:
    """A duration in seconds, more than 0."""
    return _number(text, float, "a number of seconds", 0, above=True)


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
