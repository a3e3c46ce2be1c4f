"""A request's ``data=`` as a payload: every kind ``payload_for`` wraps, plus forms.

Forms are kept out of ``payloads`` because ``FormData`` is built from
payloads and multipart writers; this module sits above the three.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from multidict import MultiDictProxy

from .formdata import FormData
from .payloads import Payload, payload_for

__all__ = ["request_body"]


def request_body(data: Any, *, encoding: str = "utf-8") -> Payload:
    """Wrap ``data`` as a request body, the way aiohttp's ``data=`` accepts it.

    Args:
        data: what ``payload_for`` takes, or a form: a ``FormData``, a
            mapping, a ``MultiDict`` or a list of pairs.
        encoding: the charset for a str body.

    Raises:
        TypeError: ``data`` is none of the above.
    """
    if isinstance(data, FormData):
        return data()
    if isinstance(data, (Mapping, MultiDictProxy)) or (
        isinstance(data, (list, tuple)) and _is_pairs(data)
    ):
        return FormData(data)()
    return payload_for(data, encoding=encoding)


def _is_pairs(data: Iterable[Any]) -> bool:
    return all(isinstance(item, (list, tuple)) and len(item) == 2 for item in data)
