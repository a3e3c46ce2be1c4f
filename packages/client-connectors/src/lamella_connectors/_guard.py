"""The address guard of ``TCPConnector(deny_private=True)``, against SSRF.

A service that fetches URLs its users give can be made to reach its own
internal network: ``http://169.254.169.254/`` (cloud metadata),
``http://localhost:6379/``, a name whose DNS answer is ``10.0.0.5``, or a
redirect to any of these. The guard checks each *resolved* address right
before connecting, so names, redirects and DNS rebinding are all caught at
the one point where the address is final.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = ["AddressGuard"]

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressGuard:
    """Refuses non-public addresses, except those in ``allowed`` networks.

    Refused: loopback, private (RFC 1918, unique local ``fc00::/7``),
    link-local, multicast, reserved, unspecified (``0.0.0.0`` reaches the
    host itself on Linux), and IPv6 forms that embed such an IPv4 address
    (``::ffff:127.0.0.1``).
    """

    __slots__ = ("_allowed",)

    def __init__(self, allowed: Iterable[str | _Network] = ()) -> None:
        self._allowed: tuple[_Network, ...] = tuple(
            ipaddress.ip_network(network) for network in allowed
        )

    def __repr__(self) -> str:
        return f"<AddressGuard allowed={[str(network) for network in self._allowed]}>"

    def refuses(self, host: str) -> bool:
        """True when a connection to the IP address ``host`` must not be made."""
        address = ipaddress.ip_address(host.partition("%")[0])
        if any(address in network for network in self._allowed):
            return False
        if isinstance(address, ipaddress.IPv6Address):
            embedded = address.ipv4_mapped or address.sixtofour or _nat64(address)
            if embedded is not None and self.refuses(str(embedded)):
                return True
        return not address.is_global or address.is_multicast


def _nat64(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address inside a well-known NAT64 address (``64:ff9b::/96``)."""
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
