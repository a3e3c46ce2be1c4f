"""The hook implementations of lamella-connectors, found through the ``lamella`` entry point.

This module is imported by lamella-core's plugin manager the first time a
``ClientSession`` is created, so it stays cheap: it holds only hookimpls, and
each hook body imports the heavy modules it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lamella_core import hookimpl

if TYPE_CHECKING:
    from yarl import URL

    from lamella_core import BaseConnector

__all__ = ["lamella_default_connector", "lamella_proxy_connector"]


@hookimpl
def lamella_default_connector(connector_kwargs: dict[str, Any]) -> BaseConnector:
    """``TCPConnector`` is what ``ClientSession()`` uses when given no connector."""
    from ._tcp import TCPConnector

    return TCPConnector(**connector_kwargs)


@hookimpl
def lamella_proxy_connector(proxy_url: URL) -> Callable[[URL], BaseConnector] | None:
    """Claim ``http://`` and ``https://`` proxies for sessions whose connector does not.

    A session whose connector is a ``TCPConnector`` handles these proxies
    itself; this answer serves the others (a ``UnixConnector``, lamella-core's
    plain connector), with a ``TCPConnector`` per proxy that opens the
    connections the session's connector pools and limits.
    """
    if proxy_url.scheme not in ("http", "https"):
        return None

    def factory(url: URL) -> BaseConnector:
        from ._tcp import TCPConnector

        return TCPConnector()

    return factory
