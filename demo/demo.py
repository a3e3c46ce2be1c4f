"""lamina's demo: a GET and a POST of JSON against a loopback server it starts itself.

Run it with ``hatch run demo:run``. It needs no network: the server is a tiny
ASGI application served by uvicorn on 127.0.0.1, on a port the OS picks.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

import lamina

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


# -- the server ---------------------------------------------------------------


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """``GET /hello`` greets; ``POST /echo`` answers with the JSON it was sent."""
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break

    if scope["method"] == "GET" and scope["path"] == "/hello":
        status, payload = 200, {"greeting": "hello from the loopback server"}
    elif scope["method"] == "POST" and scope["path"] == "/echo":
        try:
            status, payload = 200, {"you_sent": json.loads(body)}
        except ValueError:
            status, payload = 400, {"error": "the body is not JSON"}
    else:
        status, payload = 404, {"error": f"no route for {scope['method']} {scope['path']}"}

    data = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


async def start_server() -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():  # failed to start: surface its error
            await task
        await asyncio.sleep(0.01)
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return server, task, f"http://{host}:{port}"


# -- the client ---------------------------------------------------------------


async def main() -> int:
    server, task, base = await start_server()
    print(f"server: uvicorn listening on {base}")
    try:
        async with lamina.ClientSession() as session:
            print(f"\nGET {base}/hello")
            async with session.get(f"{base}/hello") as resp:
                print(f"  -> {resp.status} {resp.reason}, {resp.content_type}")
                print(f"  -> body: {await resp.json()}")
                if resp.status != 200:
                    return 1

            payload = {"name": "lamina", "numbers": [1, 2, 3]}
            print(f"\nPOST {base}/echo  json={payload}")
            async with session.post(f"{base}/echo", json=payload) as resp:
                answer = await resp.json()
                print(f"  -> {resp.status} {resp.reason}, {resp.content_type}")
                print(f"  -> body: {answer}")
                if resp.status != 200 or answer != {"you_sent": payload}:
                    return 1
        print("\nboth requests went through lamina.ClientSession; done.")
        return 0
    finally:
        server.should_exit = True
        await task


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
