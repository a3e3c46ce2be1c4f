"""The JSON cookie file of aiohttp's ``CookieJar.save`` (3.13+), which lamella writes and reads.

A file saved by either library loads in the other. It maps
``"domain|path"`` (the jar's keys, path without its trailing ``/``) to the
cookies stored there, by name::

    {"example.com|": {"sid": {"key": "sid", "value": "abc", "coded_value": "abc",
                              "domain": "example.com", "path": "/", "secure": true,
                              "host_only": true, "expires_timestamp": 1767225600.0}}}

``expires_timestamp`` is the absolute deadline (seconds since the epoch),
written instead of the relative ``max-age`` and ``expires`` attributes.
Reading checks every type before a cookie reaches the jar: a bad file raises
and leaves the jar alone. It is JSON, so reading it cannot run code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookies import Morsel
from typing import TYPE_CHECKING, Any, Final

from ._persistence import CookieJarFormatError

if TYPE_CHECKING:
    from ._storage import Entry

__all__ = ["SavedCookie", "dump", "parse"]

_ATTRIBUTES: Final = frozenset(Morsel._reserved)  # type: ignore[attr-defined]
_FLAGS: Final = frozenset(Morsel._flags)  # type: ignore[attr-defined]
_NOT_SAVED: Final = frozenset({"max-age", "expires"})  # the deadline is saved instead
_PAIR: Final = ("key", "value", "coded_value")


@dataclass(frozen=True, slots=True)
class SavedCookie:
    """One cookie of a file, to be stored as if ``https://domain`` had set it."""

    name: str
    morsel: Morsel[str]
    domain: str
    expires: float | None


def dump(entries: Iterable[Entry]) -> dict[str, dict[str, dict[str, Any]]]:
    """The document ``entries`` are saved as, grouped by ``(domain, path)``."""
    document: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in entries:
        morsel = entry.morsel
        record: dict[str, Any] = {
            "key": morsel.key,
            "value": morsel.value,
            "coded_value": morsel.coded_value,
        }
        for attribute in Morsel._reserved:  # type: ignore[attr-defined]
            if attribute not in _NOT_SAVED and morsel[attribute]:
                record[attribute] = morsel[attribute]
        if entry.host_only:
            record["host_only"] = True
        if entry.expires is not None:
            record["expires_timestamp"] = entry.expires
        document.setdefault(f"{entry.domain}|{entry.jar_path}", {})[entry.name] = record
    return document


def parse(document: dict[Any, Any], where: str) -> list[SavedCookie]:
    """Every cookie of an aiohttp-format ``document``, checked for types.

    Raises:
        ValueError: An expiration timestamp is not a finite number (aiohttp's
            message), or the document is not shaped as this format.
        TypeError: A field or attribute has the wrong type, as in aiohttp.
    """
    saved: list[SavedCookie] = []
    for compound_key, cookies in document.items():
        if not isinstance(compound_key, str) or "|" not in compound_key:
            raise CookieJarFormatError(f"{where}: {compound_key!r} is not a 'domain|path' key")
        if not isinstance(cookies, dict):
            raise CookieJarFormatError(f"{where}: {compound_key!r} must map names to cookies")
        domain = compound_key.partition("|")[0]
        for name, record in cookies.items():
            saved.append(_cookie(compound_key, domain, name, record))
    return saved


def _cookie(compound_key: str, domain: str, name: object, record: object) -> SavedCookie:
    where = f"Cookie {name!r} in {compound_key!r}"
    if not isinstance(record, dict) or not isinstance(name, str):
        raise TypeError(f"{where}: must be an object under a string name")
    if any(not isinstance(record.get(field), str) for field in _PAIR):
        raise TypeError(f"{where}: key, value and coded_value must be strings")
    expires: float | None = None
    if (raw := record.get("expires_timestamp")) is not None:
        try:
            expires = float(raw)
            if not math.isfinite(expires):
                raise ValueError(expires)
        except (OverflowError, TypeError, ValueError) as exc:
            raise ValueError(f"{where}: expiration timestamp must be a finite number") from exc
    morsel: Morsel[str] = Morsel()
    morsel.__setstate__(  # type: ignore[attr-defined]
        {"key": record["key"], "value": record["value"], "coded_value": record["coded_value"]}
    )
    for attribute, value in record.items():
        if attribute not in _ATTRIBUTES:
            continue
        if attribute not in _FLAGS and not isinstance(value, str | int):
            raise TypeError(f"{where}: attribute {attribute!r} must be a string")
        if attribute == "path" and not isinstance(value, str):
            raise TypeError(f"{where}: attribute 'path' must be a string")
        morsel[attribute] = value
    if record.get("host_only"):
        morsel["domain"] = ""  # stored again as host-only for https://domain
    return SavedCookie(name=name, morsel=morsel, domain=domain, expires=expires)
