"""Security properties, end to end: injection, credentials, TLS, schemes.

* No CR, LF or NUL from user input reaches the socket, whatever the door:
  method, URL, params, header names and values, cookies, multipart field
  names and filenames. The request is refused before a connection is made
  (the server sees no connection at all), or sent with the byte encoded.
* Authorization, Proxy-Authorization and Cookie never follow a redirect
  to another origin, https -> http downgrades on the same host included.
* TLS is verified by default, host names are checked, TLS 1.2 at least.
* ``Fingerprint`` refuses md5 and sha1.
* Redirects go to http and https only.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trustme
from aiohttp import web
from reliability_helpers import read_request
from yarl import URL

from lamella import ClientSession, Fingerprint, FormData
from lamella_core._pool.tcp import ssl_context_for
from lamella_core.exceptions import (
    ClientConnectorCertificateError,
    InvalidURL,
    NonHttpUrlClientError,
    NonHttpUrlRedirectClientError,
)

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class Recorder:
    """Records every request's bytes; answers 200, or a redirect for ``/go?to=``."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self.connections = 0
        self.url = URL("http://127.0.0.1/")
        self.redirect_to: str | None = None
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self, host: str = "127.0.0.1") -> Recorder:
        self._server = await asyncio.start_server(self._handle, host, 0)
        self.url = URL(f"http://{host}:{self._server.sockets[0].getsockname()[1]}/")
        return self

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        self.connections += 1
        try:
            while True:
                self.heads.append(await read_request(reader))
                if self.redirect_to is not None:
                    target = self.redirect_to.encode()
                    writer.write(
                        b"HTTP/1.1 302 Found\r\nLocation: %b\r\nContent-Length: 0\r\n\r\n" % target
                    )
                else:
                    writer.write(OK)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    server = await Recorder().start()
    yield server
    await server.close()


@pytest.fixture
async def other_origin() -> AsyncIterator[Recorder]:
    # 127.0.0.2 is another host (another origin), still on loopback.
    server = await Recorder().start("127.0.0.2")
    yield server
    await server.close()


NASTY = ["\r\n", "\n", "\r", "\x00", "\r\nX-Injected: 1", "\r\n\r\nGET /smuggled HTTP/1.1"]


def _assert_clean(heads: list[bytes], sent: int = 1) -> None:
    """No injected line and no smuggled request: encoded bytes are harmless."""
    assert len(heads) <= sent, "the server read more requests than were sent"
    for head in heads:
        assert b"\x00" not in head
        lines = head.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
        for line in lines:
            assert b"\r" not in line
            assert b"\n" not in line
            assert not line.startswith(b"X-Injected")
            assert not line.startswith(b"GET /smuggled")


async def _attempt(session: ClientSession, method: str, url: Any, **kwargs: Any) -> None:
    try:
        async with session.request(method, url, **kwargs) as resp:
            await resp.read()
    except (ValueError, InvalidURL):
        pass


@pytest.mark.parametrize("nasty", NASTY)
@pytest.mark.parametrize(
    "door", ["method", "path", "query", "params", "header_name", "header_value", "cookie"]
)
async def test_no_line_break_or_nul_reaches_the_socket(
    recorder: Recorder, door: str, nasty: str
) -> None:
    async with ClientSession() as session:
        url: Any = recorder.url
        kwargs: dict[str, Any] = {}
        method = "GET"
        if door == "method":
            method = f"GET{nasty}"
        elif door == "path":
            url = f"{recorder.url}a{nasty}b"
        elif door == "query":
            url = f"{recorder.url}?q=a{nasty}b"
        elif door == "params":
            kwargs["params"] = {f"k{nasty}": f"v{nasty}"}
        elif door == "header_name":
            kwargs["headers"] = {f"X-A{nasty}": "v"}
        elif door == "header_value":
            kwargs["headers"] = {"X-A": f"v{nasty}"}
        elif door == "cookie":
            kwargs["cookies"] = {"c": f"v{nasty}"}
        await _attempt(session, method, url, **kwargs)
    _assert_clean(recorder.heads)


def _add_field(form: FormData, door: str, value: str) -> None:
    if door == "name":
        form.add_field(value, b"data", filename="f.txt")
    elif door == "filename":
        form.add_field("field", b"data", filename=value)
    else:
        form.add_field("field", b"data", filename="f.txt", content_type=value)


@pytest.mark.parametrize("nasty", NASTY)
@pytest.mark.parametrize("door", ["name", "filename", "content_type"])
async def test_multipart_names_cannot_inject(recorder: Recorder, door: str, nasty: str) -> None:
    form = FormData()
    try:
        _add_field(form, door, f"x{nasty}")
        async with ClientSession() as session:
            await _attempt(session, "POST", recorder.url, data=form)
    except ValueError:
        assert recorder.connections == 0
        return
    # Accepted: then it must have been encoded inside the part headers.
    _assert_clean(recorder.heads)
    part_head = recorder.heads[-1].split(b"\r\n\r\n", 2)[1]
    for line in part_head.split(b"\r\n"):
        assert not line.startswith(b"X-Injected")


async def test_refused_requests_never_open_a_connection(recorder: Recorder) -> None:
    async with ClientSession() as session:
        for kwargs in (
            {"headers": {"X-A": "a\r\nb"}},
            {"headers": {"X A": "b"}},
            {"headers": {"X-A\r\nX-Injected": "1"}},
        ):
            await _attempt(session, "GET", recorder.url, **kwargs)
        await _attempt(session, "GE T", recorder.url)
    assert recorder.connections == 0


# --- credentials across origins ------------------------------------------------------

