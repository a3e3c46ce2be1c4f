"""The httptools (llhttp) adapter: llhttp tokenizes and checks the header block.

What llhttp does here, in C: the field grammar (token names, value bytes,
no obs-fold, which the shared code then unfolds and feeds again, no bare
CR or LF), and its own refusal of repeated
Content-Length and of Content-Length beside Transfer-Encoding. What it is
*not* asked to do, because httptools cannot do it right for a client (each
point checked against httptools 0.9's ``parser.pyx``):

* decide bodies: ``on_headers_complete`` returns 1 ("no body") only for
  upgrades, so an answer to HEAD or a 2xx to CONNECT with Content-Length
  would swallow the next response;
* report where a message ended: ``llhttp_get_error_pos`` is used only for
  ``HttpParserUpgrade``, so the exact ``leftover`` after a chunked body is
  unknowable; a 101 without ``Connection: upgrade`` even raises a plain
  ``HttpParserError`` ("Pause on CONNECT/Upgrade");
* enforce line sizes (llhttp has no such limit);
* restrict the protocol: llhttp also takes ``RTSP/``, ``ICE/``, ``HTTP/2.0``
  and ``HTTP/0.9`` status lines, status codes below 100, and NUL in a
  reason phrase; it keeps trailing whitespace in values.

So the shared framing code finds the head, applies the limits and reads
the status line; this class feeds llhttp exactly one complete head (a
fresh llhttp parser each time: about 0.2 µs) and collects the fields.
"""

from __future__ import annotations

from httptools import HttpParserError, HttpParserUpgrade, HttpResponseParser

from .errors import WireError
from .events import RawHeaders
from .framing import ResponseParserBase

__all__ = ["HttptoolsResponseParser"]


class HttptoolsResponseParser(ResponseParserBase):
    """HTTP/1.1 response parser whose header block is parsed by llhttp."""

    __slots__ = ("_complete", "_fields")

    def _parse_fields(self, head: bytes, block: bytes) -> RawHeaders:
        self._fields: list[tuple[bytes, bytes]] = []
        self._complete = False
        try:
            HttpResponseParser(self).feed_data(head)
        except HttpParserUpgrade:
            pass  # a 101 with Upgrade and Connection: upgrade; the head is complete
        except HttpParserError as exc:
            # After a complete 101 head llhttp pauses with an error; any
            # other error means the head itself was refused.
            if not self._complete:
                raise WireError(f"Invalid response head: {exc}") from None
        if not self._complete:  # pragma: no cover - the head ends with CRLFCRLF
            raise WireError("Invalid response head: llhttp did not finish it")
        return tuple(self._fields)

    # llhttp callbacks (httptools looks them up by name on this object).

    def on_header(self, name: bytes, value: bytes) -> None:
        # llhttp drops leading whitespace of a value but keeps the trailing one.
        if value and value[-1] in (0x20, 0x09):
            value = value.rstrip(b" \t")
        self._fields.append((name, value))

    def on_headers_complete(self) -> None:
        self._complete = True
