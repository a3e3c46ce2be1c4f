"""Reading multipart bodies (RFC 2046, RFC 7578): ``MultipartReader`` and ``BodyPartReader``.

Theory of operation: one ``_PartStream`` buffers the response body for the
reader of the whole body, the readers of nested multiparts and every part
reader, so they all see the same bytes in order. A part's body ends where
the delimiter ``CRLF --boundary`` begins; a part reader returns what lies
before it and leaves the delimiter in the buffer, and the multipart reader
then consumes the boundary line. Moving to the next part first skips
whatever of the previous part (or of a nested multipart's epilogue) was not
read, so parts can be streamed, read whole or ignored.

What a server can make the client hold is bounded by ``ClientLimits``: the
parts of one body, nested ones included (``max_multipart_parts``), the
bytes of one part header line (``max_field_size``), the header lines of
one part (``max_headers``) and the bytes of one part's header block
(``max_header_bytes``); a part's body is streamed, so only what the caller
reads whole is held.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl

from multidict import CIMultiDict, CIMultiDictProxy

from lamella_core._limits import DEFAULT_LIMITS, ClientLimits
from lamella_core.exceptions import ClientPayloadError, MultipartLimitExceeded

from .decoders import ZlibDecoder
from .disposition import content_disposition_filename, parse_content_disposition
from .payload_registry import Order, payload_type
from .payloads import AsyncIterablePayload
from .streams import StreamReader

__all__ = ["BodyPartReader", "BodyPartReaderPayload", "MultipartReader", "MultipartResponseWrapper"]

# A multipart nested deeper than this is refused: each level is a reader in
# a chain, and no real body nests more than a few levels.
MAX_NESTING = 32
_WHITESPACE = b" \t\r\n"


class _Response(Protocol):
    """What ``MultipartReader.from_response`` needs of a ``ClientResponse``."""

    @property
    def headers(self) -> CIMultiDictProxy[str]: ...

    content: StreamReader

    def release(self) -> Any: ...


class _PartStream:
    """The body of a multipart message behind one buffer, with the limits in force."""

    __slots__ = ("_content", "_buf", "_eof", "limits", "parts")

    def __init__(self, content: StreamReader, limits: ClientLimits) -> None:
        self._content = content
        self._buf = bytearray()
        self._eof = False
        self.limits = limits
        self.parts = 0

    async def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = await self._content.readany()
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    async def peek(self, n: int) -> bytes:
        """The next ``n`` bytes (fewer at the end), left in the buffer."""
        while len(self._buf) < n and await self._fill():
            pass
        return bytes(self._buf[:n])

    def drop(self, n: int) -> None:
        del self._buf[:n]

    def unread(self, data: bytes) -> None:
        self._buf[:0] = data

    async def readline(self, limit: int | None, limit_name: str) -> bytes:
        """One line with its LF (the rest of the body at its end), at most ``limit``
        bytes before the line break.

        Raises:
            MultipartLimitExceeded: the line is longer.
        """
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end >= 0:
                if limit is not None and len(self._buf[:end].rstrip(b"\r")) > limit:
                    raise MultipartLimitExceeded(limit_name, limit, end)
                line = bytes(self._buf[: end + 1])
                del self._buf[: end + 1]
                return line
            if limit is not None and len(self._buf) > limit + 1:
                raise MultipartLimitExceeded(limit_name, limit, len(self._buf))
            start = len(self._buf)
            if not await self._fill():
                line = bytes(self._buf)
                self._buf.clear()
                return line

    async def read_until(self, delimiter: bytes, size: int) -> tuple[bytes, bool]:
        """Up to ``size`` bytes that come before ``delimiter``, and whether the
        delimiter is next in the buffer (it is not consumed).

        Raises:
            ClientPayloadError: the body ends before the delimiter.
        """
        window = size + len(delimiter)
        while True:
            found = self._buf.find(delimiter, 0, window)
            if found >= 0:
                data = bytes(self._buf[:found])
                del self._buf[:found]
                return data, True
            if len(self._buf) >= window - 1:
                data = bytes(self._buf[:size])
                del self._buf[:size]
                return data, False
            if not await self._fill():
                raise ClientPayloadError("The multipart body ended inside a part")

    async def skip_to(self, delimiter: bytes) -> None:
        """Discard everything before ``delimiter``."""
        while not (await self.read_until(delimiter, 2**16))[1]:
            pass


class BodyPartReader:
    """One part of a multipart body: its headers, then its body read whole or in chunks.

    Made by ``MultipartReader.next()``. ``read_chunk()`` streams the body
    without holding it; ``read()``, ``text()``, ``json()`` and ``form()``
    read it whole. Async iteration yields the whole body once, as in aiohttp.
    """

    chunk_size = 8192

    def __init__(
        self,
        boundary: bytes,
        headers: CIMultiDictProxy[str],
        content: StreamReader | _PartStream,
        *,
        subtype: str = "mixed",
        default_charset: str | None = None,
    ) -> None:
        self.headers = headers
        self._boundary = boundary  # with its leading dashes
        self._delimiter = b"\r\n" + boundary
        self._stream = (
            content if isinstance(content, _PartStream) else _PartStream(content, DEFAULT_LIMITS)
        )
        self._is_form_data = subtype == "form-data"
        self._default_charset = default_charset
        self._at_eof = False

    def __repr__(self) -> str:
        return f"<BodyPartReader {self.headers.get('Content-Type')} name={self.name!r}>"

    def __aiter__(self) -> BodyPartReader:
        return self

    async def __anext__(self) -> bytes:
        part = await self.next()
        if part is None:
            raise StopAsyncIteration
        return part

    async def next(self) -> bytes | None:
        """The rest of the body (``read()``), or None once it has been read."""
        item = await self.read()
        return item or None

    def at_eof(self) -> bool:
        """True once the body has been read to its end."""
        return self._at_eof

    async def read_chunk(self, size: int = chunk_size) -> bytes:
        """At most ``size`` bytes of the body as sent (not decoded); b"" at its end."""
        if self._at_eof:
            return b""
        data, ended = await self._stream.read_until(self._delimiter, size)
        if ended:
            self._at_eof = True
        return data

    async def readline(self) -> bytes:
        """The next line of the body with its line break; b"" at its end."""
        pieces: list[bytes] = []
        while not self._at_eof:
            piece = await self.read_chunk()
            newline = piece.find(b"\n")
            if newline >= 0:
                self._stream.unread(piece[newline + 1 :])
                if newline + 1 < len(piece):
                    self._at_eof = False  # the rest of the piece is still to read
                pieces.append(piece[: newline + 1])
                break
            pieces.append(piece)
        return b"".join(pieces)

    async def read(self, *, decode: bool = False) -> bytes:
        """The rest of the body; ``decode=True`` undoes its transfer and content encodings."""
        data = bytearray()
        while not self._at_eof:
            data += await self.read_chunk(2**16)
        return self.decode(bytes(data)) if decode else bytes(data)

    async def release(self) -> None:
        """Skip the rest of the body."""
        while not self._at_eof:
            await self.read_chunk(2**16)

    async def text(self, *, encoding: str | None = None) -> str:
        """The body decoded as text, in ``encoding`` or the part's charset (UTF-8)."""
        data = await self.read(decode=True)
        return data.decode(encoding or self.get_charset(default="utf-8"))

    async def json(self, *, encoding: str | None = None) -> Any:
        """The body parsed as JSON; None when it is empty."""
        data = await self.read(decode=True)
        if not data:
            return None
        return json.loads(data.decode(encoding or self.get_charset(default="utf-8")))

    async def form(self, *, encoding: str | None = None) -> list[tuple[str, str]]:
        """The body parsed as ``application/x-www-form-urlencoded`` pairs.

        Raises:
            ValueError: the body is not text in the charset.
        """
        data = await self.read(decode=True)
        charset = encoding or self.get_charset(default="utf-8")
        try:
            text = data.rstrip().decode(charset)
        except UnicodeDecodeError:
            raise ValueError(f"data cannot be decoded with {charset} encoding") from None
        return parse_qsl(text, keep_blank_values=True, encoding=charset)

    def decode(self, data: bytes) -> bytes:
        """Undo the part's Content-Transfer-Encoding, then its Content-Encoding.

        Raises:
            RuntimeError: an encoding lamella cannot undo.
        """
        transfer = self.headers.get("Content-Transfer-Encoding", "").lower()
        if transfer == "base64":
            data = base64.b64decode(data)
        elif transfer == "quoted-printable":
            data = binascii.a2b_qp(data)
        elif transfer not in ("", "binary", "8bit", "7bit"):
            raise RuntimeError(f"unknown content transfer encoding: {transfer}")
        coding = "" if self._is_form_data else self.headers.get("Content-Encoding", "").lower()
        if coding in ("", "identity"):
            return data
        if coding not in ("deflate", "gzip"):
            raise RuntimeError(f"unknown content encoding: {coding}")
        return _decompress(data, coding, self._stream.limits)

    def get_charset(self, default: str) -> str:
        """The charset of the part's Content-Type, else the form's ``_charset_``,
        else ``default``."""
        for param in self.headers.get("Content-Type", "").split(";")[1:]:
            key, _, value = param.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return self._default_charset or default

    @property
    def name(self) -> str | None:
        """The ``name`` parameter of the part's Content-Disposition."""
        _, params = parse_content_disposition(self.headers.get("Content-Disposition"))
        return content_disposition_filename(params, "name")

    @property
    def filename(self) -> str | None:
        """The ``filename`` of the part's Content-Disposition (``filename*`` decoded)."""
        _, params = parse_content_disposition(self.headers.get("Content-Disposition"))
        return content_disposition_filename(params, "filename")


