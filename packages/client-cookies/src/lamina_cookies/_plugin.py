"""The hook implementations of lamina-cookies, found through the ``lamina`` entry point.

This module is imported by lamina-core's plugin manager the first time a
``ClientSession`` is created, so it stays cheap: it holds only hookimpls, and
each hook body imports the modules it needs.

Hooks this distribution implements:

- ``lamina_default_cookie_jar``: ``CookieJar`` becomes the jar of every
  ``ClientSession()`` not given one (core alone uses ``DummyCookieJar``)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lamina_core import hookimpl

if TYPE_CHECKING:
    from lamina_core.abc import AbstractCookieJar

__all__ = ["lamina_default_cookie_jar"]


@hookimpl
def lamina_default_cookie_jar() -> AbstractCookieJar:
    """A new RFC 6265 ``CookieJar`` with the default settings."""
    from ._jar import CookieJar

    return CookieJar()
