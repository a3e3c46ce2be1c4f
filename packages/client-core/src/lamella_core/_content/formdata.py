"""``FormData``: HTML form bodies, urlencoded or ``multipart/form-data``.

A form stays ``application/x-www-form-urlencoded`` until a field needs
more than a name and a text value: a filename, a Content-Type, a file
object or bytes (aiohttp 3 sends bytes as a file named after the field).
Then, or with ``default_to_multipart=True``, it becomes multipart and
files are streamed from disk by the writer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from multidict import MultiDict, MultiDictProxy

from .file_payloads import IOPayload
from .multipart import MultipartWriter
from .payload_registry import payload_for
from .payloads import BytesPayload, Payload, StringPayload, guess_filename

__all__ = ["FormData"]

_BAD_HEADER = re.compile(r"[\r\n\x00]")
_Field = tuple[dict[str, str], str | None, Any]


class FormData:
    """Fields of a form, sent urlencoded or as ``multipart/form-data``.

    Args:
        fields: a mapping, a ``MultiDict``, pairs, file objects, or one of them.
        quote_fields: quote names and filenames in Content-Disposition as
            the HTML form rules do; False sends them with backslash escapes.
        charset: the charset of text fields (utf-8 when None).
        default_to_multipart: send multipart even when no field requires it.
    """

    __slots__ = ("_fields", "_is_multipart", "_quote_fields", "_charset", "_writer")

    def __init__(
        self,
        fields: Iterable[Any] = (),
        quote_fields: bool = True,
        charset: str | None = None,
        *,
        default_to_multipart: bool = False,
    ) -> None:
        self._fields: list[_Field] = []
        self._is_multipart = default_to_multipart
        self._quote_fields = quote_fields
        self._charset = charset
        self._writer: MultipartWriter | None = None
        if isinstance(fields, Mapping) and not isinstance(fields, (MultiDict, MultiDictProxy)):
            fields = list(fields.items())
        elif not isinstance(fields, (list, tuple)):
            fields = (fields,)
        self.add_fields(*fields)

    def __repr__(self) -> str:
        kind = "multipart" if self._is_multipart else "urlencoded"
        return f"<FormData {kind} fields={[opts['name'] for opts, _, _ in self._fields]}>"

    @property
    def is_multipart(self) -> bool:
        """True when the form will be sent as ``multipart/form-data``."""
        return self._is_multipart

    def add_field(
        self,
        name: str,
        value: Any,
        *,
        content_type: str | None = None,
        filename: str | None = None,
        content_transfer_encoding: str | None = None,
    ) -> None:
        """Add one field; a filename, content type or file value makes the form multipart.

        ``content_transfer_encoding`` is accepted as aiohttp 3 does and, as
        there, only makes the form multipart (RFC 7578 section 4.7
        deprecates it).

        Raises:
            TypeError: ``filename``, ``content_type`` or
                ``content_transfer_encoding`` is not a str.
            ValueError: ``name``, ``filename`` or ``content_type`` holds CR,
                LF or NUL (they go into the part's headers).
        """
        if isinstance(value, io.IOBase):
            self._is_multipart = True
        elif (
            isinstance(value, (bytes, bytearray, memoryview))
            and filename is None
            and content_transfer_encoding is None
        ):
            filename = name
        _check_header_value("name", name)
        options = {"name": name}
        if filename is not None and not isinstance(filename, str):
            raise TypeError(f"filename must be an instance of str. Got: {filename!r}")
        if filename is None and isinstance(value, io.IOBase):
            filename = guess_filename(value, name)
        if filename is not None:
            _check_header_value("filename", filename)
            options["filename"] = filename
            self._is_multipart = True
        if content_type is not None:
            if not isinstance(content_type, str):
                raise TypeError(f"content_type must be an instance of str. Got: {content_type!r}")
            _check_header_value("content_type", content_type)
            self._is_multipart = True
        if content_transfer_encoding is not None:
            if not isinstance(content_transfer_encoding, str):
                raise TypeError(
                    "content_transfer_encoding must be an instance of str. "
                    f"Got: {content_transfer_encoding!r}"
                )
            self._is_multipart = True
        self._fields.append((options, content_type, value))

    def add_fields(self, *fields: Any) -> None:
        """Add file objects, ``MultiDict`` items or ``(name, value)`` pairs.

        Raises:
            TypeError: an entry is none of these.
        """
        to_add = list(fields)
        while to_add:
            rec = to_add.pop(0)
            if isinstance(rec, io.IOBase):
                self.add_field(guess_filename(rec, "unknown") or "unknown", rec)
            elif isinstance(rec, (MultiDict, MultiDictProxy)):
                to_add[0:0] = rec.items()  # in place: aiohttp moves them to the end
            elif isinstance(rec, (list, tuple)) and len(rec) == 2:
                self.add_field(rec[0], rec[1])
            else:
                raise TypeError(
                    "Only io.IOBase, multidict and (name, file) pairs allowed, "
                    f"use .add_field() for passing more complex parameters, got {rec!r}"
                )

    def __call__(self) -> Payload:
        """The body: a ``MultipartWriter`` or an urlencoded payload."""
        return self.payload()

    def payload(self) -> Payload:
        """The body: a ``MultipartWriter`` or an urlencoded payload."""
        if self._is_multipart:
            return self._gen_form_data()
        return self._gen_form_urlencoded()

    def _gen_form_urlencoded(self) -> Payload:
        charset = self._charset if self._charset is not None else "utf-8"
        content_type = "application/x-www-form-urlencoded"
        if charset != "utf-8":
            content_type += f"; charset={charset}"
        pairs = [(opts["name"], value) for opts, _, value in self._fields]
        body = urlencode(pairs, doseq=True, encoding=charset).encode()
        return BytesPayload(body, content_type=content_type)

    def _gen_form_data(self) -> MultipartWriter:
        # Fields are moved into the writer once, so calling the form again
        # returns the same writer (and only adds fields added since).
        writer = self._writer
        if writer is None:
            writer = self._writer = MultipartWriter("form-data")
        for options, content_type, value in self._fields:
            part = self._part(value, content_type, options.get("filename"))
            part.set_content_disposition("form-data", quote_fields=self._quote_fields, **options)
            writer.append_payload(part)
        self._fields.clear()
        return writer

    def _part(self, value: Any, content_type: str | None, filename: str | None) -> Payload:
        try:
            if isinstance(value, str):
                return StringPayload(value, encoding=self._charset, content_type=content_type)
            if isinstance(value, (bytes, bytearray, memoryview)):
                return BytesPayload(value, content_type=content_type or "application/octet-stream")
            if isinstance(value, io.IOBase) or hasattr(value, "read"):
                return IOPayload(value, content_type=content_type, filename=filename)
            part = payload_for(value)
        except (TypeError, LookupError) as exc:
            raise TypeError(
                f"Can not serialize value type: {type(value)!r}\n value: {value!r}"
            ) from exc
        if content_type is not None:
            part.content_type = content_type
        return part


def _check_header_value(what: str, value: str) -> None:
    """Refuse a value that would split or end the part's header block."""
    if _BAD_HEADER.search(value):
        raise ValueError(f"{what} must not contain CR, LF or NUL: {value!r}")
