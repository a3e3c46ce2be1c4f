"""TLS through TCPConnector: verification by default, pinning, and the error classes."""

from __future__ import annotations

import asyncio
import hashlib
import pickle
import ssl

import pytest
from connector_helpers import certificate_digest, serve, server_context

from lamella_connectors import Fingerprint, TCPConnector
from lamella_core import ClientSession, TraceConfig
from lamella_core.exceptions import (
    ClientConnectorCertificateError,
    ClientConnectorSSLError,
    ClientSSLError,
    ServerFingerprintMismatch,
)


async def test_verification_is_on_by_default(tls_server):
    async with ClientSession(connector=TCPConnector()) as session:
        with pytest.raises(ClientConnectorCertificateError) as info:
            await session.get(tls_server / "hello")
    assert isinstance(info.value, ClientSSLError)
    assert isinstance(info.value.certificate_error, ssl.SSLCertVerificationError)


async def test_certificate_error_carries_the_ssl_error_and_pickles(tls_server):
    async with ClientSession(connector=TCPConnector()) as session:
        with pytest.raises(ClientConnectorCertificateError) as info:
            await session.get(tls_server / "hello")
    err = info.value
    cause = err.certificate_error
    # As aiohttp's: the ssl error is the os_error, ssl is whether TLS was used.
    assert err.os_error is cause
    assert (err.errno, err.strerror) == (cause.errno, cause.strerror)
    assert (err.host, err.port, err.ssl) == ("127.0.0.1", tls_server.port, True)
    assert str(err).startswith(f"Cannot connect to host 127.0.0.1:{tls_server.port} ssl:True [")
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is ClientConnectorCertificateError
    assert (copy.host, copy.port, copy.ssl, copy.errno) == (err.host, err.port, True, err.errno)
    assert copy.certificate_error.args == cause.args


async def test_a_trusted_certificate_passes(tls_server, trusting):
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        async with session.get(tls_server / "echo") as resp:
            assert (await resp.json())["secure"] is True
    # The request's own ssl= wins over the connector's.
    async with ClientSession(connector=TCPConnector()) as session:
        async with session.get(tls_server / "hello", ssl=trusting) as resp:
            assert resp.status == 200


async def test_host_name_mismatch_is_a_certificate_error(ca, trusting):
    async for url in serve(server_context(ca.issue_cert("elsewhere.test"))):
        async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
            with pytest.raises(ClientConnectorCertificateError, match=r"127\.0\.0\.1"):
                await session.get(url / "hello")


async def test_ssl_false_skips_verification(tls_server):
    async with ClientSession(connector=TCPConnector(ssl=False)) as session:
        async with session.get(tls_server / "hello") as resp:
            assert await resp.text() == "Hello, world!"


async def test_other_tls_failures_are_ssl_errors(plain_server):
    # TLS to a server that speaks plain HTTP: the handshake fails, not verification.
    url = plain_server.with_scheme("https")
    async with ClientSession(connector=TCPConnector()) as session:
        with pytest.raises(ClientConnectorSSLError) as info:
            await session.get(url / "hello")
    assert isinstance(info.value, ssl.SSLError)
    assert not isinstance(info.value, ClientConnectorCertificateError)


async def test_a_matching_fingerprint_is_accepted(tls_server):
    pin = Fingerprint(await certificate_digest(tls_server))
    async with ClientSession(connector=TCPConnector(ssl=pin)) as session:
        async with session.get(tls_server / "hello") as resp:
            assert resp.status == 200
    async with ClientSession(connector=TCPConnector()) as session:
        async with session.get(tls_server / "hello", ssl=pin) as resp:
            assert resp.status == 200


async def test_a_different_fingerprint_raises_mismatch(tls_server):
    expected = hashlib.sha256(b"some other certificate").digest()
    connector = TCPConnector(ssl=Fingerprint(expected))
    async with ClientSession(connector=connector) as session:
        with pytest.raises(ServerFingerprintMismatch) as info:
            await session.get(tls_server / "hello")
        assert connector.stats().total.in_use == 0
    assert info.value.expected == expected
    assert info.value.got == await certificate_digest(tls_server)
    assert (info.value.host, info.value.port) == ("127.0.0.1", tls_server.port)


async def test_fingerprint_check_alone_names_the_peer(tls_server, plain_server):
    # aiohttp's one-argument check(transport): host and port come from the socket.
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    _, writer = await asyncio.open_connection("127.0.0.1", tls_server.port, ssl=context)
    try:
        Fingerprint(await certificate_digest(tls_server)).check(writer.transport)
        with pytest.raises(ServerFingerprintMismatch) as info:
            Fingerprint(hashlib.sha256(b"another").digest()).check(writer.transport)
        assert (info.value.host, info.value.port) == ("127.0.0.1", tls_server.port)
        assert writer.transport.is_closing()  # aborted: nothing more for that server
    finally:
        writer.close()
        await writer.wait_closed()
    _, plain = await asyncio.open_connection("127.0.0.1", plain_server.port)
    try:
        assert Fingerprint(hashlib.sha256(b"x").digest()).check(plain.transport) is None
    finally:
        plain.close()
        await plain.wait_closed()


