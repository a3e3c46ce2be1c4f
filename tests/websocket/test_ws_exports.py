"""lamella-websocket's public names and its plugin."""

from __future__ import annotations

import importlib
import subprocess
import sys

import lamella_websocket
from lamella_core import ClientSession, plugins

MODULES = ["_connect", "_errors", "_models", "_response"]


def test_all_is_sorted_and_complete() -> None:
    assert lamella_websocket.__all__ == sorted(lamella_websocket.__all__)
    for name in lamella_websocket.__all__:
        assert hasattr(lamella_websocket, name), name


def test_every_module_declares_all() -> None:
    for name in [*MODULES, "_connection", "_handshake", "_compression", "_plugin"]:
        module = importlib.import_module(f"lamella_websocket.{name}")
        assert isinstance(module.__all__, list), name


def test_names_aiohttp_users_expect() -> None:
    expected = {
        "ClientWebSocketResponse",
        "ClientWSTimeout",
        "WSCloseCode",
        "WSMessage",
        "WSMessageTypeError",
        "WSMsgType",
        "WebSocketError",
        "ws_connect",
    }
    # lamella's own addition: the max_msg_size error, also a ClientLimits error.
    assert expected | {"WebSocketMessageTooBig"} == set(lamella_websocket.__all__)


def test_the_hook_answers_for_every_session() -> None:
    from lamella_websocket._plugin import _ws_connect

    pm = plugins.get_plugin_manager()
    pm.check_pending()
    assert pm.hook.lamella_websocket_support() is _ws_connect


def test_the_plugin_module_is_cheap() -> None:
    code = (
        "import sys, asyncio, lamella_core\n"
        "async def main():\n"
        "    async with lamella_core.ClientSession():\n"
        "        pass\n"
        "asyncio.run(main())\n"
        "assert 'lamella_websocket._plugin' in sys.modules\n"
        "print(sorted(m for m in ('websockets', 'lamella_websocket._response') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_session_ws_connect_is_wired() -> None:
    async with ClientSession() as session:
        manager = session.ws_connect("ws://127.0.0.1:1/")
        assert hasattr(manager, "__aenter__")
        assert hasattr(manager, "__await__")
        manager.close()  # never awaited: closing the coroutine avoids a warning


def test_lamella_reexports_the_websocket_names_lazily() -> None:
    import lamella

    for name in lamella_websocket.__all__:
        assert name in lamella.__all__
        assert getattr(lamella, name) is getattr(lamella_websocket, name)
    code = "import sys, lamella; print('websockets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
