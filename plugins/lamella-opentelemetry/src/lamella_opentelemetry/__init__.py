"""lamella-opentelemetry: OpenTelemetry tracing and metrics for every lamella session.

Installed, it instruments each new ``ClientSession`` through the
``lamella_session_created`` hook, following the stable HTTP client semantic
conventions: a CLIENT span per request hop, the trace context propagated in
the request headers, and the ``http.client.request.duration`` histogram.
:func:`disabled`, :func:`uninstrument_session` and
``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=lamella`` turn it off;
:func:`instrument_session` instruments a session with other providers.
"""

from __future__ import annotations

from ._instrument import (
    OpenTelemetryTraceConfig,
    disabled,
    instrument_session,
    is_instrumented,
    uninstrument_session,
)
from ._version import __version__ as __version__

__all__ = [
    "OpenTelemetryTraceConfig",
    "disabled",
    "instrument_session",
    "is_instrumented",
    "uninstrument_session",
]
