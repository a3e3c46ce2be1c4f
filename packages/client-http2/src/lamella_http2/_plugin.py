"""The hook implementation of lamella-http2, found through the ``lamella`` entry point.

Imported by lamella-core's plugin manager when it is built, so it stays
cheap: the hook body imports the connection module only when asked.
"""

from __future__ import annotations

from collections.abc import Callable

from lamella_core import hookimpl
from lamella_core.connection import AbstractConnection

__all__ = ["lamella_http2_connection"]


@hookimpl
def lamella_http2_connection() -> Callable[..., AbstractConnection]:
    """``H2Connection`` is what a connector opens when a server speaks HTTP/2."""
    from ._connection import H2Connection

    return H2Connection
