"""TLS through core's own connector, against an aiohttp.web server with trustme certificates."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import pytest
import trustme
from aiohttp import web
from yarl import URL

from lamella_core import BasicTCPConnector, ClientSession
from lamella_core.exceptions import (
    ClientConnectorCertificateError,
    ClientConnectorSSLError,
    ClientSSLError,
)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


async def _serve(cert: trustme.LeafCert) -> AsyncIterator[URL]:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"tls {request.secure}")

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    try:
        yield URL(f"https://127.0.0.1:{runner.addresses[0][1]}/")
    finally:
        # A TLS shutdown waits on its peer: end the server's connections now,
        # so none is still closing when the test's loop goes away.
        if runner.server is not None:
            for handler in list(runner.server.connections):
                if handler.transport is not None:
                    handler.transport.abort()
        await runner.cleanup()


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[URL]:
    """An https server whose certificate names 127.0.0.1 and localhost."""
    async for url in _serve(ca.issue_cert("127.0.0.1", "localhost")):
        yield url


@pytest.fixture
async def other_name_server(ca: trustme.CA) -> AsyncIterator[URL]:
    """An https server on 127.0.0.1 whose certificate names only lamella.test."""
    async for url in _serve(ca.issue_cert("lamella.test")):
        yield url


@pytest.fixture
def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def test_untrusted_certificate_is_refused_by_default(tls_server):
    async with ClientSession() as session:
        with pytest.raises(ClientConnectorCertificateError) as info:
            await session.get(tls_server)
    assert isinstance(info.value, ClientSSLError)
    assert isinstance(info.value.certificate_error, ssl.SSLCertVerificationError)
    assert info.value.host == "127.0.0.1"


async def test_trusted_ca_through_the_connector(tls_server, trusting):
    connector = BasicTCPConnector(ssl=trusting)
    async with ClientSession(connector=connector) as session, session.get(tls_server) as resp:
        assert await resp.text() == "tls True"


async def test_trusted_ca_per_request(tls_server, trusting):
    async with ClientSession() as session, session.get(tls_server, ssl=trusting) as resp:
        assert resp.status == 200


async def test_ssl_false_skips_verification(tls_server):
    async with ClientSession() as session, session.get(tls_server, ssl=False) as resp:
        assert await resp.text() == "tls True"


async def test_host_name_is_checked(other_name_server, trusting):
    async with ClientSession() as session:
        with pytest.raises(ClientConnectorCertificateError):
            await session.get(other_name_server, ssl=trusting)


async def test_server_hostname_sets_sni_and_the_checked_name(other_name_server, trusting):
    async with (
        ClientSession() as session,
        session.get(other_name_server, ssl=trusting, server_hostname="lamella.test") as resp,
    ):
        assert resp.status == 200


async def test_tls_to_a_plain_server_is_an_ssl_error(http_server):
    url = http_server.url.with_scheme("https")
    async with ClientSession() as session:
        with pytest.raises(ClientConnectorSSLError) as info:
            await session.get(url)
    assert isinstance(info.value, ssl.SSLError)


def test_bad_ssl_setting_is_refused_at_construction():
    with pytest.raises(TypeError):
        BasicTCPConnector(ssl="yes")
