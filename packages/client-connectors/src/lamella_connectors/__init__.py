"""lamella-connectors: ``TCPConnector``, ``UnixConnector``, ``NamedPipeConnector``,
resolvers and HTTP/HTTPS proxies.

Installing this distribution makes ``TCPConnector`` the connector of every
``ClientSession()`` created without one (through the ``lamella`` entry point,
see ``_plugin``). Resolvers implement :class:`lamella_core.abc.AbstractResolver`.

The names are imported on first use (PEP 562): lamella-core's plugin manager
imports ``lamella_connectors._plugin`` at discovery, which runs this file, and
discovery must not pay for aiohappyeyeballs, TLS or DNS modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from ._fingerprint import Fingerprint
    from ._pipe import NamedPipeConnector
    from ._resolver import AsyncResolver, DefaultResolver, ThreadedResolver
    from ._tcp import AddrInfoType, SocketFactoryType, TCPConnector
    from ._tls import TLSSettings
    from ._unix import UnixConnector

__all__ = [
    "AddrInfoType",
    "AsyncResolver",
    "DefaultResolver",
    "Fingerprint",
    "NamedPipeConnector",
    "SocketFactoryType",
    "TCPConnector",
    "TLSSettings",
    "ThreadedResolver",
    "UnixConnector",
]

_HOMES = {
    "AsyncResolver": "._resolver",
    "DefaultResolver": "._resolver",
    "Fingerprint": "._fingerprint",
    "NamedPipeConnector": "._pipe",
    "AddrInfoType": "._tcp",
    "SocketFactoryType": "._tcp",
    "TCPConnector": "._tcp",
    "TLSSettings": "._tls",
    "ThreadedResolver": "._resolver",
    "UnixConnector": "._unix",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
