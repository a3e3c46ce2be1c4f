"""Proxy settings from the environment, for sessions created with ``trust_env=True``.

The variables are those urllib reads (``getproxies``): ``HTTP_PROXY``,
``HTTPS_PROXY``, ``WS_PROXY``, ``WSS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``,
in lower or upper case. ``NO_PROXY`` follows urllib's rules (``*``, host
names matching as domain suffixes, entries with a port matching only that
port) and also accepts IP networks in CIDR form (``10.0.0.0/8``), which
urllib only understands on macOS. Credentials come from the proxy URL or,
failing that, from the netrc file named by ``NETRC`` (``~/.netrc`` by
default).
"""

from __future__ import annotations

import ipaddress
import urllib.request
from collections.abc import Callable
from urllib.request import proxy_bypass_environment  # type: ignore[attr-defined]

from yarl import URL

from lamella_core import BasicAuth
from lamella_core.connection import netrc_auth

__all__ = ["bypasses_proxy", "proxy_from_env"]


def proxy_from_env(
    url: URL, *, credentials: Callable[[str], BasicAuth | None] | None = netrc_auth
) -> tuple[URL, BasicAuth | None] | None:
    """The proxy the environment names for ``url``, with its credentials, or None.

    Credentials come from the proxy URL, else from ``credentials(host)``
    (by default the netrc file, read on each call); pass None to leave them
    to the caller, as the session does with the netrc it read once.
    """
    host = url.raw_host
    if not host:
        return None
    proxies = urllib.request.getproxies()
    if bypasses_proxy(host, url.port, proxies.get("no", "")):
        return None
    raw = proxies.get(url.scheme) or proxies.get("all")
    if not raw:
        return None
    if "://" not in raw:
        raw = f"http://{raw}"  # "proxy:3128" means an HTTP proxy, as curl reads it
    proxy = URL(raw)
    auth: BasicAuth | None = None
    if proxy.raw_user is not None:
        auth = BasicAuth.from_url(proxy)
        proxy = proxy.with_user(None)
    elif proxy.raw_host and credentials is not None:
        auth = credentials(proxy.raw_host)
    return proxy, auth


def bypasses_proxy(host: str, port: int | None, no_proxy: str) -> bool:
    """True when ``NO_PROXY`` (given as ``no_proxy``) exempts ``host:port``."""
    if not no_proxy:
        return False
    bare = host.strip("[]")
    target = host if port is None else f"{host}:{port}"
    # urllib: "*", exact names and domain suffixes, with or without a port.
    if proxy_bypass_environment(target, {"no": no_proxy}):
        return True
    try:
        ip = ipaddress.ip_address(bare)
    except ValueError:
        return False
    for entry in no_proxy.split(","):
        entry = entry.strip().strip("[]")
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue
        if ip.version == network.version and ip in network:
            return True
    return False
