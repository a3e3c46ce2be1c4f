"""The hook implementations of lamina-connectors, found through the ``lamina`` entry point.

This module is imported by lamina-core's plugin manager the first time a
``ClientSession`` is created, so it stays cheap: it holds only hookimpls, and
each hook body imports the heavy modules it needs.

Hooks this distribution implements (they arrive with the TCPConnector issue):

- ``lamina_default_connector``: ``TCPConnector`` becomes what ``ClientSession()`` uses
  when given no connector
- ``lamina_proxy_connector``: claims the ``http://`` and ``https://`` proxy schemes
"""

from lamina_core import hookimpl  # noqa: F401  (decorates the hooks listed above)

__all__: list[str] = []
