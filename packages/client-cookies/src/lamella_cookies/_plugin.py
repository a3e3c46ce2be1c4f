"""The hook implementations of lamella-cookies, found through the ``lamella`` entry point.

This module is imported by lamella-core's plugin manager the first time a
``ClientSession`` is created, so it stays cheap: it holds only hookimpls, and
each hook body imports the modules it needs.

Hooks this distribution implements:

- ``lamella_default_cookie_jar``: ``CookieJar`` becomes the jar of every
  ``ClientSession()`` not given one (core alone uses ``DummyCookieJar``)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lamella_core import hookimpl

if TYPE_CHECKING:
    from lamella_core.abc import AbstractCookieJar

__all__ = ["lamella_default_cookie_jar"]


@hookimpl
def lamella_default_cookie_jar() -> AbstractCookieJar:
    """A new RFC 6265 ``CookieJar`` with the default settings."""
    from ._jar import CookieJar

    return CookieJar()
