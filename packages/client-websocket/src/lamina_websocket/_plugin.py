"""The hook implementations of lamina-websocket, found through the ``lamina`` entry point.

This module is imported by lamina-core's plugin manager the first time a
``ClientSession`` is created, so it stays cheap: it holds only hookimpls, and
each hook body imports the heavy modules it needs (websockets, zlib).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lamina_core import hookimpl

__all__ = ["lamina_websocket_support"]


@hookimpl
def lamina_websocket_support() -> Callable[..., Any]:
    """Give ``ClientSession.ws_connect`` its implementation."""
    from ._connect import session_ws_connect

    return session_ws_connect
