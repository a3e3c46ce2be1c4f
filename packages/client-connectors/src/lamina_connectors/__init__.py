"""lamina-connectors: ``TCPConnector``, ``UnixConnector``, resolvers and HTTP/HTTPS proxies.

Installing this distribution makes ``TCPConnector`` the connector of every
``ClientSession()`` created without one (through the ``lamina`` entry point,
see ``_plugin``). Resolvers implement :class:`lamina_core.abc.AbstractResolver`.
"""

from ._fingerprint import Fingerprint
from ._resolver import AsyncResolver, DefaultResolver, ThreadedResolver
from ._tcp import TCPConnector
from ._unix import UnixConnector
from ._version import __version__ as __version__

__all__ = [
    "AsyncResolver",
    "DefaultResolver",
    "Fingerprint",
    "TCPConnector",
    "ThreadedResolver",
    "UnixConnector",
]
