"""WebSocket benchmarks: lamina's ws_connect beside aiohttp's (see bench_ws.py)."""
