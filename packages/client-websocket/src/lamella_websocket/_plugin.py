"""The hook implementations of lamella-websocket, found through the ``lamella`` entry point.

This module is imported by lamella-core's plugin manager the first time a
``ClientSession`` is created, and the hook is called for every new session,
so both stay cheap: websockets and the WebSocket modules are imported by the
first ``ws_connect`` call, not before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lamella_core import hookimpl

__all__ = ["lamella_websocket_support"]


def _ws_connect(session: Any, url: Any, **kwargs: Any) -> Any:
    from ._connect import session_ws_connect

    return session_ws_connect(session, url, **kwargs)


@hookimpl
def lamella_websocket_support() -> Callable[..., Any]:
    """Give ``ClientSession.ws_connect`` its implementation."""
    return _ws_connect
