"""A third-party cookie jar plugin for lamella's tests, dormant unless activated.

The entry point ``test-jar`` in the ``lamella`` group names this module. Its hook
is ``tryfirst``, so it is asked before lamella-cookies whatever the load order. While
``active`` is False the hook answers None and lamella-cookies' jar is used; a
test sets ``active = True`` to have every new ``ClientSession()`` use
:class:`RecordingJar`.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import BaseCookie, Morsel, SimpleCookie

from yarl import URL

from lamella_core import hookimpl
from lamella_core.abc import AbstractCookieJar, ClearCookiePredicate, LooseCookies

__all__ = ["RecordingJar", "active", "lamella_default_cookie_jar"]

active = False
_NO_URL = URL()


class RecordingJar(AbstractCookieJar):
    """Keeps every cookie by name, sends them all, and records what the session asked."""

    def __init__(self) -> None:
        super().__init__()
        self.stored: SimpleCookie = SimpleCookie()
        self.calls: list[tuple[str, str]] = []

    def __iter__(self) -> Iterator[Morsel[str]]:
        return iter(list(self.stored.values()))

    def __len__(self) -> int:
        return len(self.stored)

    @property
    def quote_cookie(self) -> bool:
        return True

    def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
        for name, morsel in list(self.stored.items()):
            if predicate is None or predicate(morsel):
                del self.stored[name]

    def clear_domain(self, domain: str) -> None:
        self.clear(lambda morsel: morsel["domain"] == domain)

    def update_cookies(self, cookies: LooseCookies, response_url: URL = _NO_URL) -> None:
        self.calls.append(("update", str(response_url)))
        items = cookies.items() if hasattr(cookies, "items") else cookies
        for name, value in items:
            self.stored[name] = value.value if isinstance(value, Morsel) else value

    def filter_cookies(self, request_url: URL) -> BaseCookie[str]:
        self.calls.append(("filter", str(request_url)))
        sent: SimpleCookie = SimpleCookie()
        sent.update(self.stored)
        return sent


@hookimpl(tryfirst=True)
def lamella_default_cookie_jar() -> AbstractCookieJar | None:
    """A :class:`RecordingJar` while ``active`` is True, otherwise no answer."""
    return RecordingJar() if active else None
