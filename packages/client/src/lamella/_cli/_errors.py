"""Failures in a person's words, each with its own exit status (curl's numbers).

``explain`` turns an exception into one sentence and a status: "connection
refused (127.0.0.1 port 47899)" rather than a ``ClientConnectorError`` repr.
The exception's class is shown only under ``-v``, after the sentence.
"""

from __future__ import annotations

import re
import socket
import ssl
import sys
from dataclasses import dataclass

import lamella

from ._style import BOLD, DIM, RED, Style

__all__ = [
    "EXIT_CONNECT",
    "EXIT_ERROR",
    "EXIT_HTTP",
    "EXIT_INTERRUPTED",
    "EXIT_RECEIVE",
    "EXIT_REDIRECTS",
    "EXIT_RESOLVE",
    "EXIT_TIMEOUT",
    "EXIT_TLS",
    "EXIT_TLS_VERIFY",
    "EXIT_URL",
    "EXIT_WRITE",
    "Reporter",
    "explain",
    "url_problem",
]

EXIT_ERROR = 1  # anything without a number of its own
EXIT_URL = 3  # curl: URL malformed
EXIT_RESOLVE = 6  # curl: could not resolve host
EXIT_CONNECT = 7  # curl: failed to connect
EXIT_HTTP = 22  # curl: --fail and a status >= 400
EXIT_WRITE = 23  # curl: write error
EXIT_TIMEOUT = 28  # curl: operation timed out
EXIT_TLS = 35  # curl: TLS connect error
EXIT_REDIRECTS = 47  # curl: too many redirects
EXIT_RECEIVE = 56  # curl: failure receiving network data
EXIT_TLS_VERIFY = 60  # curl: peer certificate cannot be authenticated
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


@dataclass
class Reporter:
    """Where the command's own messages go: stderr, unless ``-s`` without ``-S``."""

    style: Style
    silent: bool = False
    verbose: bool = False

    def error(self, message: str, exc: BaseException | None = None) -> None:
        """``lamella: message`` on stderr; ``-v`` adds the exception's class."""
        if self.silent:
            return
        if exc is not None and self.verbose:
            message += " " + self.style(f"[{type(exc).__module__}.{type(exc).__qualname__}]", DIM)
        sys.stderr.write(f"{self.style('lamella:', BOLD, RED)} {message}\n")
        sys.stderr.flush()

    def note(self, message: str) -> None:
        """A dim line on stderr (what happened to a partial file, a close code)."""
        if not self.silent:
            sys.stderr.write(self.style(message, DIM) + "\n")
            sys.stderr.flush()


_AUTHORITY = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?"
)


def url_problem(url: str) -> str | None:
    """What is wrong with ``url``'s host or port, in words; None when nothing is."""
    match = _AUTHORITY.match(url)
    if match is None:
        return None
    host, port = match.groups()
    if not host:
        return "no host"
    if port is None or port == "":
        return None
    if not port.isdigit():
        return f"port {port!r} is not a number"
    if not 0 < int(port) <= 65535:
        return f"port {port} out of range"
    return None


def _where(exc: lamella.ClientConnectorError) -> str:
    return f"{exc.host} port {exc.port}" if exc.port is not None else exc.host


def _certificate(exc: BaseException) -> str:
    """The verifier's own reason, such as "self-signed certificate"."""
    for candidate in (getattr(exc, "certificate_error", None), exc.__cause__, exc):
        if isinstance(candidate, ssl.SSLCertVerificationError) and candidate.verify_message:
            return str(candidate.verify_message)
    return "the certificate is not trusted"


# The phases the connect timeout bounds (the Timeline's wording).
_CONNECT_PHASES = ("connecting", "resolving", "during the TLS handshake")


def _timeout(phase: str, total: float | None, connect: float) -> str:
    seconds = connect if phase.startswith(_CONNECT_PHASES) else total
    if seconds is None:
        return f"timed out {phase}"
    return f"timed out after {seconds:g} s {phase}"


def explain(
    exc: BaseException, *, phase: str, total: float | None, connect: float
) -> tuple[str, int]:
    """One sentence for ``exc`` and the exit status it gets.

    Args:
        exc: what the request raised.
        phase: what the request was doing, as "waiting for the response head".
        total: the ``--max-time`` in seconds, None when not given.
        connect: the connect timeout in seconds.
    """
    if isinstance(exc, TimeoutError):  # ServerTimeoutError, ConnectionTimeoutError too
        return _timeout(phase, total, connect), EXIT_TIMEOUT
    if isinstance(exc, lamella.ClientConnectorCertificateError):
        reason = _certificate(exc)
        return f"certificate verify failed: {reason} (use -k to skip verification)", EXIT_TLS_VERIFY
    if isinstance(exc, lamella.ClientConnectorDNSError):
        return f"could not resolve host {exc.host}", EXIT_RESOLVE
    if isinstance(exc, lamella.ClientConnectorSSLError | lamella.ClientSSLError):
        where = phase.removeprefix("connecting to ").removeprefix("during the TLS handshake with ")
        return f"TLS handshake with {where} failed: {exc}", EXIT_TLS
    if isinstance(exc, lamella.ClientConnectorError):
        os_error = exc.os_error
        if isinstance(os_error, socket.gaierror):
            return f"could not resolve host {exc.host}", EXIT_RESOLVE
        if isinstance(os_error, ConnectionRefusedError):
            return f"connection refused ({_where(exc)})", EXIT_CONNECT
        reason = os_error.strerror or str(os_error)
        return f"could not connect to {_where(exc)}: {reason}", EXIT_CONNECT
    if isinstance(exc, lamella.WSServerHandshakeError):
        return f"the server refused the WebSocket handshake: {exc.status} {exc.message}", EXIT_ERROR
    if isinstance(exc, lamella.TooManyRedirects):
        return f"too many redirects ({len(exc.history or ())} followed)", EXIT_REDIRECTS
    if isinstance(exc, lamella.NonHttpUrlClientError):
        return f"unsupported URL scheme: {exc.url}", EXIT_URL
    if isinstance(exc, lamella.InvalidURL):
        return f"invalid URL: {exc.description or exc.url}", EXIT_URL
    if isinstance(exc, lamella.ServerDisconnectedError):
        return f"the server closed the connection {phase}", EXIT_RECEIVE
    if isinstance(exc, lamella.ClientPayloadError | lamella.ClientConnectionResetError):
        return f"the response broke off {phase}: {exc}", EXIT_RECEIVE
    text = str(exc) or type(exc).__name__
    return text, EXIT_ERROR
