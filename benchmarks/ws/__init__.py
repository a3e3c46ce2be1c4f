"""WebSocket benchmarks: lamella's ws_connect beside aiohttp's (see bench_ws.py)."""
