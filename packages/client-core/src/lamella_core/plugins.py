"""The plugin manager: built once, lazily, from the ``lamella`` entry points.

Nothing is loaded on the importing thread: importing lamella-core starts
building the manager in a daemon thread (``_discovery``), so that the first
``ClientSession``, usually created inside a running event loop, does no
file I/O on the loop's thread. The manager is built once: it adds the hook
specifications, registers lamella-core's fallbacks (``trylast``, so any
sibling or third-party answer wins) and loads every distribution that
declares a ``lamella`` entry point, unless ``LAMELLA_DISABLE_PLUGIN_AUTOLOAD``
is set to a non-empty value.
"""

from __future__ import annotations

import importlib.metadata
import os
import threading

import pluggy

from . import _defaults, hookspecs

__all__ = ["PluginLoadError", "get_plugin_manager", "register", "unregister"]

_ENTRY_POINT_GROUP = "lamella"
_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None


def _new_lock_in_child() -> None:
    # A fork taken while the discovery thread held the lock would leave the
    # child's copy locked forever; the child builds its own manager if needed.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


class PluginLoadError(ImportError):
    """An entry point of the ``lamella`` group failed to import."""


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide plugin manager, building it on first use."""
    global _manager
    manager = _manager
    if manager is not None:
        return manager
    with _lock:
        if _manager is None:
            _manager = _build()
        return _manager


def register(plugin: object, name: str | None = None) -> str | None:
    """Register a plugin object at run time (tests, applications)."""
    return get_plugin_manager().register(plugin, name)


def unregister(plugin: object) -> None:
    """Remove a plugin registered with :func:`register`."""
    get_plugin_manager().unregister(plugin)


def _build() -> pluggy.PluginManager:
    manager = pluggy.PluginManager(_ENTRY_POINT_GROUP)
    manager.add_hookspecs(hookspecs)
    manager.register(_defaults, "lamella_core")
    if not os.environ.get("LAMELLA_DISABLE_PLUGIN_AUTOLOAD"):
        _load_entry_points(manager)
    return manager


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    for ep in importlib.metadata.entry_points(group=_ENTRY_POINT_GROUP):
        if manager.get_plugin(ep.name) is not None or ep.value == _defaults.__name__:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            dist = ep.dist.name if ep.dist is not None else "an unknown distribution"
            raise PluginLoadError(
                f"lamella plugin {ep.name!r} ({ep.value}) from {dist} failed to import: {exc}"
            ) from exc
        manager.register(plugin, ep.name)
