"""The ``connect-to`` entry point: claims ``connect-to://host:port`` proxy URLs."""

from __future__ import annotations

from collections.abc import Callable

from yarl import URL

from lamella_core import hookimpl
from lamella_core.connection import BaseConnector

__all__ = ["lamella_proxy_connector"]


@hookimpl
def lamella_proxy_connector(proxy_url: URL) -> Callable[[URL], BaseConnector] | None:
    """Route every connection of the request to the proxy URL's address."""
    if proxy_url.scheme != "connect-to":
        return None

    def factory(url: URL) -> BaseConnector:
        from ._connector import ConnectToConnector

        if url.raw_host is None or url.port is None:
            raise ValueError(f"a connect-to URL names a host and a port: {url}")
        return ConnectToConnector(default=(url.raw_host, url.port))

    return factory