@payload_type(BodyPartReader, order=Order.try_first)
class BodyPartReaderPayload(AsyncIterablePayload):
    """A part of a multipart response relayed as a request body or part, decoded, once."""

    __slots__ = ()

    def __init__(self, value: BodyPartReader, *args: Any, **kwargs: Any) -> None:
        super().__init__(_decoded_chunks(value), *args, **kwargs)
        params = {key: v for key, v in (("name", value.name), ("filename", value.filename)) if v}
        if params:
            self.set_content_disposition("attachment", True, **params)


async def _decoded_chunks(part: BodyPartReader) -> AsyncIterator[bytes]:
    if part.headers.keys() & {"Content-Transfer-Encoding", "Content-Encoding"}:
        yield await part.read(decode=True)  # the codings are undone on the whole body
        return
    while chunk := await part.read_chunk(2**16):
        yield chunk


class MultipartReader:
    """The parts of a multipart body, in order: ``BodyPartReader``s and nested readers.

    Args:
        headers: the headers of the message (its Content-Type names the boundary).
        content: the body stream, e.g. a response's ``content``.
        limits: the bounds on parts and part headers (``DEFAULT_LIMITS`` when None).
        max_field_size: aiohttp's name; overrides ``limits.max_field_size``.
        max_headers: aiohttp's name; overrides ``limits.max_headers``.

    Raises:
        ValueError: the Content-Type is not multipart, or has no boundary or
            one longer than 70 characters (RFC 2046 section 5.1.1).
    """

    #: The class of nested multipart readers (None: this class).
    multipart_reader_cls: type[MultipartReader] | None = None
    #: The class of part readers.
    part_reader_cls: type[BodyPartReader] = BodyPartReader

    def __init__(
        self,
        headers: Mapping[str, str],
        content: StreamReader | _PartStream,
        *,
        limits: ClientLimits | None = None,
        max_field_size: int | None = None,
        max_headers: int | None = None,
        _depth: int = 0,
    ) -> None:
        mimetype, _, params = headers.get("Content-Type", "").partition(";")
        kind, _, subtype = mimetype.strip().lower().partition("/")
        if kind != "multipart":
            raise ValueError(f"multipart/* content type expected, not {mimetype!r}")
        boundary = _parameter(params, "boundary")
        if not boundary:
            raise ValueError(f"boundary missed for Content-Type: {headers['Content-Type']}")
        if len(boundary) > 70:
            raise ValueError(f"boundary {boundary!r} is too long (70 chars max)")
        if _depth > MAX_NESTING:
            raise ValueError(f"multipart bodies nested more than {MAX_NESTING} deep")
        if isinstance(content, _PartStream):
            self._stream = content
        else:
            limits = limits or DEFAULT_LIMITS
            if max_field_size is not None:
                limits = limits.replace(max_field_size=max_field_size)
            if max_headers is not None:
                limits = limits.replace(max_headers=max_headers)
            self._stream = _PartStream(content, limits)
        self.headers = headers
        self._subtype = subtype
        self._boundary = b"--" + boundary.encode("latin-1")
        self._depth = _depth
        self._default_charset: str | None = None
        self._last_part: MultipartReader | BodyPartReader | None = None
        self._at_bof = True
        self._first_part = True
        self._at_eof = False

    def __repr__(self) -> str:
        return f"<MultipartReader multipart/{self._subtype} boundary={self._boundary[2:]!r}>"

    def __aiter__(self) -> MultipartReader:
        return self

    async def __anext__(self) -> MultipartReader | BodyPartReader:
        part = await self.next()
        if part is None:
            raise StopAsyncIteration
        return part

    @classmethod
    def from_response(
        cls, response: _Response, *, limits: ClientLimits | None = None
    ) -> MultipartResponseWrapper:
        """A reader of a response's multipart body, which releases the response at its end."""
        reader = cls(response.headers, response.content, limits=limits)
        return MultipartResponseWrapper(response, reader)

    def at_eof(self) -> bool:
        """True once the closing boundary has been read."""
        return self._at_eof

    async def next(self) -> MultipartReader | BodyPartReader | None:
        """The next part (the previous one is skipped if unread), or None after the last.

        Raises:
            ValueError: the body has no opening boundary, or a boundary line
                or part header is malformed.
            MultipartLimitExceeded: a ``ClientLimits`` bound was crossed.
            ClientPayloadError: the body ended early.
        """
        if self._at_eof:
            return None
        await self._skip_last_part()
        if not await self._read_boundary():
            return None
        part = self._part_reader(await self._read_headers())
        # RFC 7578 section 4.6: a first field named _charset_ gives the form's charset.
        if (
            self._first_part
            and self._subtype == "form-data"
            and isinstance(part, BodyPartReader)
            and part.name == "_charset_"
        ):
            charset = await part.read_chunk(32)
            if len(charset) > 31 or not part.at_eof():
                raise ValueError("Invalid default charset")
            self._default_charset = charset.strip().decode("ascii")
            self._first_part = False
            return await self.next()
        self._first_part = False
        self._last_part = part
        return part

    async def release(self) -> None:
        """Skip every part up to the closing boundary."""
        while not self._at_eof:
            part = await self.next()
            if part is None:
                break
            await part.release()

    async def fetch_next_part(self) -> MultipartReader | BodyPartReader:
        """The reader of the part whose headers come next."""
        return self._part_reader(await self._read_headers())

    def _part_reader(self, headers: CIMultiDictProxy[str]) -> MultipartReader | BodyPartReader:
        stream = self._stream
        stream.parts += 1
        limit = stream.limits.max_multipart_parts
        if limit is not None and stream.parts > limit:
            raise MultipartLimitExceeded("max_multipart_parts", limit, stream.parts)
        if headers.get("Content-Type", "").lower().lstrip().startswith("multipart/"):
            cls = self.multipart_reader_cls or type(self)
            return cls(headers, stream, _depth=self._depth + 1)
        return self.part_reader_cls(
            self._boundary,
            headers,
            stream,
            subtype=self._subtype,
            default_charset=self._default_charset,
        )

    async def _skip_last_part(self) -> None:
        part = self._last_part
        if part is not None and not part.at_eof():
            await part.release()
        self._last_part = None

    async def _read_boundary(self) -> bool:
        """Consume the next boundary line: True before a part, False at the closing one."""
        stream = self._stream
        if self._at_bof:
            self._at_bof = False
            if await stream.peek(len(self._boundary)) != self._boundary:
                try:  # a preamble comes first
                    await stream.skip_to(b"\r\n" + self._boundary)
                except ClientPayloadError:
                    raise ValueError(
                        f"Could not find starting boundary {self._boundary!r}"
                    ) from None
                stream.drop(2)
        else:
            # After a nested multipart: its epilogue, up to this one's delimiter.
            await stream.skip_to(b"\r\n" + self._boundary)
            stream.drop(2)
        stream.drop(len(self._boundary))
        rest = (await stream.readline(stream.limits.max_line_size, "max_line_size")).rstrip(
            _WHITESPACE
        )
        if rest.startswith(b"--"):
            self._at_eof = True
            return False
        if rest:
            raise ValueError(f"Invalid boundary {self._boundary + rest!r}")
        return True

    async def _read_headers(self) -> CIMultiDictProxy[str]:
        stream, limits = self._stream, self._stream.limits
        pairs: list[list[str]] = []
        total = 0
        while True:
            line = await stream.readline(limits.max_field_size, "max_field_size")
            if not line:
                raise ClientPayloadError("The multipart body ended inside part headers")
            total += len(line)
            if limits.max_header_bytes is not None and total > limits.max_header_bytes:
                raise MultipartLimitExceeded("max_header_bytes", limits.max_header_bytes, total)
            line = line.rstrip(b"\r\n")
            if not line:
                break
            if line[:1] in (b" ", b"\t") and pairs:  # obs-fold: one space, as in responses
                pairs[-1][1] += " " + line.strip(_WHITESPACE).decode("utf-8", "surrogateescape")
                continue
            name, sep, value = line.partition(b":")
            if not sep or not name or name != name.strip(_WHITESPACE):
                raise ValueError(f"Invalid part header line {line[:100]!r}")
            text = value.strip(_WHITESPACE).decode("utf-8", "surrogateescape")
            pairs.append([name.decode("latin-1"), text])
            if limits.max_headers is not None and len(pairs) > limits.max_headers:
                raise MultipartLimitExceeded("max_headers", limits.max_headers, len(pairs))
        return CIMultiDictProxy(CIMultiDict((name, value) for name, value in pairs))


