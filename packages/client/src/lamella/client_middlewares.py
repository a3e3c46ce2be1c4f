"""``lamella.client_middlewares``: the middleware types, under the names of
``aiohttp.client_middlewares``.

Code ported from aiohttp keeps its ``from aiohttp.client_middlewares import
...`` lines with ``lamella`` in place of ``aiohttp``. The names are looked up
in ``lamella`` on first access (see :mod:`lamella._aliases`), so importing
this module costs nothing; a name of aiohttp's module that lamella does not
provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        ClientHandlerType as ClientHandlerType,
    )
    from lamella import (
        ClientMiddlewareType as ClientMiddlewareType,
    )

alias(
    __name__,
    ("ClientHandlerType", "ClientMiddlewareType"),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
