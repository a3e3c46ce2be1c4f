"""An aiohttp.web application served on loopback, for tests that need their own routes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from aiohttp import web
from yarl import URL


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[URL]:
    """Serve ``app`` on 127.0.0.1 at a free port; yield its base URL, then clean up."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield URL(f"http://127.0.0.1:{runner.addresses[0][1]}/")
    finally:
        await runner.cleanup()
