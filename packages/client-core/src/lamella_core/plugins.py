"""The plugin manager: built once, lazily, from the ``lamella`` entry points.

The entry points are found off the event loop, by a thread that importing
lamella-core starts (see ``_discovery``); nothing is loaded then. The first
``ClientSession`` (or a direct call to :func:`get_plugin_manager`) builds
the manager: it adds the hook specifications, registers lamella-core's
fallbacks (``trylast``, so any sibling or third-party answer wins) and loads
every distribution found, unless ``LAMELLA_DISABLE_PLUGIN_AUTOLOAD`` is set
to a non-empty value.
"""

from __future__ import annotations

import os
import threading

import pluggy

from . import _defaults, _discovery, hookspecs

__all__ = ["PluginLoadError", "get_plugin_manager", "register", "unregister"]

_lock = threading.Lock()
_manager: pluggy.PluginManager | None = None


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
    manager = pluggy.PluginManager(_discovery.ENTRY_POINT_GROUP)
    manager.add_hookspecs(hookspecs)
    manager.register(_defaults, "lamella_core")
    if not os.environ.get("LAMELLA_DISABLE_PLUGIN_AUTOLOAD"):
        _load_entry_points(manager)
    return manager


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    for ep in _discovery.entry_points():
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
