"""lamella-cookies' public surface: explicit, complete, and every module declares ``__all__``."""

from __future__ import annotations

import importlib
import pkgutil

import lamella_cookies


def test_public_names() -> None:
    assert lamella_cookies.__all__ == ["CookieJar", "CookieJarFormatError", "CookieLimits"]
    for name in lamella_cookies.__all__:
        assert getattr(lamella_cookies, name).__module__.startswith("lamella_cookies._")


def test_every_module_declares_all() -> None:
    for info in pkgutil.walk_packages(lamella_cookies.__path__, "lamella_cookies."):
        module = importlib.import_module(info.name)
        assert isinstance(getattr(module, "__all__", None), list), info.name


def test_matches_aiohttp_constructor() -> None:
    import inspect

    from aiohttp import CookieJar as AiohttpJar

    ours = inspect.signature(lamella_cookies.CookieJar).parameters
    theirs = inspect.signature(AiohttpJar).parameters
    for name, parameter in theirs.items():
        assert name in ours, name
        assert ours[name].default == parameter.default, name
        assert ours[name].kind == parameter.kind, name
