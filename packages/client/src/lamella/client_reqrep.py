"""``lamella.client_reqrep``: the request and response classes, as in ``aiohttp.client_reqrep``.

Code ported from aiohttp keeps its ``from aiohttp.client_reqrep import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        ClientRequest as ClientRequest,
    )
    from lamella import (
        ClientResponse as ClientResponse,
    )
    from lamella import (
        ContentDisposition as ContentDisposition,
    )
    from lamella import (
        Fingerprint as Fingerprint,
    )
    from lamella import (
        RequestInfo as RequestInfo,
    )

alias(
    __name__,
    (
        "ClientRequest",
        "ClientResponse",
        "RequestInfo",
        "Fingerprint",
        "ContentDisposition",
        "UploadTracker",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
