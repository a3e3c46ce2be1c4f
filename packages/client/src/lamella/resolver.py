"""``lamella.resolver``: the DNS resolvers, under the names of ``aiohttp.resolver``.

Code ported from aiohttp keeps its ``from aiohttp.resolver import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        AsyncResolver as AsyncResolver,
    )
    from lamella import (
        DefaultResolver as DefaultResolver,
    )
    from lamella import (
        ThreadedResolver as ThreadedResolver,
    )

alias(
    __name__,
    (
        "ThreadedResolver",
        "AsyncResolver",
        "DefaultResolver",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
