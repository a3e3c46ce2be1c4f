"""Small aiohttp 3.12-3.14 names: encode_basic_auth and set_zlib_backend."""

from __future__ import annotations

import types
import zlib
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

import lamella
from lamella_core import BasicAuth, ClientSession, encode_basic_auth, set_zlib_backend


def test_encode_basic_auth_is_aiohttps() -> None:
    for args in (("user", "pass"), ("üser", "pässword", "latin1"), ("only",)):
        assert encode_basic_auth(*args) == aiohttp.encode_basic_auth(*args)
    assert encode_basic_auth("u", "p") == BasicAuth("u", "p", "utf-8").encode()
    with pytest.raises(ValueError, match="not allowed in login"):
        encode_basic_auth("a:b", "c")
    assert lamella.encode_basic_auth is encode_basic_auth


class CountingZlib(types.SimpleNamespace):
    """A zlib backend that is zlib, counting what it is asked to make."""

    def __init__(self) -> None:
        super().__init__(MAX_WBITS=zlib.MAX_WBITS, error=zlib.error)
        self.made: list[str] = []

    def compressobj(self, *args: Any, **kwargs: Any) -> Any:
        self.made.append("compressobj")
        return zlib.compressobj(*args, **kwargs)

    def decompressobj(self, *args: Any, **kwargs: Any) -> Any:
        self.made.append("decompressobj")
        return zlib.decompressobj(*args, **kwargs)


@pytest.fixture
def backend() -> Iterator[CountingZlib]:
    counting = CountingZlib()
    set_zlib_backend(counting)
    try:
        yield counting
    finally:
        set_zlib_backend(zlib)


async def test_set_zlib_backend_decodes_and_compresses_bodies(http_server, backend) -> None:
    async with ClientSession() as session:
        async with session.get(http_server / "gzip") as resp:
            assert await resp.read()
        assert backend.made == ["decompressobj"]
        async with session.post(http_server / "echo", data=b"z" * 1000, compress="gzip") as resp:
            assert resp.status == 200
        assert backend.made == ["decompressobj", "compressobj"]


def test_set_zlib_backend_refuses_what_is_not_a_zlib() -> None:
    with pytest.raises(TypeError, match="lacks compressobj"):
        set_zlib_backend(types.SimpleNamespace(decompressobj=zlib.decompressobj))
    assert lamella.set_zlib_backend is set_zlib_backend
