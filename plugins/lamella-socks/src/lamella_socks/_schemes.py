"""The proxy URL schemes lamella-socks speaks, shared by the hook and the connector."""

__all__ = ["SCHEMES"]

#: The proxy URL schemes this plugin claims.
SCHEMES = frozenset({"socks4", "socks4a", "socks5", "socks5h"})
