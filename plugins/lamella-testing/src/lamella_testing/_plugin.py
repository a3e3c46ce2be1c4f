"""The hook through which a started ``MockRouter`` answers new sessions.

Registered through the ``lamella`` entry point (or by the first router
started, when entry points are not loaded) and asked first, it returns a
``MockConnector`` while a router is started, and None (letting the next
plugin build the usual connector) otherwise.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from lamella_core import BaseConnector, hookimpl, plugins

if TYPE_CHECKING:
    from ._router import MockRouter

__all__ = ["activate", "active_router", "deactivate", "lamella_default_connector"]

_ACTIVE: list[MockRouter] = []


def active_router() -> MockRouter | None:
    """The router started last and not stopped yet, which new sessions use."""
    return _ACTIVE[-1] if _ACTIVE else None


def activate(router: MockRouter) -> None:
    """Make ``router`` answer sessions created from now on."""
    manager = plugins.get_plugin_manager()
    module = sys.modules[__name__]
    if not manager.is_registered(module):  # LAMELLA_DISABLE_PLUGIN_AUTOLOAD is set
        plugins.register(module, "testing")
    _ACTIVE.append(router)


def deactivate(router: MockRouter) -> None:
    """Stop ``router`` answering new sessions (sessions that have its connector keep it)."""
    if router in _ACTIVE:
        _ACTIVE.remove(router)


@hookimpl(tryfirst=True)
def lamella_default_connector(connector_kwargs: dict[str, Any]) -> BaseConnector | None:
    """The started router's connector, for a session created without ``connector=``."""
    router = active_router()
    return None if router is None else router.connector(**connector_kwargs)
