"""``lamella.abc``: the interfaces of custom resolvers and cookie jars, as in ``aiohttp.abc``.

Code ported from aiohttp keeps its ``from aiohttp.abc import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella_core.abc`` and ``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella_core.abc import (
        AbstractCookieJar as AbstractCookieJar,
    )
    from lamella_core.abc import (
        AbstractResolver as AbstractResolver,
    )
    from lamella_core.abc import (
        ClearCookiePredicate as ClearCookiePredicate,
    )
    from lamella_core.abc import (
        ResolveResult as ResolveResult,
    )

alias(
    __name__,
    (
        "AbstractResolver",
        "ResolveResult",
        "AbstractCookieJar",
        "ClearCookiePredicate",
        "AbstractStreamWriter",
    ),
    sources=("lamella_core.abc", "lamella"),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
