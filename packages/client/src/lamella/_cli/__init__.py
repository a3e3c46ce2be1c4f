"""The ``lamella`` command: HTTP requests and WebSocket sessions from a shell.

Two forms, told apart by the first argument::

    lamella [options] URL       one HTTP request; the body goes to stdout
    lamella ws [options] URL    a WebSocket: stdin lines out, messages in

The command is a thin layer over the public API (``lamella.ClientSession``);
it needs nothing beyond the stdlib and lamella's own distributions. Exit
statuses follow curl's numbers (``_errors`` lists them; docs/cli.md too).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Sequence

from ._args import parse
from ._errors import EXIT_INTERRUPTED
from ._http import run_http
from ._ws import run_ws

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (``sys.argv[1:]`` by default); return its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        options = parse(args)
    except SystemExit as exc:  # argparse's --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else 2
    try:
        if options.command == "ws":
            return asyncio.run(run_ws(options))
        return asyncio.run(run_http(options))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`lamella URL | head`): not an error. Point stdout
        # at /dev/null so the interpreter's final flush does not complain.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
