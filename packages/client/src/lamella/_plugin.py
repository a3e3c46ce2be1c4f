"""The ``lamella`` entry point of the meta-package.

The meta-package adds no behaviour of its own: the hooks are implemented by
the distributions it depends on (lamella-core's own fallbacks,
``lamella_connectors._plugin``, ``lamella_websocket._plugin``,
``lamella_cookies._plugin``). It registers this empty module so that every
lamella distribution is found the same way, through the ``lamella`` group, and
``lamella_core.plugins`` can report which ones are installed.
"""

__all__: list[str] = []
