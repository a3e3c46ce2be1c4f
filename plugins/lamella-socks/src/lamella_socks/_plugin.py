"""The hook lamella-core calls; kept cheap: python-socks is imported only when used."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lamella_core import hookimpl

if TYPE_CHECKING:
    from yarl import URL

    from lamella_core import BaseConnector

from ._schemes import SCHEMES

__all__ = ["lamella_proxy_connector"]


@hookimpl
def lamella_proxy_connector(proxy_url: URL) -> Callable[[URL], BaseConnector] | None:
    """Claim ``socks*://`` proxies; a session builds one connector per proxy URL.

    That connector opens connections with the session connector's settings
    (TLS, resolver, address guard, ...); the session's connector pools them,
    under its ``limit`` and ``limit_per_host``.
    """
    if proxy_url.scheme not in SCHEMES:
        return None

    def factory(url: URL) -> BaseConnector:
        from ._connector import SocksConnector

        return SocksConnector(url)

    return factory
