"""The machinery behind ``lamella.client_exceptions``, ``lamella.abc`` and the rest.

Code ported from aiohttp imports client names from aiohttp's submodules
(``from aiohttp.client_exceptions import ClientError``). Each module named
after one of them lists the client names aiohttp's module of the same name
has, and :func:`alias` turns it into an :class:`AliasModule` that looks a
name up in lamella's package roots on first access. Nothing is copied when
the module is imported: a name a distribution adds later appears in the
alias module as soon as its root has it, and ``import lamella`` loads none
of these modules. A listed name that no root has is absent, exactly as an
unknown name: ``AttributeError`` on access, missing from ``dir()`` and from
``from lamella.x import *``.
"""

import importlib
import sys
import types
from typing import Any

__all__ = ["AliasModule", "alias"]

_ABSENT: Any = object()


class AliasModule(types.ModuleType):
    """A module whose listed names are read from lamella's roots when first used."""

    _aliased: frozenset[str]
    _sources: tuple[str, ...]

    def __getattr__(self, name: str) -> Any:
        # Only reached for names not yet in the module's namespace.
        if name == "__all__":
            # Computed on every call and never stored, so names added to a
            # root later show up in `import *` too.
            return sorted(n for n in self._aliased if self._find(n) is not _ABSENT)
        if name in self._aliased:
            value = self._find(name)
            if value is not _ABSENT:
                setattr(self, name, value)  # later look-ups skip this method
                return value
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*self.__dict__, *self.__getattr__("__all__")})

    def _find(self, name: str) -> Any:
        """The first of the source roots' values for ``name``, or ``_ABSENT``."""
        for source in self._sources:
            value = getattr(importlib.import_module(source), name, _ABSENT)
            if value is not _ABSENT:
                return value
        return _ABSENT


def alias(
    module_name: str, names: tuple[str, ...], sources: tuple[str, ...] = ("lamella",)
) -> None:
    """Make the module ``module_name`` resolve ``names`` from the ``sources`` roots, in order."""
    module = sys.modules[module_name]
    module.__class__ = AliasModule
    assert isinstance(module, AliasModule)
    module._aliased = frozenset(names)
    module._sources = sources
