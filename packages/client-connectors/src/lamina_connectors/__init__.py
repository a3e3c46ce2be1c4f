"""lamina-connectors: ``TCPConnector``, ``UnixConnector`` and HTTP/HTTPS proxies.

The connectors register themselves with lamina-core through the ``lamina``
entry point (see ``_plugin``); their classes arrive with the TCPConnector issue.
"""

from ._version import __version__ as __version__

__all__: list[str] = []
