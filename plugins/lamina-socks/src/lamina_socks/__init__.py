"""lamina-socks: SOCKS4, SOCKS4a, SOCKS5 and SOCKS5h proxies for lamina.

Installing the distribution is enough: lamina finds it through the
``lamina`` entry point and sends requests made with a ``socks*://`` proxy
through :class:`SocksConnector`.
"""

from ._connector import SocksConnector
from ._version import __version__ as __version__

__all__ = ["SocksConnector"]
