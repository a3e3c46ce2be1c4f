"""HTTP Basic authentication credentials (RFC 7617), as aiohttp's ``BasicAuth``.

aiohttp 3.14 deprecates ``BasicAuth`` in favour of ``encode_basic_auth()``
and an ``Authorization`` header; lamella warns where it does, so code that
runs warning-clean on aiohttp runs warning-clean here. Credentials lamella
builds itself (from a URL, a header, netrc) never warn.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from yarl import URL

if TYPE_CHECKING:
    import netrc

__all__ = ["BasicAuth", "NetrcCredentials", "check_credentials", "encode_basic_auth", "netrc_auth"]


def check_credentials(login: str, password: str, colon_message: str) -> None:
    """Refuse a None login or password, and a login with a colon (``colon_message``),
    which would run into what follows it in ``login:password`` or ``login:realm``.

    Raises:
        ValueError: one of those.
    """
    if login is None:
        raise ValueError("None is not allowed as login value")
    if password is None:
        raise ValueError("None is not allowed as password value")
    if ":" in login:
        raise ValueError(colon_message)


class _Credentials(NamedTuple):
    login: str
    password: str
    encoding: str


class BasicAuth(_Credentials):
    """A login, password and text encoding for the ``Authorization: Basic`` header.

    It is a tuple ``(login, password, encoding)``, so it compares, hashes and
    unpacks like aiohttp's (the arguments are :meth:`__new__`'s).

    Deprecated, as in aiohttp 3.14: pass
    ``headers={"Authorization": encode_basic_auth(login, password)}`` instead.
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
        check_credentials(login, password, 'A ":" is not allowed in login (RFC 7617 section 2)')
        warnings.warn(
            "BasicAuth is deprecated and will be removed in aiohttp 4.0; "
            "use lamella.encode_basic_auth() with headers={'Authorization': ...} instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return super().__new__(cls, login, password, encoding)

    @classmethod
    def _quiet(cls, login: str, password: str, encoding: str = "latin1") -> BasicAuth:
        """Credentials lamella builds itself, without the deprecation warning."""
        return tuple.__new__(cls, (login, password, encoding))

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
        return cls._quiet(login, password, encoding)

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
        return cls._quiet(url.user or "", url.password or "", encoding)

    def encode(self) -> str:
        """Return the ``Authorization`` header value: ``Basic`` and base64 of ``login:password``."""
        return _basic(self.login, self.password, self.encoding)


def encode_basic_auth(login: str, password: str = "", encoding: str = "utf-8") -> str:
    """The ``Authorization`` (or ``Proxy-Authorization``) value for Basic credentials.

    Raises:
        ValueError: ``login`` has a colon (RFC 7617 section 2).
    """
    if ":" in login:
        raise ValueError('A ":" is not allowed in login (RFC 7617#section-2)')
    return _basic(login, password, encoding)


def _basic(login: str, password: str, encoding: str) -> str:
    credentials = f"{login}:{password}".encode(encoding)
    return "Basic " + base64.b64encode(credentials).decode("ascii")


def _read_netrc() -> netrc.netrc | None:
    """The netrc file (``NETRC``, else ``~/.netrc``), parsed; None if absent or broken."""
    path = os.environ.get("NETRC")
    file = Path(path) if path else Path.home() / ".netrc"
    if not file.is_file():
        return None
    import netrc  # with shlex, only for sessions that read a netrc file

    try:
        return netrc.netrc(str(file))
    except (netrc.NetrcParseError, OSError):
        return None


def _auth_from(entries: netrc.netrc | None, host: str) -> BasicAuth | None:
    found = entries.authenticators(host) if entries is not None else None
    if found is None:
        return None
    login, account, password = found
    user = login or account or ""
    return None if ":" in user else BasicAuth._quiet(user, password or "")


def netrc_auth(host: str) -> BasicAuth | None:
    """Credentials for ``host`` from the netrc file (``NETRC``, else ``~/.netrc``), or None.

    It reads the file: call it outside the event loop (a session with
    ``trust_env`` uses :class:`NetrcCredentials`, which does).
    """
    return _auth_from(_read_netrc(), host)


class NetrcCredentials:
    """The netrc file of a ``trust_env`` session, read once, in a worker thread.

    The first request awaits :meth:`load`; every later lookup is a dict
    lookup, so the event loop never waits on the file and the file is not
    read again for each request.
    """

    __slots__ = ("_entries", "_loaded", "_loading")

    def __init__(self) -> None:
        self._entries: netrc.netrc | None = None
        self._loaded = False
        self._loading: asyncio.Future[netrc.netrc | None] | None = None

    async def load(self) -> None:
        """Read the file unless it was read; concurrent first requests share one read."""
        if self._loaded:
            return
        if self._loading is None:
            self._loading = asyncio.get_running_loop().run_in_executor(None, _read_netrc)
        # Shielded: a cancelled first request leaves the read to the next one.
        self._entries = await asyncio.shield(self._loading)
        self._loaded = True

    def auth_for(self, host: str) -> BasicAuth | None:
        """The entry for ``host`` (or the ``default`` entry), once :meth:`load` ran."""
        return _auth_from(self._entries, host)
