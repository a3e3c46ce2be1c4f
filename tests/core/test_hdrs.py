"""``lamella_core.hdrs``: the constants code ported from ``aiohttp.hdrs`` imports."""

from __future__ import annotations

import aiohttp.hdrs
from multidict import CIMultiDict, istr

from lamella_core import ClientSession, hdrs


def test_every_aiohttp_name_constant_is_there_with_the_same_value() -> None:
    theirs = {
        name: value
        for name, value in vars(aiohttp.hdrs).items()
        if name.isupper() and isinstance(value, str)
    }
    missing = sorted(set(theirs) - set(hdrs.__all__))
    assert missing == []
    ours = {name: getattr(hdrs, name).lower() for name in theirs}
    assert ours == {name: value.lower() for name, value in theirs.items()}
    assert hdrs.METH_ALL == aiohttp.hdrs.METH_ALL


def test_header_names_are_case_insensitive_strings() -> None:
    names = [getattr(hdrs, name) for name in hdrs.__all__ if not name.startswith("METH_")]
    assert all(isinstance(name, istr) for name in names)
    assert hdrs.CONTENT_TYPE == "Content-Type"
    assert CIMultiDict({"content-type": "text/plain"})[hdrs.CONTENT_TYPE] == "text/plain"
    assert hdrs.METH_GET == "GET"
    assert hdrs.METH_ANY == "*"


async def test_constants_work_as_header_keys(http_server) -> None:
    async with ClientSession(headers={hdrs.USER_AGENT: "ported"}) as session:
        async with session.request(hdrs.METH_POST, http_server / "echo", data=b"x") as resp:
            got = await resp.json()
            assert resp.headers[hdrs.CONTENT_TYPE].startswith("application/json")
    assert ["User-Agent", "ported"] in got["headers"]
    assert got["method"] == "POST"
