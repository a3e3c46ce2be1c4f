"""A WebSocket's connection stays lent from the session's pool, as in aiohttp."""

from __future__ import annotations

import asyncio

import pytest

from lamella_core import BasicTCPConnector, ClientSession
from lamella_websocket import WSMsgType, ws_connect
from state_checks import eventually


@pytest.mark.parametrize("kind", ["websockets", "aiohttp"])
async def test_closing_the_session_closes_its_websockets(start_peer, kind):
    peer = await start_peer(kind, "ws")
    session = ClientSession()
    ws = await session.ws_connect(peer / "echo")
    await session.close()
    msg = await asyncio.wait_for(ws.receive(), 5)
    assert msg.type in (WSMsgType.CLOSED, WSMsgType.CLOSE, WSMsgType.ERROR)
    await ws.close()
    assert ws.closed


async def test_a_websocket_counts_against_the_limit(start_peer):
    peer = await start_peer("websockets", "ws")
    connector = BasicTCPConnector(limit=1)
    async with ClientSession(connector=connector) as session:
        ws = await session.ws_connect(peer / "echo")
        assert connector.stats().total.in_use == 1
        await ws.close()
        await eventually(lambda: connector.stats().total.in_use == 0)


async def test_module_level_ws_connect_closes_its_session_with_the_websocket(
    start_peer, monkeypatch
):
    peer = await start_peer("websockets", "ws")
    closed: list[ClientSession] = []
    done = asyncio.Event()
    close = ClientSession.close

    async def recording_close(session: ClientSession) -> None:
        await close(session)
        closed.append(session)
        done.set()

    monkeypatch.setattr(ClientSession, "close", recording_close)
    async with ws_connect(peer / "echo") as ws:
        await ws.send_str("hello")
        msg = await ws.receive()
        assert msg.type == WSMsgType.TEXT
        assert not closed
    assert ws.closed
    # The short-lived session closes once the connection is gone.
    await asyncio.wait_for(done.wait(), 5)
    assert len(closed) == 1
    assert closed[0].closed
