"""The cookie jar that keeps nothing, for sessions that must not track cookies."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from http.cookies import BaseCookie, Morsel, SimpleCookie
from typing import Final

from yarl import URL

from lamella_core.abc import AbstractCookieJar, ClearCookiePredicate, LooseCookies

__all__ = ["DummyCookieJar"]

_NO_URL: Final = URL()


class DummyCookieJar(AbstractCookieJar):
    """Accepts every cookie and stores none, so requests never carry cookies.

    The default jar when lamella-cookies is not installed, and the one to pass
    as ``ClientSession(cookie_jar=DummyCookieJar())`` to turn cookies off.
    """

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __iter__(self) -> Iterator[Morsel[str]]:
        return iter(())

    def __len__(self) -> int:
        return 0

    @property
    def quote_cookie(self) -> bool:
        """Always True, matching the default of a real jar."""
        return True

    def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
        """Do nothing: there is nothing to clear."""

    def clear_domain(self, domain: str) -> None:
        """Do nothing: there is nothing to clear."""

    def update_cookies(self, cookies: LooseCookies, response_url: URL = _NO_URL) -> None:
        """Drop ``cookies``."""

    def update_cookies_from_headers(self, headers: Sequence[str], response_url: URL) -> None:
        """Drop the ``Set-Cookie`` values without parsing them."""

    def filter_cookies(self, request_url: URL) -> BaseCookie[str]:
        """Return an empty ``SimpleCookie``: no request carries cookies."""
        return SimpleCookie()
