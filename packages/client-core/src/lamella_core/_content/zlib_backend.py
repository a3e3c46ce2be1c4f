"""The zlib implementation that request and response bodies are (de)compressed with.

The standard library's ``zlib`` by default; ``set_zlib_backend`` swaps in a
faster module with the same interface (``isal.isal_zlib``,
``zlib_ng.zlib_ng``), as aiohttp's ``set_zlib_backend`` does. Callers read
``module`` and ``errors`` at each use, so the swap applies to bodies
started afterwards.
"""

from __future__ import annotations

import zlib
from types import ModuleType
from typing import Any

__all__ = ["errors", "module", "set_zlib_backend"]

module: Any = zlib
errors: tuple[type[BaseException], ...] = (zlib.error,)

_NEEDED = ("compressobj", "decompressobj", "error", "MAX_WBITS")


def set_zlib_backend(new_zlib_backend: ModuleType | Any) -> None:
    """Use ``new_zlib_backend`` (a module with zlib's interface) for body compression.

    Raises:
        TypeError: the object lacks ``compressobj``, ``decompressobj``,
            ``error`` or ``MAX_WBITS``.
    """
    missing = [name for name in _NEEDED if not hasattr(new_zlib_backend, name)]
    if missing:
        raise TypeError(f"{new_zlib_backend!r} is not a zlib module: it lacks {', '.join(missing)}")
    global module, errors
    module = new_zlib_backend
    errors = tuple({zlib.error, new_zlib_backend.error})
