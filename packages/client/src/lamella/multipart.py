"""``lamella.multipart``: the multipart writer and its helpers, as in ``aiohttp.multipart``.

Code ported from aiohttp keeps its ``from aiohttp.multipart import ...`` lines
with ``lamella`` in place of ``aiohttp``. The names are looked up in
``lamella`` on first access (see :mod:`lamella._aliases`),
so importing this module costs nothing; a name of aiohttp's module that
lamella does not provide is absent here too.
"""

from typing import TYPE_CHECKING

from ._aliases import alias

if TYPE_CHECKING:
    from lamella import (
        BadContentDispositionHeader as BadContentDispositionHeader,
    )
    from lamella import (
        BadContentDispositionParam as BadContentDispositionParam,
    )
    from lamella import (
        MultipartWriter as MultipartWriter,
    )
    from lamella import (
        content_disposition_filename as content_disposition_filename,
    )
    from lamella import (
        parse_content_disposition as parse_content_disposition,
    )

alias(
    __name__,
    (
        "MultipartReader",
        "MultipartWriter",
        "BodyPartReader",
        "BadContentDispositionHeader",
        "BadContentDispositionParam",
        "parse_content_disposition",
        "content_disposition_filename",
    ),
)

# Only the aliased names stay visible in dir().
del TYPE_CHECKING, alias
