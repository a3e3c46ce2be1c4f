"""The hook implementations of lamina-cookies, found through the ``lamina`` entry point.

This module is imported by lamina-core's plugin manager the first time a
``ClientSession`` is created, so it stays cheap: it holds only hookimpls, and
each hook body imports the heavy modules it needs.

Hooks this distribution implements (they arrive with the CookieJar issue):

- ``lamina_default_cookie_jar``: ``CookieJar`` becomes the jar of every
  ``ClientSession()`` not given one (core alone uses ``DummyCookieJar``)
"""

from lamina_core import hookimpl  # noqa: F401  (decorates the hooks listed above)

__all__: list[str] = []
