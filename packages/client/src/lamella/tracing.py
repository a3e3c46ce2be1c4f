"""``lamella.tracing``: the request tracing classes, under the names of ``aiohttp.tracing``.

Code ported from aiohttp keeps its ``from aiohttp.tracing import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        TraceConfig as TraceConfig,
    )
    from lamella import (
        TraceConnectionCreateEndParams as TraceConnectionCreateEndParams,
    )
    from lamella import (
        TraceConnectionCreateStartParams as TraceConnectionCreateStartParams,
    )
    from lamella import (
        TraceConnectionQueuedEndParams as TraceConnectionQueuedEndParams,
    )
    from lamella import (
        TraceConnectionQueuedStartParams as TraceConnectionQueuedStartParams,
    )
    from lamella import (
        TraceConnectionReuseconnParams as TraceConnectionReuseconnParams,
    )
    from lamella import (
        TraceDnsCacheHitParams as TraceDnsCacheHitParams,
    )
    from lamella import (
        TraceDnsCacheMissParams as TraceDnsCacheMissParams,
    )
    from lamella import (
        TraceDnsResolveHostEndParams as TraceDnsResolveHostEndParams,
    )
    from lamella import (
        TraceDnsResolveHostStartParams as TraceDnsResolveHostStartParams,
    )
    from lamella import (
        TraceRequestChunkSentParams as TraceRequestChunkSentParams,
    )
    from lamella import (
        TraceRequestEndParams as TraceRequestEndParams,
    )
    from lamella import (
        TraceRequestExceptionParams as TraceRequestExceptionParams,
    )
    from lamella import (
        TraceRequestHeadersSentParams as TraceRequestHeadersSentParams,
    )
    from lamella import (
        TraceRequestRedirectParams as TraceRequestRedirectParams,
    )
    from lamella import (
        TraceRequestStartParams as TraceRequestStartParams,
    )
    from lamella import (
        TraceResponseChunkReceivedParams as TraceResponseChunkReceivedParams,
    )

alias(
    __name__,
    (
        "TraceConfig",
        "TraceRequestStartParams",
        "TraceRequestEndParams",
        "TraceRequestExceptionParams",
        "TraceConnectionQueuedStartParams",
        "TraceConnectionQueuedEndParams",
        "TraceConnectionCreateStartParams",
        "TraceConnectionCreateEndParams",
        "TraceConnectionReuseconnParams",
        "TraceDnsResolveHostStartParams",
        "TraceDnsResolveHostEndParams",
        "TraceDnsCacheHitParams",
        "TraceDnsCacheMissParams",
        "TraceRequestRedirectParams",
        "TraceRequestChunkSentParams",
        "TraceResponseChunkReceivedParams",
        "TraceRequestHeadersSentParams",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
