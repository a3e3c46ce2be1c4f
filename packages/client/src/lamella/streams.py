"""``lamella.streams``: the response body stream, under the names of ``aiohttp.streams``.

Code ported from aiohttp keeps its ``from aiohttp.streams import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        EMPTY_PAYLOAD as EMPTY_PAYLOAD,
    )
    from lamella import (
        StreamReader as StreamReader,
    )

alias(
    __name__,
    (
        "EMPTY_PAYLOAD",
        "StreamReader",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
