"""The echo server of the WebSocket benchmarks: ``python echo_server.py PORT``.

websockets' asyncio server, compression off (both clients then frame
messages the same way), no size limit. It runs in its own process, pinned to
its own core when the harness can, so the client under test has a core of its
own. Prints ``ready`` once listening.
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed


async def echo(ws: ServerConnection) -> None:
    try:
        async for message in ws:
            await ws.send(message)
    except ConnectionClosed:
        pass


async def main(port: int) -> None:
    async with serve(echo, "127.0.0.1", port, compression=None, max_size=None):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
