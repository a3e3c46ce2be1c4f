"""lamina-cookies: the RFC 6265 ``CookieJar`` and its persistence.

The jar arrives with the CookieJar issue; the distribution registers itself
through the ``lamina`` entry point (see ``_plugin``).
"""

from ._version import __version__ as __version__

__all__: list[str] = []
