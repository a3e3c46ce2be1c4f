"""The hook that instruments every new session, unless told not to.

A session is left alone inside :func:`lamella_opentelemetry.disabled`, and
every session when ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` names ``lamella``
(the variable OpenTelemetry's instrumentations share).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lamella_core import hookimpl

from ._instrument import instrument_session, instrumentation_disabled

if TYPE_CHECKING:
    from lamella_core import ClientSession

__all__ = ["lamella_session_created"]


def _disabled_by_environment() -> bool:
    names = os.environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "")
    return "lamella" in {name.strip() for name in names.split(",")}


@hookimpl
def lamella_session_created(session: ClientSession) -> None:
    """Instrument ``session`` with the global tracer and meter providers."""
    if instrumentation_disabled() or _disabled_by_environment():
        return
    instrument_session(session)
