"""The hook implementations of lamina-websocket, found through the ``lamina`` entry point.

This module is imported by lamina-core's plugin manager the first time a
``ClientSession`` is created, so it stays cheap: it holds only hookimpls, and
each hook body imports the heavy modules it needs.

Hooks this distribution implements (they arrive with the ws_connect issue):

- ``lamina_websocket_support``: gives ``ClientSession.ws_connect`` its implementation
  (core alone raises an error naming this distribution)
"""

from lamina_core import hookimpl  # noqa: F401  (decorates the hooks listed above)

__all__: list[str] = []
