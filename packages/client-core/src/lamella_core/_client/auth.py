"""HTTP Basic authentication credentials (RFC 7617), as aiohttp's ``BasicAuth``."""

from __future__ import annotations

import base64
import binascii
import contextlib
import netrc
import os
from pathlib import Path
from typing import NamedTuple

from yarl import URL

__all__ = ["BasicAuth", "netrc_auth"]


class _Credentials(NamedTuple):
    login: str
    password: str
    encoding: str


class BasicAuth(_Credentials):
    """A login, password and text encoding for the ``Authorization: Basic`` header.

    It is a tuple ``(login, password, encoding)``, so it compares, hashes and
    unpacks like aiohttp's.
    """

    __slots__ = ()

    def __new__(cls, login: str, password: str = "", encoding: str = "latin1") -> BasicAuth:
        """Check and keep the credentials (the tuple has no ``__init__`` to document).

        Args:
            login: The user name; it may not contain ``":"`` (RFC 7617 section 2).
            password: The password, empty by default.
            encoding: How the credentials are turned into bytes before base64.

        Raises:
            ValueError: ``login`` or ``password`` is None, or ``login`` has a colon.
        """
        if login is None:
            raise ValueError("None is not allowed as login value")
        if password is None:
            raise ValueError("None is not allowed as password value")
        if ":" in login:
            raise ValueError('A ":" is not allowed in login (RFC 7617 section 2)')
        return super().__new__(cls, login, password, encoding)

    @classmethod
    def decode(cls, auth_header: str, encoding: str = "latin1") -> BasicAuth:
        """Parse the value of an ``Authorization`` header into credentials.

        Raises:
            ValueError: The header is malformed, names another scheme, is
                not valid base64, or has no colon between login and password.
        """
        try:
            scheme, encoded = auth_header.split(" ", 1)
        except ValueError:
            raise ValueError("Could not parse authorization header.") from None
        if scheme.lower() != "basic":
            raise ValueError(f"Unknown authorization method {scheme}")
        try:
            decoded = base64.b64decode(encoded.strip().encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValueError("Invalid base64 encoding.") from None
        try:
            login, password = decoded.decode(encoding).split(":", 1)
        except ValueError:
            raise ValueError("Invalid credentials.") from None
        return cls(login, password, encoding)

    @classmethod
    def from_url(cls, url: URL, *, encoding: str = "latin1") -> BasicAuth | None:
        """Return the credentials embedded in ``url``, or None when it has none.

        Raises:
            TypeError: ``url`` is not a ``yarl.URL``.
        """
        if not isinstance(url, URL):
            raise TypeError("url should be yarl.URL instance")
        if url.raw_user is None and url.raw_password is None:
            return None
        # Taken as given, like aiohttp: a percent-encoded colon may decode into the login.
        return tuple.__new__(cls, (url.user or "", url.password or "", encoding))

    def encode(self) -> str:
        """Return the ``Authorization`` header value: ``Basic`` and base64 of ``login:password``."""
        credentials = f"{self.login}:{self.password}".encode(self.encoding)
        return "Basic " + base64.b64encode(credentials).decode("ascii")


def netrc_auth(host: str) -> BasicAuth | None:
    """Credentials for ``host`` from the netrc file (``NETRC``, else ``~/.netrc``), or None."""
    path = os.environ.get("NETRC")
    file = Path(path) if path else Path.home() / ".netrc"
    if not file.is_file():
        return None
    try:
        entries = netrc.netrc(str(file))
    except (netrc.NetrcParseError, OSError):
        return None
    found = entries.authenticators(host)
    if found is None:
        return None
    login, account, password = found
    with contextlib.suppress(ValueError):
        return BasicAuth(login or account or "", password or "")
    return None
