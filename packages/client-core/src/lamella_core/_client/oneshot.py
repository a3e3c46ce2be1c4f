"""The module-level ``request()``: one request with a short-lived session."""

from __future__ import annotations

import asyncio
from typing import Any

from yarl import URL

from lamella_core._pool.connector import BaseConnector

from .contexts import SessionRequestContextManager
from .session import ClientSession
from .session_plugins import SessionPlugins

__all__ = ["request"]

# Options that belong to the session rather than to the request.
_SESSION_OPTIONS = (
    "version",
    "timeout",
    "read_bufsize",
    "max_line_size",
    "max_field_size",
    "max_headers",
)


def request(
    method: str,
    url: str | URL,
    *,
    connector: BaseConnector | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
    **kwargs: Any,
) -> SessionRequestContextManager:
    """Send one request with its own session; use with ``async with`` or await it.

    Without ``connector`` the session gets the default connector with
    ``force_close=True`` and closes it with the response. Cookies given here
    are sent with the request even when no cookie jar is installed.
    """
    session_kwargs = {name: kwargs.pop(name) for name in _SESSION_OPTIONS if name in kwargs}
    owner = connector is None
    if connector is None:
        connector = SessionPlugins.resolve().new_connector(force_close=True)
    session = ClientSession(connector=connector, connector_owner=owner, **session_kwargs)
    return SessionRequestContextManager(session._request(method, url, **kwargs), session.close)
