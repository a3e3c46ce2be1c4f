"""lamella-core's own answers to its hooks, registered last so siblings win."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .hookspecs import hookimpl

if TYPE_CHECKING:
    from ._pool.connector import BaseConnector
    from .abc import AbstractCookieJar

__all__ = ["lamella_default_connector", "lamella_default_cookie_jar"]


@hookimpl(trylast=True)
def lamella_default_connector(connector_kwargs: dict[str, Any]) -> BaseConnector:
    """Core alone connects with its plain TCP/TLS connector."""
    from ._pool.tcp import BasicTCPConnector

    return BasicTCPConnector(**connector_kwargs)


@hookimpl(trylast=True)
def lamella_default_cookie_jar() -> AbstractCookieJar:
    """Core alone ignores cookies."""
    from ._cookies import DummyCookieJar

    return DummyCookieJar()
