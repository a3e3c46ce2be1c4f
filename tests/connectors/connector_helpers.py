"""Helpers shared by the connector tests."""

from __future__ import annotations

import asyncio
import socket

from lamina_core.abc import AbstractResolver, ResolveResult


class FixedResolver(AbstractResolver):
    """Answers every name with chosen (host, port) pairs; counts its lookups."""

    def __init__(self, *addresses: tuple[str, int], delay: float = 0, fail: bool = False) -> None:
        self.addresses = addresses
        self.delay = delay
        self.fail = fail
        self.lookups: list[str] = []
        self.closed = False

    async def resolve(self, host, port=0, family=socket.AF_INET) -> list[ResolveResult]:
        self.lookups.append(host)
        await asyncio.sleep(self.delay)
        if self.fail:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            {
                "hostname": host,
                "host": addr,
                "port": addr_port,
                "family": socket.AF_INET6 if ":" in addr else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for addr, addr_port in self.addresses
        ]

    async def close(self) -> None:
        self.closed = True
