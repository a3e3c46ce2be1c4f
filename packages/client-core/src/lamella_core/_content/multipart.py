"""Multipart bodies (RFC 2046, and RFC 7578 for ``multipart/form-data``).

Theory of operation: a ``MultipartWriter`` is itself a payload holding a
list of part payloads. Part headers are rendered when the body is measured
or sent, not when a part is appended, so ``part.set_content_disposition()``
after ``append()`` (the aiohttp idiom) still counts. The body is framed as::

    --boundary CRLF headers CRLF body CRLF  (for each part)
    --boundary-- CRLF

When every part has a known size the writer has one too, so the request
carries Content-Length; when every part is in memory, the whole body is
available as ``data`` and goes out in one write. Otherwise parts are
streamed in turn: a file part is read from disk piece by piece.

Quoting differs from aiohttp on purpose: with ``quote_fields=True`` names
and filenames are sent as the HTML standard's form serialisation does
(``"``, CR and LF percent-encoded, other characters raw UTF-8, RFC 7578
section 5.1.3) instead of aiohttp's percent-encoding of the whole filename
and RFC 5987 ``name*=`` which RFC 7578 section 4.2 forbids.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlencode

from .compression import new_compressor
from .disposition import BAD_HEADER_CHARS, CONTROL_CHARS, is_token
from .payload_registry import payload_for
from .payloads import JsonPayload, Payload, StringPayload

__all__ = ["MultipartWriter"]

_PART_ENCODINGS = frozenset({"deflate", "gzip"})
_TRANSFER_ENCODINGS = frozenset({"base64", "quoted-printable"})


class MultipartWriter(Payload):
    """A multipart body (``multipart/<subtype>``) usable as ``data=``.

    Args:
        subtype: ``mixed``, ``form-data``, ``related``, ...
        boundary: the boundary to use; a random UUID hex when None.

    Raises:
        ValueError: the boundary is not ASCII or holds characters that
            cannot be quoted in a header.
    """

    __slots__ = ("_boundary", "_parts", "_form")

    def __init__(self, subtype: str = "mixed", boundary: str | None = None) -> None:
        if boundary is None:
            import uuid  # only when lamella picks the boundary

            boundary = uuid.uuid4().hex
        try:
            self._boundary = boundary.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("boundary should contain ASCII only chars") from None
        super().__init__(
            None, content_type=f"multipart/{subtype}; boundary={_boundary_value(boundary)}"
        )
        self._parts: list[Payload] = []
        self._form = subtype == "form-data"

    def __repr__(self) -> str:
        return f"<MultipartWriter {self.content_type} parts={len(self._parts)}>"

    def __enter__(self) -> MultipartWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __iter__(self) -> Iterator[Payload]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def __bool__(self) -> bool:
        return True

    @property
    def boundary(self) -> str:
        """The boundary between parts, without the leading dashes."""
        return self._boundary.decode("ascii")

    def append(self, obj: Any, headers: Mapping[str, str] | None = None) -> Payload:
        """Add a part made of ``obj`` (anything ``data=`` takes) with extra headers."""
        payload = obj if isinstance(obj, Payload) else payload_for(obj)
        if headers:
            payload.headers.update(headers)
        filename = payload.filename
        if filename and "Content-Disposition" not in payload.headers:
            # As aiohttp: a file keeps its name (an attachment, or a form-data file).
            if self._form:
                name = f"section-{len(self._parts)}"
                payload.set_content_disposition("form-data", name=name, filename=filename)
            elif (disposition := getattr(payload, "disposition", "attachment")) is not None:
                payload.set_content_disposition(disposition, filename=filename)
        return self.append_payload(payload)

    def append_payload(self, payload: Payload) -> Payload:
        """Add a payload as the next part and return it.

        Raises:
            ValueError: a form-data part carries Content-Encoding or
                Content-Transfer-Encoding (RFC 7578 section 4.7-4.8), or a
                part encoding is not one lamella can apply.
        """
        headers = payload.headers
        coding = headers.get("Content-Encoding", "").lower()
        transfer = headers.get("Content-Transfer-Encoding", "").lower()
        if self._form:
            if coding or transfer:
                raise ValueError("form-data parts cannot have a content or transfer encoding")
            if "Content-Disposition" not in headers:
                payload.set_content_disposition("form-data", name=f"section-{len(self._parts)}")
        else:
            if coding not in ("", "identity") and coding not in _PART_ENCODINGS:
                raise ValueError(f"unknown content encoding: {coding}")
            if transfer not in ("", "binary") and transfer not in _TRANSFER_ENCODINGS:
                raise ValueError(f"unknown content transfer encoding: {transfer}")
        self._parts.append(payload)
        return payload

    def append_json(self, obj: Any, headers: Mapping[str, str] | None = None) -> Payload:
        """Add a part holding ``obj`` serialised as JSON."""
        return self.append(JsonPayload(obj), headers)

    def append_form(
        self,
        obj: Sequence[tuple[str, str]] | Mapping[str, str],
        headers: Mapping[str, str] | None = None,
    ) -> Payload:
        """Add a part holding ``obj`` form-urlencoded."""
        items = list(obj.items()) if isinstance(obj, Mapping) else obj
        part = StringPayload(
            urlencode(items, doseq=True), content_type="application/x-www-form-urlencoded"
        )
        return self.append(part, headers)

    @property
    def size(self) -> int | None:
        total = len(self._boundary) + 6  # --boundary--CRLF
        for part in self._parts:
            size = part.size
            if size is None or _encodings(part) != ("", ""):
                return None
            total += len(self._part_head(part)) + size + 2
        return total

    @property
    def data(self) -> bytes | None:
        pieces: list[bytes] = []
        for part in self._parts:
            body = part.data
            if body is None or _encodings(part) != ("", ""):
                return None
            pieces += (self._part_head(part), body, b"\r\n")
        pieces.append(b"--%b--\r\n" % self._boundary)
        return b"".join(pieces)

    @property
    def reusable(self) -> bool:
        return all(part.reusable for part in self._parts)

    async def chunks(self) -> AsyncIterator[bytes]:
        # In-memory parts are gathered so that a form of small fields is one piece.
        pending: list[bytes] = []
        for part in self._parts:
            pending.append(self._part_head(part))
            coding, transfer = _encodings(part)
            body = part.data
            if body is not None and not coding and not transfer:
                pending += (body, b"\r\n")
                continue
            yield b"".join(pending)
            pending.clear()
            async for piece in _encoded(part, coding, transfer):
                yield piece
            pending.append(b"\r\n")
        pending.append(b"--%b--\r\n" % self._boundary)
        yield b"".join(pending)

    async def close(self) -> None:
        for part in self._parts:
            await part.close()

    def _part_head(self, part: Payload) -> bytes:
        """``--boundary`` and the part's headers, up to and with the blank line."""
        headers = part.headers
        lines = [b"--%b" % self._boundary]
        if "Content-Type" not in headers and part.content_type:
            lines.append(_header_line("Content-Type", part.content_type))
        for name, value in headers.items():
            if self._form and name.lower() == "content-length":
                continue
            lines.append(_header_line(name, value))
        if (
            not self._form
            and "Content-Length" not in headers
            and part.size is not None
            and _encodings(part) == ("", "")
        ):
            lines.append(_header_line("Content-Length", str(part.size)))
        lines += (b"", b"")
        return b"\r\n".join(lines)