SECRETS = {
    "Authorization": "Bearer secret-token",
    "Proxy-Authorization": "Basic cHJveHk6c2VjcmV0",
    "Cookie": "session=secret",
}


@pytest.mark.parametrize(
    "header",
    [
        "Authorization",
        "Proxy-Authorization",
        "Cookie",
    ],
)
async def test_credentials_do_not_follow_a_cross_origin_redirect(
    recorder: Recorder, other_origin: Recorder, header: str
) -> None:
    recorder.redirect_to = str(other_origin.url / "landing")
    async with ClientSession() as session:
        async with session.get(recorder.url, headers={header: SECRETS[header]}) as resp:
            assert resp.status == 200
    assert SECRETS[header].encode() in recorder.heads[0]
    assert other_origin.heads, "the redirect was not followed"
    assert SECRETS[header].encode() not in other_origin.heads[0]


async def test_session_auth_and_jar_cookies_stay_with_their_origin(
    recorder: Recorder, other_origin: Recorder
) -> None:
    from lamella import BasicAuth, CookieJar

    recorder.redirect_to = str(other_origin.url / "landing")
    jar = CookieJar(unsafe=True)  # IP-address hosts need unsafe=True, as in aiohttp
    async with ClientSession(auth=BasicAuth("user", "pass"), cookie_jar=jar) as session:
        session.cookie_jar.update_cookies({"jar": "secret-jar"}, recorder.url)
        async with session.get(recorder.url) as resp:
            assert resp.status == 200
    assert b"Authorization: Basic" in recorder.heads[0]
    assert b"secret-jar" in recorder.heads[0]
    assert b"Authorization" not in other_origin.heads[0]
    assert b"secret-jar" not in other_origin.heads[0]


async def test_https_to_http_downgrade_drops_credentials(
    recorder: Recorder, tls_server: URL
) -> None:
    # An https origin redirecting to http on the same host: another origin.
    async with ClientSession() as session:
        url = tls_server.with_path("/redirect").with_query(to=str(recorder.url / "plain"))
        async with session.get(
            url,
            headers={"Authorization": "Bearer secret-token", "Cookie": "s=secret"},
            ssl=_CLIENT_CONTEXT[0],
        ) as resp:
            assert resp.status == 200
    assert recorder.heads, "the redirect was not followed"
    assert b"secret" not in recorder.heads[0]


# --- TLS -----------------------------------------------------------------------------

_CLIENT_CONTEXT: list[ssl.SSLContext] = []


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


async def _tls_app(cert: trustme.LeafCert, ca: trustme.CA) -> AsyncIterator[URL]:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="tls")

    async def redirect(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": request.query["to"]})

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    _CLIENT_CONTEXT[:] = [client_context]
    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/redirect", redirect)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    try:
        yield URL(f"https://127.0.0.1:{runner.addresses[0][1]}/")
    finally:
        if runner.server is not None:
            for handler in list(runner.server.connections):
                if handler.transport is not None:
                    handler.transport.abort()
        await runner.cleanup()


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[URL]:
    async for url in _tls_app(ca.issue_cert("127.0.0.1"), ca):
        yield url


@pytest.fixture
async def wrong_name_server(ca: trustme.CA) -> AsyncIterator[URL]:
    async for url in _tls_app(ca.issue_cert("other.example"), ca):
        yield url


def test_default_contexts_verify_and_require_tls_1_2() -> None:
    # Set explicitly, not inherited: some builds' default context says MINIMUM_SUPPORTED.
    verified, unverified = ssl_context_for(True), ssl_context_for(False)
    assert verified.verify_mode == ssl.CERT_REQUIRED
    assert verified.check_hostname
    assert unverified.verify_mode == ssl.CERT_NONE
    for context in (verified, unverified):
        assert context.minimum_version == ssl.TLSVersion.TLSv1_2


async def test_untrusted_certificate_is_refused_by_default(tls_server: URL) -> None:
    async with ClientSession() as session:
        with pytest.raises(ClientConnectorCertificateError):
            await session.get(tls_server)


async def test_trusted_certificate_for_another_name_is_refused(wrong_name_server: URL) -> None:
    async with ClientSession() as session:
        with pytest.raises(ClientConnectorCertificateError):
            await session.get(wrong_name_server, ssl=_CLIENT_CONTEXT[0])


async def test_trusted_certificate_is_accepted(tls_server: URL) -> None:
    async with ClientSession() as session, session.get(tls_server, ssl=_CLIENT_CONTEXT[0]) as resp:
        assert await resp.text() == "tls"


@pytest.mark.parametrize("size", [16, 20])
def test_fingerprint_refuses_weak_hashes(size: int) -> None:
    with pytest.raises(ValueError, match="insecure"):
        Fingerprint(b"\x00" * size)


def test_fingerprint_accepts_sha256() -> None:
    Fingerprint(b"\x00" * 32)


# --- schemes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    [
        "file:///etc/passwd",
        "data:text/plain,hello",
        "javascript:alert(1)",
        "ftp://127.0.0.1/x",
        "gopher://127.0.0.1:70/x",
    ],
)
async def test_no_redirect_to_a_non_http_scheme(recorder: Recorder, location: str) -> None:
    recorder.redirect_to = location
    async with ClientSession() as session:
        with pytest.raises(NonHttpUrlRedirectClientError):
            await session.get(recorder.url)
    assert len(recorder.heads) == 1


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "data:,x",
        "ftp://127.0.0.1/",
        "file://localhost/etc/passwd",
    ],
)
async def test_no_request_to_a_non_http_scheme(url: str) -> None:
    async with ClientSession() as session:
        with pytest.raises(NonHttpUrlClientError):
            await session.get(url)
