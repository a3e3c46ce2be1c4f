"""``lamella.typedefs``: the type aliases of the client's signatures, as in ``aiohttp.typedefs``.

Annotations in code ported from aiohttp (``StrOrURL``, ``LooseHeaders``,
``LooseCookies``, ...) keep working with ``lamella`` in place of
``aiohttp``. They are plain aliases of the types lamella's signatures
accept; the cookie ones are ``lamella_core.abc``'s. aiohttp's server-side
ones (``Handler``, ``Middleware``) are not client names.
"""

import json
import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, TypeAlias

from multidict import CIMultiDict, CIMultiDictProxy, istr
from yarl import URL, Query

from lamella_core.abc import LooseCookies, LooseCookiesIterables, LooseCookiesMappings

__all__ = [
    "DEFAULT_JSON_DECODER",
    "DEFAULT_JSON_ENCODER",
    "Byteish",
    "JSONBytesEncoder",
    "JSONDecoder",
    "JSONEncoder",
    "LooseCookies",
    "LooseCookiesIterables",
    "LooseCookiesMappings",
    "LooseHeaders",
    "PathLike",
    "Query",
    "RawHeaders",
    "StrOrURL",
]

DEFAULT_JSON_ENCODER: Final = json.dumps
DEFAULT_JSON_DECODER: Final = json.loads

Byteish: TypeAlias = bytes | bytearray | memoryview
JSONEncoder: TypeAlias = Callable[[Any], str]
JSONBytesEncoder: TypeAlias = Callable[[Any], bytes]
JSONDecoder: TypeAlias = Callable[[str], Any]
LooseHeaders: TypeAlias = (
    Mapping[str, str]
    | Mapping[istr, str]
    | CIMultiDict[str]
    | CIMultiDictProxy[str]
    | Iterable[tuple[str | istr, str]]
)
RawHeaders: TypeAlias = tuple[tuple[bytes, bytes], ...]
StrOrURL: TypeAlias = str | URL
PathLike: TypeAlias = str | os.PathLike[str]
