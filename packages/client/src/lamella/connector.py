"""``lamella.connector``: the connectors, under the names of ``aiohttp.connector``.

Code ported from aiohttp keeps its ``from aiohttp.connector import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        BaseConnector as BaseConnector,
    )
    from lamella import (
        Connection as Connection,
    )
    from lamella import (
        TCPConnector as TCPConnector,
    )
    from lamella import (
        UnixConnector as UnixConnector,
    )

alias(
    __name__,
    (
        "BaseConnector",
        "TCPConnector",
        "UnixConnector",
        "NamedPipeConnector",
        "AddrInfoType",
        "SocketFactoryType",
        "Connection",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
