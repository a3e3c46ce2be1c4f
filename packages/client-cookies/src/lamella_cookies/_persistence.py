"""Cookie files: data only, never pickle; the format earlier lamella-cookies wrote.

lamella now writes aiohttp's JSON format (``_aiohttp_files``), and reads
both it and the format below.

aiohttp's ``CookieJar.save`` historically wrote a pickle, and loading a
pickle runs whatever code the file names. lamella writes JSON, reads it with
``json.loads`` (which builds only dicts, lists, strings, numbers, booleans
and None) and checks every field's type before any cookie reaches the jar,
so a hostile or damaged file can at worst be refused.

Format version 1::

    {
      "format": "lamella-cookie-jar",
      "version": 1,
      "cookies": [
        {"name": "sid", "value": "abc", "coded_value": "abc",
         "domain": "example.com", "path": "/", "host_only": true,
         "secure": true, "expires": 1767225600.0,
         "attributes": {"httponly": true, "samesite": "Lax"}}
      ]
    }

Cookies are listed in creation order, which the ``Cookie`` header order
depends on. ``expires`` is seconds since the epoch (UTC) or null for a session
cookie. A reader refuses a ``version`` it does not know.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import Morsel
from pathlib import Path
from typing import Any, Final

from lamella_core.set_cookie import named_morsel

__all__ = [
    "FORMAT",
    "VERSION",
    "CookieJarFormatError",
    "Record",
    "is_lamella_format",
    "load",
    "read_document",
    "write_atomically",
]

FORMAT: Final = "lamella-cookie-jar"
VERSION: Final = 1

# Morsel attributes kept in "attributes"; domain, path and secure have fields
# of their own. Booleans for flags, strings for the rest.
_FLAG_ATTRIBUTES: Final = frozenset({"httponly"})
_TEXT_ATTRIBUTES: Final = frozenset({"expires", "max-age", "comment", "version", "samesite"})
_FIELDS: Final = {
    "name": str,
    "value": str,
    "coded_value": str,
    "domain": str,
    "path": str,
    "host_only": bool,
    "secure": bool,
}


class CookieJarFormatError(ValueError):
    """A file given to ``CookieJar.load`` is not a lamella cookie file it can read.

    The jar is left exactly as it was.
    """


@dataclass(frozen=True, slots=True)
class Record:
    """One cookie read from a file, checked for types but not yet for RFC 6265 rules."""

    name: str
    morsel: Morsel[str]
    domain: str
    path: str
    host_only: bool
    secure: bool
    expires: float | None


def write_atomically(file_path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``file_path`` by ``data`` in one rename; a new file is its owner's only."""
    # mkstemp creates the file readable and writable by its owner only, and
    # os.replace swaps it in at once: readers see the old file or the new one,
    # never half of one, and a crash leaves at most a stray temporary file.
    # A file that exists keeps the mode its owner gave it.
    path = Path(file_path)
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_document(file_path: str | os.PathLike[str]) -> dict[Any, Any]:
    """The JSON object ``file_path`` holds.

    Raises:
        CookieJarFormatError: The file is not a JSON object (a pickle, for one).
        OSError: The file could not be read.
    """
    raw = Path(file_path).read_bytes()
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise CookieJarFormatError(
            f"{os.fspath(file_path)!s} is not a cookie file (not JSON; lamella never "
            f"reads pickles): {exc}"
        ) from None
    if not isinstance(document, dict):
        raise CookieJarFormatError(f"{os.fspath(file_path)!s} is not a cookie file")
    return document


def is_lamella_format(document: dict[Any, Any]) -> bool:
    """Whether ``document`` is in the format earlier lamella-cookies wrote (else aiohttp's)."""
    return document.get("format") == FORMAT


def load(document: dict[Any, Any], where: str) -> list[Record]:
    """Check a version-1 lamella ``document``; every cookie in it, in creation order.

    Raises:
        CookieJarFormatError: The document is not version-1 lamella cookie JSON.
    """
    version = document.get("version")
    if version != VERSION:
        raise CookieJarFormatError(
            f"{where!s} is a lamella cookie file of version {version!r}; this lamella-cookies "
            f"reads version {VERSION} (a newer file needs a newer lamella-cookies)"
        )
    cookies = document.get("cookies")
    if not isinstance(cookies, list):
        raise CookieJarFormatError(f'{where!s}: "cookies" must be a list')
    return [_record(item, index, where) for index, item in enumerate(cookies)]


def _record(item: object, index: int, where: str) -> Record:
    def fail(reason: str) -> CookieJarFormatError:
        return CookieJarFormatError(f"{where!s}: cookie #{index}: {reason}")

    if not isinstance(item, dict):
        raise fail("must be an object")
    for field, kind in _FIELDS.items():
        if type(item.get(field)) is not kind:
            raise fail(f'"{field}" must be a {kind.__name__}')
    expires = item.get("expires")
    if expires is not None and (type(expires) not in (int, float) or expires != expires):
        raise fail('"expires" must be a number or null')
    attributes = item.get("attributes", {})
    if not isinstance(attributes, dict):
        raise fail('"attributes" must be an object')
    path = item["path"]
    if not path.startswith("/"):
        raise fail('"path" must start with "/"')
    morsel = named_morsel(item["name"], item["value"], item["coded_value"])
    if morsel is None:
        raise fail(f"Illegal cookie name {item['name']!r}")
    morsel["domain"] = item["domain"]
    morsel["path"] = path
    if item["secure"]:
        morsel["secure"] = True
    _set_attributes(morsel, attributes.items(), fail)
    return Record(
        name=item["name"],
        morsel=morsel,
        domain=item["domain"],
        path=path,
        host_only=item["host_only"],
        secure=item["secure"],
        expires=None if expires is None else float(expires),
    )


def _set_attributes(
    morsel: Morsel[str],
    attributes: Iterable[tuple[object, object]],
    fail: Any,
) -> None:
    for name, value in attributes:
        if (name in _FLAG_ATTRIBUTES and type(value) is bool) or (
            name in _TEXT_ATTRIBUTES and type(value) is str
        ):
            morsel[name] = value
        else:
            raise fail(f"unknown attribute {name!r} or wrong type {type(value).__name__}")
