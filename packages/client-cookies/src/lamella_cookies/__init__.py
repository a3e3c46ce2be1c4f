"""lamella-cookies: the RFC 6265 ``CookieJar`` and its persistence.

Installing the distribution makes ``CookieJar`` the jar of every
``ClientSession()`` not given one, through the ``lamella_default_cookie_jar``
hook (see ``_plugin``).
"""

from ._jar import CookieJar
from ._limits import CookieLimits
from ._persistence import CookieJarFormatError
from ._version import __version__ as __version__

__all__ = ["CookieJar", "CookieJarFormatError", "CookieLimits"]