class MultipartResponseWrapper:
    """A ``MultipartReader`` of a response that releases the response after the last part."""

    def __init__(self, resp: _Response, stream: MultipartReader) -> None:
        self.resp = resp
        self.stream = stream

    def __aiter__(self) -> MultipartResponseWrapper:
        return self

    async def __anext__(self) -> MultipartReader | BodyPartReader:
        part = await self.next()
        if part is None:
            raise StopAsyncIteration
        return part

    def at_eof(self) -> bool:
        """True once the whole response body has been received and read."""
        return self.resp.content.at_eof()

    async def next(self) -> MultipartReader | BodyPartReader | None:
        """The next part, as ``MultipartReader.next()``; the response is released after the last."""
        item = await self.stream.next()
        if self.stream.at_eof():
            await self.release()
        return item

    async def release(self) -> None:
        """Release the response (its connection is kept when the body was received whole)."""
        self.resp.release()


def _parameter(params: str, wanted: str) -> str | None:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == wanted:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            return value
    return None


def _decompress(data: bytes, coding: str, limits: ClientLimits) -> bytes:
    """Inflate a part body; deflate may be raw (as aiohttp writes it) or zlib-wrapped."""
    cap = limits.max_decompressed_size
    decoder = ZlibDecoder(coding)
    out = decoder.decompress_bounded(data, cap + 1 if cap is not None else 0)
    if cap is not None and len(out) > cap:
        raise MultipartLimitExceeded("max_decompressed_size", cap, len(out))
    return out + decoder.flush()
