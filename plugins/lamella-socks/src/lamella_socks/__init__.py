"""lamella-socks: SOCKS4, SOCKS4a, SOCKS5 and SOCKS5h proxies for lamella.

Installing the distribution is enough: lamella finds it through the
``lamella`` entry point and sends requests made with a ``socks*://`` proxy
through :class:`SocksConnector`. ``SocksConnector`` is imported on first use
(PEP 562), so discovering the plugin does not import python-socks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from ._connector import SocksConnector

__all__ = ["SocksConnector"]


def __getattr__(name: str) -> Any:
    if name != "SocksConnector":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from ._connector import SocksConnector

    globals()[name] = SocksConnector
    return SocksConnector
