"""Plugin discovery in the background, started when lamella-core is imported.

Finding the ``lamella`` entry points reads many small metadata files, and
the first ``ClientSession`` is usually created inside a running event loop,
where that file I/O would stall every other task. So importing lamella-core
starts a daemon thread that builds the plugin manager; the first session
then finds it ready (or, in the rare case it is still being built, waits on
a lock while the thread does the I/O). A failure is not reported here: the
first session builds the manager again and raises it.
"""

from __future__ import annotations

import threading

__all__ = ["discover_in_background"]


def discover_in_background() -> None:
    """Start building the plugin manager in a daemon thread."""
    threading.Thread(target=_discover, name="lamella-plugin-discovery", daemon=True).start()


def _discover() -> None:
    try:
        from lamella_core.plugins import get_plugin_manager

        get_plugin_manager()
    except Exception:
        pass
