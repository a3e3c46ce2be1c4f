"""A request's ``data=`` as a payload: whatever the payload registry wraps, else a form.

As in aiohttp, a value no payload is registered for is handed to
``FormData``: a mapping, a ``MultiDict``, a list or tuple of pairs, file
objects and ``MultiDict``s, in any mix. Forms are kept out of ``payloads``
because ``FormData`` is built from payloads and multipart writers; this
module sits above the three. ``formdata`` (and with it ``multipart`` and
``disposition``) is imported by the first form sent, not by
``import lamella``: most programs send none.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from .file_payloads import IOPayload
from .payload_registry import PayloadLookupError, registered_payload
from .payloads import Payload

__all__ = ["request_body"]

_FORMDATA = f"{__package__}.formdata"


def request_body(data: Any, *, encoding: str = "utf-8") -> Payload:
    """Wrap ``data`` as a request body, the way aiohttp's ``data=`` accepts it.

    Args:
        data: anything ``PAYLOAD_REGISTRY`` takes, or a form: a ``FormData``,
            a mapping, a ``MultiDict``, or a list or tuple of pairs, file
            objects and ``MultiDict``s.
        encoding: the charset for a str body.

    Raises:
        TypeError: ``data`` is neither a registered type nor form fields.
    """
    # Until formdata is imported there can be no FormData to find.
    forms = sys.modules.get(_FORMDATA)
    if forms is not None and isinstance(data, forms.FormData):
        return data()  # type: ignore[no-any-return]
    try:
        body = registered_payload(data, encoding=encoding)
    except PayloadLookupError:
        if isinstance(data, (Mapping, list, tuple)):
            from .formdata import FormData

            return FormData(data)()
        raise TypeError(f"Cannot send a request body of type {type(data).__name__}") from None
    if body is data:
        _disposition_as_header(body)
    elif isinstance(body, IOPayload):
        body.disposition = None  # a file given as data= is no attachment, as in aiohttp
    return body


def _disposition_as_header(payload: Payload) -> None:
    """A file payload the caller made (``get_payload(f, disposition="inline")``) has
    the Content-Disposition aiohttp gives it, so the request copies it."""
    disposition = getattr(payload, "disposition", None)
    filename = payload.filename
    if disposition is None or not filename or "Content-Disposition" in payload.headers:
        return
    payload.set_content_disposition(disposition, filename=filename)
