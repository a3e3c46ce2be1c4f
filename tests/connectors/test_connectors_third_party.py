"""A third-party connector built on public names: tests/connectors/plugin_dist.

``lamella-connect-to`` is installed in the test environment as an ordinary
distribution, as users would install an outside author's connector. It opens
the socket somewhere else than the URL names, keeps TLS verified for the name
asked for, and claims the ``connect-to://`` proxy scheme through its entry
point. Every test runs against a real aiohttp.web server on 127.0.0.1.
"""

from __future__ import annotations

import ast
import importlib.metadata
import ssl
from pathlib import Path

import lamella_connect_to
import pytest
import trustme
from connector_helpers import free_port, serve, server_context
from yarl import URL

from lamella_core import ClientSession
from lamella_core.exceptions import ClientConnectorCertificateError, ClientConnectorError


@pytest.fixture
async def service_server(ca: trustme.CA):
    """An https server whose certificate names only ``service.test``."""
    async for url in serve(server_context(ca.issue_cert("service.test"))):
        yield url


def test_it_imports_only_public_names_of_lamella() -> None:
    source = Path(lamella_connect_to.__file__).parent
    for path in source.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                parts = node.module.split(".")
                assert not any(p.startswith("_") for p in parts[1:]), (path.name, node.module)


def test_it_is_found_through_the_entry_point() -> None:
    (point,) = [
        ep for ep in importlib.metadata.entry_points(group="lamella") if ep.name == "connect-to"
    ]
    assert point.dist is not None
    assert point.dist.name == "lamella-connect-to"


async def test_plain_http_is_sent_to_the_routed_address(plain_server: URL) -> None:
    connector = lamella_connect_to.ConnectToConnector(
        {("service.test", 80): ("127.0.0.1", plain_server.port)}
    )
    async with ClientSession(connector=connector) as session:
        async with session.get("http://service.test/echo") as resp:
            echoed = await resp.json()
        again = await session.get("http://service.test/hello")
        assert await again.text() == "Hello, world!"
        # Both requests went over the one pooled connection.
        assert "idle=1" in repr(connector)
    assert echoed["path"] == "/echo"
    assert echoed["host"] == "service.test"


async def test_tls_is_verified_for_the_name_asked_for(
    service_server: URL, trusting: ssl.SSLContext
) -> None:
    routes = {("service.test", 443): ("127.0.0.1", service_server.port)}
    connector = lamella_connect_to.ConnectToConnector(routes, ssl=trusting)
    async with ClientSession(connector=connector) as session:
        async with session.get("https://service.test/hello") as resp:
            assert await resp.text() == "Hello, world!"
        other = lamella_connect_to.ConnectToConnector(
            {("other.test", 443): ("127.0.0.1", service_server.port)}, ssl=trusting
        )
        async with ClientSession(connector=other) as strict:
            with pytest.raises(ClientConnectorCertificateError):
                await strict.get("https://other.test/hello")


async def test_connect_errors_are_lamellas() -> None:
    connector = lamella_connect_to.ConnectToConnector(default=("127.0.0.1", free_port()))
    async with ClientSession(connector=connector) as session:
        with pytest.raises(ClientConnectorError):
            await session.get("http://service.test/hello")


async def test_the_proxy_scheme_routes_one_request(plain_server: URL) -> None:
    async with ClientSession() as session:
        proxy = f"connect-to://127.0.0.1:{plain_server.port}"
        async with session.get("http://service.test/echo", proxy=proxy) as resp:
            echoed = await resp.json()
    assert (echoed["path"], echoed["host"]) == ("/echo", "service.test")