def _header_line(name: str, value: str) -> bytes:
    if BAD_HEADER_CHARS.search(name) or BAD_HEADER_CHARS.search(value) or ":" in name:
        raise ValueError(f"invalid part header {name!r}: {value!r}")
    return f"{name}: {value}".encode()


def _boundary_value(boundary: str) -> str:
    """The boundary as a header parameter: a token, else a quoted-string."""
    if is_token(boundary):
        return boundary
    if CONTROL_CHARS.search(boundary):
        raise ValueError("boundary value contains invalid characters")
    return '"' + boundary.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _encodings(part: Payload) -> tuple[str, str]:
    headers = part._headers
    if not headers:
        return "", ""
    coding = headers.get("Content-Encoding", "").lower()
    transfer = headers.get("Content-Transfer-Encoding", "").lower()
    return (
        "" if coding == "identity" else coding,
        "" if transfer == "binary" else transfer,
    )


async def _encoded(part: Payload, coding: str, transfer: str) -> AsyncIterator[bytes]:
    """A part's body, compressed then transfer-encoded as its headers say."""
    # aiohttp's multipart reader expects raw deflate (no zlib header) in parts.
    compressor = new_compressor(coding, raw_deflate=True) if coding else None
    leftover = b""
    stream = part.chunks()
    done = False
    while not done:
        try:
            piece = await anext(stream)
        except StopAsyncIteration:
            done = True
            piece = compressor.flush() if compressor is not None else b""
        else:
            if compressor is not None:
                piece = compressor.compress(piece)
        if transfer == "base64":
            piece, leftover = leftover + piece, b""
            if not done:
                cut = len(piece) - len(piece) % 3
                piece, leftover = piece[:cut], piece[cut:]
            piece = base64.b64encode(piece)
        elif transfer == "quoted-printable":
            piece = binascii.b2a_qp(piece)
        if piece:
            yield piece
