"""``lamella.payload``: the request body classes, under the names of ``aiohttp.payload``.

Code ported from aiohttp keeps its ``from aiohttp.payload import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        AsyncIterablePayload as AsyncIterablePayload,
    )
    from lamella import (
        BytesPayload as BytesPayload,
    )
    from lamella import (
        JsonPayload as JsonPayload,
    )
    from lamella import (
        Payload as Payload,
    )
    from lamella import (
        StringPayload as StringPayload,
    )

alias(
    __name__,
    (
        "PAYLOAD_REGISTRY",
        "get_payload",
        "payload_type",
        "Payload",
        "BytesPayload",
        "StringPayload",
        "IOBasePayload",
        "BytesIOPayload",
        "BufferedReaderPayload",
        "TextIOPayload",
        "StringIOPayload",
        "JsonPayload",
        "JsonBytesPayload",
        "AsyncIterablePayload",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
