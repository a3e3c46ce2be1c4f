"""The ``lamina`` entry point of the meta-package.

The meta-package adds no behaviour of its own: the hooks are implemented by
the distributions it depends on (``lamina_core._defaults``,
``lamina_connectors._plugin``, ``lamina_websocket._plugin``,
``lamina_cookies._plugin``). It registers this empty module so that every
lamina distribution is found the same way, through the ``lamina`` group, and
``lamina_core.plugins`` can report which ones are installed.
"""

__all__: list[str] = []
