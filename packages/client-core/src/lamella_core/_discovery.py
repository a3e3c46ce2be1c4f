"""Finds the ``lamella`` entry points in a thread started when lamella-core is imported.

Finding them reads every installed distribution's metadata from disk. Done
by the first ``ClientSession``, which is usually made inside a running
event loop, that file I/O would block the loop; done at import, it would
slow down ``import lamella_core``. So the import starts one short-lived
daemon thread that imports pluggy and reads the entry points, and the plugin
manager takes its result. The manager waits for the thread only when a
session is made within milliseconds of the import, and scans by itself when
the thread never ran in this process (a child forked before it finished).

The last line of ``lamella_core/__init__.py`` starts the thread, not this
module: started earlier, it competed for the GIL with the rest of the import
and made ``import lamella`` about 20% slower on one core.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.metadata import EntryPoints

__all__ = ["ENTRY_POINT_GROUP", "entry_points", "start"]

ENTRY_POINT_GROUP = "lamella"
_found: list[EntryPoints] = []


def _scan() -> None:
    import importlib.metadata

    import pluggy  # noqa: F401  (imported here, off the loop, for the plugin manager)

    _found.append(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def entry_points() -> EntryPoints:
    """The group's entry points, as found by the discovery thread."""
    if _thread.ident is not None:  # started
        _thread.join()
    if not _found:
        _scan()
    return _found[0]


def start() -> None:
    """Start the discovery thread (once, when lamella_core has been imported)."""
    _thread.start()


_thread = threading.Thread(target=_scan, name="lamella-plugin-discovery", daemon=True)