@pytest.mark.parametrize("algorithm", ["md5", "sha1"])
def test_weak_fingerprints_are_refused(algorithm):
    with pytest.raises(ValueError, match="md5 and sha1 are insecure and not supported"):
        Fingerprint(hashlib.new(algorithm, b"cert").digest())


def test_fingerprint_of_another_length_is_refused():
    with pytest.raises(ValueError, match="invalid length"):
        Fingerprint(b"x" * 31)


def test_fingerprint_value_semantics():
    digest = hashlib.sha256(b"cert").digest()
    assert Fingerprint(digest) == Fingerprint(digest)
    assert hash(Fingerprint(digest)) == hash(Fingerprint(digest))
    assert Fingerprint(digest).fingerprint == digest
    assert repr(Fingerprint(digest)) == f"Fingerprint({digest.hex()})"


async def test_close_releases_tls_sockets_even_when_the_peer_stays_silent(ca, trusting):
    # The server answers once, then stops reading: it never answers close_notify.
    silent: list[asyncio.StreamWriter] = []
    body_may_go = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        await body_may_go.wait()  # the connection stays lent until the client looked at it
        writer.write(b"ok")
        writer.transport.pause_reading()
        silent.append(writer)

    context = server_context(ca.issue_cert("127.0.0.1"))
    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = server.sockets[0].getsockname()[1]
    connector = TCPConnector(ssl=trusting)
    async with ClientSession(connector=connector) as session:
        async with session.get(f"https://127.0.0.1:{port}/") as resp:
            sock = resp.connection.transport.get_extra_info("socket")
            body_may_go.set()
            assert await resp.read() == b"ok"
        assert connector.stats().total.idle == 1
    # session.close() has returned: the socket is released, not left to the GC.
    assert sock.fileno() == -1
    for writer in silent:
        writer.transport.abort()
    server.close()
    await server.wait_closed()


async def test_close_can_abort_tls_connections(tls_server, trusting):
    # aiohttp's TCPConnector.close(abort_ssl=True): no close_notify exchange.
    connector = TCPConnector(ssl=trusting)
    async with ClientSession(connector=connector, connector_owner=False) as session:
        async with session.get(tls_server / "hello") as resp:
            assert await resp.read() == b"Hello, world!"
    assert "idle=1" in repr(connector)
    await connector.close(abort_ssl=True)
    assert connector.closed
    assert "idle=0" in repr(connector)
    await connector.close(abort_ssl=True)  # closing twice is harmless


def tls_recorder() -> tuple[TraceConfig, list[tuple[str, object]]]:
    """A config recording the TLS signals and the connection's, in order."""
    events: list[tuple[str, object]] = []
    config = TraceConfig()
    for name in (
        "on_connection_create_start",
        "on_tls_handshake_start",
        "on_tls_handshake_end",
        "on_connection_create_end",
    ):

        async def record(session, ctx, params, name=name):
            events.append((name, params))

        getattr(config, name).append(record)
    return config, events


async def test_the_tls_handshake_is_traced_apart_from_the_connect(tls_server, trusting):
    config, events = tls_recorder()
    connector = TCPConnector(ssl=trusting)
    async with ClientSession(connector=connector, trace_configs=[config]) as session:
        for _ in range(2):  # the second request reuses the connection: no handshake
            async with session.get(tls_server.with_host("localhost") / "hello") as resp:
                assert resp.status == 200
    assert [name for name, _ in events] == [
        "on_connection_create_start",
        "on_tls_handshake_start",
        "on_tls_handshake_end",
        "on_connection_create_end",
    ]
    start, end = events[1][1], events[2][1]
    assert (start.host, start.port, start.server_hostname) == (
        "localhost",
        tls_server.port,
        "localhost",
    )
    assert end.tls_version in ("TLSv1.2", "TLSv1.3")
    assert end.alpn_protocol is None  # the caller's context offers no ALPN, nor does the server


async def test_a_failed_handshake_fires_only_its_start(tls_server):
    config, events = tls_recorder()
    async with ClientSession(connector=TCPConnector(), trace_configs=[config]) as session:
        with pytest.raises(ClientConnectorCertificateError):
            await session.get(tls_server / "hello")
    assert [name for name, _ in events] == ["on_connection_create_start", "on_tls_handshake_start"]


async def test_plain_http_fires_no_tls_signal(plain_server):
    config, events = tls_recorder()
    async with ClientSession(connector=TCPConnector(), trace_configs=[config]) as session:
        async with session.get(plain_server / "hello") as resp:
            assert resp.status == 200
    assert [name for name, _ in events] == [
        "on_connection_create_start",
        "on_connection_create_end",
    ]
