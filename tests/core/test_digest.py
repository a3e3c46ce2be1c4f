"""DigestAuthMiddleware against RFC 7616's examples and a Digest server on aiohttp.web.

The server below is written from RFC 7616 independently of the middleware: it
issues challenges, parses the ``Authorization`` field itself and recomputes
the response hash with hashlib, checks the nonce count only grows, the
opaque value and userhash, and marks nonces stale after a number of uses.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from lamella_core import ClientSession, DigestAuthMiddleware
from lamella_core._client.digest import digest_response, parse_challenges

SHA512_256 = "sha512_256" in hashlib.algorithms_available
ALGORITHMS = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"] + (
    ["SHA-512-256", "SHA-512-256-sess"] if SHA512_256 else []
)
_HASHLIB = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}

# --- RFC 7616 section 3.9 ----------------------------------------------------------

_MUFASA = {
    "username": "Mufasa",
    "realm": "http-auth@example.org",
    "password": "Circle of Life",
    "method": "GET",
    "uri": "/dir/index.html",
    "nonce": "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
    "cnonce": "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
    "nc": "00000001",
    "qop": "auth",
}


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc7616_section_3_9_1(algorithm: str, expected: str) -> None:
    assert digest_response(algorithm=algorithm, **_MUFASA) == expected


@pytest.mark.skipif(not SHA512_256, reason="this hashlib has no SHA-512/256")
def test_rfc7616_section_3_9_2_with_errata_4897() -> None:
    # The values printed in section 3.9.2 do not follow from its inputs
    # (Errata ID 4897); these are the ones its inputs give.
    realm, login = "api@example.org", "J\u00e4s\u00f8n Doe"
    response = digest_response(
        algorithm="SHA-512-256",
        username=login,
        realm=realm,
        password="Secret, or not?",
        method="GET",
        uri="/doe.json",
        nonce="5TsQWLVdgBdmrQ0XsxbDODV+57QdFR34I9HAbC/RVvkK",
        cnonce="NTg6RKcb9boFIAS3KrFK9BGeh+iDa/sm6jUMp2wds69v",
        nc="00000001",
        qop="auth",
    )
    assert response == "3798d4131c277846293534c3edc11bd8a5e4cdcbff78b05db9d95eeb1cec68a5"
    userhash = hashlib.new("sha512_256", f"{login}:{realm}".encode()).hexdigest()
    assert userhash == "793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b"


@pytest.mark.parametrize(
    ("login", "password", "message"),
    [
        (None, "pass", "None is not allowed as login value"),
        ("user", None, "None is not allowed as password value"),
        ("user:name", "pass", 'A ":" is not allowed in username'),
    ],
)
def test_unusable_credentials_are_refused_at_once(login: Any, password: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        DigestAuthMiddleware(login, password)


def test_unknown_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        digest_response(algorithm="SHA-1", **_MUFASA)


def test_challenges_are_parsed_in_order() -> None:
    fields = [
        'Basic realm="a, b", Digest realm="x\\"y", qop="auth, auth-int", '
        "algorithm=SHA-256, nonce=abc",
        'Negotiate abc==, Digest nonce="n"',
    ]
    assert parse_challenges(fields) == [
        ("basic", {"realm": "a, b"}),
        (
            "digest",
            {"realm": 'x"y', "qop": "auth, auth-int", "algorithm": "SHA-256", "nonce": "abc"},
        ),
        ("negotiate", {}),
        ("digest", {"nonce": "n"}),
    ]


# --- the server ---------------------------------------------------------------------

_FIELD = re.compile(r'([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def _h(algorithm: str, text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return hashlib.new(_HASHLIB[algorithm.upper().removesuffix("-SESS")], data).hexdigest()


@dataclass
class DigestServer:
    """An RFC 7616 Digest server on aiohttp.web with one user."""

    url: URL = field(default_factory=lambda: URL("http://127.0.0.1/"))
    login: str = "Mufasa"
    password: str = "Circle of Life"
    realm: str = "lamella@test"
    algorithms: list[str] = field(default_factory=lambda: ["SHA-256"])
    qop: str | None = "auth, auth-int"
    userhash: bool = False
    domain: str | None = None
    uses_per_nonce: int = 100
    extra_challenges: list[str] = field(default_factory=list)
    opaque: str = field(default_factory=lambda: secrets.token_hex(8))
    nonces: dict[str, dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, dict[str, str] | None]] = field(default_factory=list)
    authorizations: list[str | None] = field(default_factory=list)

    def __truediv__(self, path: str) -> URL:
        return self.url.join(URL(path))

    def challenge(self, stale: bool) -> CIMultiDict[str]:
        headers: CIMultiDict[str] = CIMultiDict()
        for value in self.extra_challenges:
            headers.add("WWW-Authenticate", value)
        for algorithm in self.algorithms:
            nonce = secrets.token_urlsafe(16)
            self.nonces[nonce] = {"algorithm": algorithm, "uses": 0, "nc": 0}
            params = [f'realm="{self.realm}"', f'nonce="{nonce}"', f'opaque="{self.opaque}"']
            params.append(f"algorithm={algorithm}")
            if self.qop is not None:
                params.append(f'qop="{self.qop}"')
            if self.userhash:
                params.append("userhash=true")
            if self.domain is not None:
                params.append(f'domain="{self.domain}"')
            if stale:
                params.append("stale=true")
            headers.add("WWW-Authenticate", "Digest " + ", ".join(params))
        return headers

    def verify(self, request: web.Request, body: bytes) -> str:
        """ "ok", "stale" (a good answer to a nonce that expired) or "bad"."""
        value = request.headers.get("Authorization", "")
        if not value.startswith("Digest "):
            return "bad"
        fields = {m[1]: m[2] if m[3] is None else m[3] for m in _FIELD.finditer(value[7:])}
        fields = {k: re.sub(r"\\(.)", r"\1", v) for k, v in fields.items()}
        self.log[-1] = (request.path, fields)
        nonce = self.nonces.get(fields.get("nonce", ""))
        if nonce is None or fields.get("opaque") != self.opaque:
            return "bad"
        algorithm = nonce["algorithm"]
        if fields.get("algorithm") != algorithm or fields.get("uri") != request.path_qs:
            return "bad"
        if self.userhash:
            expected_user = _h(algorithm, f"{self.login}:{self.realm}")
            if fields.get("userhash") != "true" or fields.get("username") != expected_user:
                return "bad"
        elif "username*" in fields:
            charset, _, encoded = fields["username*"].partition("''")
            if charset.upper() != "UTF-8" or unquote(encoded) != self.login:
                return "bad"
        elif fields.get("username") != self.login:
            return "bad"
        ha1 = _h(algorithm, f"{self.login}:{self.realm}:{self.password}")
        qop = fields.get("qop")
        if algorithm.upper().endswith("-SESS"):
            ha1 = _h(algorithm, f"{ha1}:{fields['nonce']}:{fields['cnonce']}")
        a2 = f"{request.method}:{fields['uri']}"
        if qop == "auth-int":
            a2 += ":" + _h(algorithm, body)
        if qop is None:
            if self.qop is not None:
                return "bad"
            expected = _h(algorithm, f"{ha1}:{fields['nonce']}:{_h(algorithm, a2)}")
        else:
            nc = int(fields["nc"], 16)
            if nc <= nonce["nc"]:
                return "bad"  # a replayed or reordered nonce count
            nonce["nc"] = nc
            expected = _h(
                algorithm,
                f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:{qop}:"
                + _h(algorithm, a2),
            )
        if fields.get("response") != expected:
            return "bad"
        nonce["uses"] += 1
        return "stale" if nonce["uses"] > self.uses_per_nonce else "ok"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.log.append((request.path, None))
        self.authorizations.append(request.headers.get("Authorization"))
        if "Authorization" not in request.headers:
            return web.Response(status=401, headers=self.challenge(stale=False))
        verdict = self.verify(request, body)
        if verdict != "ok":
            return web.Response(status=401, headers=self.challenge(stale=verdict == "stale"))
        return web.Response(text=f"hello {request.path} {body.decode()}")


@pytest.fixture
async def start_server() -> AsyncIterator[Callable[..., Awaitable[DigestServer]]]:
    runners: list[web.AppRunner] = []

    async def start(**settings: Any) -> DigestServer:
        server = DigestServer(**settings)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", server.handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        server.url = URL(f"http://127.0.0.1:{runner.addresses[0][1]}/")
        return server

    yield start
    for runner in runners:
        await runner.cleanup()


def _answers(server: DigestServer) -> list[dict[str, str] | None]:
    return [fields for _, fields in server.log]


# --- the middleware against the server --------------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("qop", ["auth", "auth-int"])
async def test_every_algorithm_and_qop(start_server: Any, algorithm: str, qop: str) -> None:
    server = await start_server(algorithms=[algorithm], qop=qop)
    digest = DigestAuthMiddleware("Mufasa", "Circle of Life")
    async with ClientSession(middlewares=(digest,)) as session:
        async with session.get(server / "dir/index.html?x=1") as resp:
            assert resp.status == 200
        async with session.post(server / "upload", data=b"some bytes") as resp:
            assert resp.status == 200
            assert await resp.text() == "hello /upload some bytes"
    answers = [a for a in _answers(server) if a is not None]
    assert [a["qop"] for a in answers] == [qop, qop]
    assert [a["algorithm"] for a in answers] == [algorithm, algorithm]


async def test_auth_int_is_preferred_for_a_body_in_memory(start_server: Any) -> None:
    server = await start_server(qop="auth, auth-int")
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "Circle of Life"),)) as s:
        async with s.put(server / "doc", data=b"v2") as resp:
            assert resp.status == 200

        async def stream() -> AsyncIterator[bytes]:
            yield b"streamed"

        async with s.put(server / "doc", data=stream()) as resp:
            assert resp.status == 200
    assert [a["qop"] for a in _answers(server) if a] == ["auth-int", "auth"]


async def test_a_challenge_without_qop(start_server: Any) -> None:
    server = await start_server(algorithms=["MD5"], qop=None)
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "Circle of Life"),)) as s:
        async with s.get(server / "old") as resp:
            assert resp.status == 200
    answer = _answers(server)[-1]
    assert answer is not None
    assert "qop" not in answer
    assert "nc" not in answer
    assert "cnonce" not in answer


async def test_preemptive_answers_count_the_nonce(start_server: Any) -> None:
    server = await start_server()
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "Circle of Life"),)) as s:
        for path in ("a", "b", "c"):
            async with s.get(server / path) as resp:
                assert resp.status == 200
    answers = _answers(server)
    assert answers[0] is None  # only the first request was challenged
    assert [a["nc"] for a in answers[1:] if a] == ["00000001", "00000002", "00000003"]
    assert len({a["cnonce"] for a in answers[1:] if a}) == 3
    assert len({a["nonce"] for a in answers[1:] if a}) == 1


async def test_without_preemptive_every_request_is_challenged(start_server: Any) -> None:
    server = await start_server()
    digest = DigestAuthMiddleware("Mufasa", "Circle of Life", preemptive=False)
    async with ClientSession(middlewares=(digest,)) as session:
        for path in ("a", "b"):
            async with session.get(server / path) as resp:
                assert resp.status == 200
    assert [a is None for a in _answers(server)] == [True, False, True, False]


async def test_a_stale_nonce_is_answered_again(start_server: Any) -> None:
    server = await start_server(uses_per_nonce=2)
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "Circle of Life"),)) as s:
        for path in ("a", "b", "c", "d"):
            async with s.get(server / path) as resp:
                assert resp.status == 200
    nonces = [a["nonce"] for a in _answers(server) if a]
    assert len(nonces) == 5  # a, b, c (stale), c again, d
    assert nonces[0] == nonces[1] == nonces[2] != nonces[3] == nonces[4]


async def test_wrong_credentials_give_the_401_back(start_server: Any) -> None:
    server = await start_server()
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "wrong"),)) as session:
        async with session.get(server / "a") as resp:
            assert resp.status == 401
    assert len(server.log) == 2  # challenged, answered once, refused: no loop


async def test_the_first_supported_of_several_challenges_is_used(start_server: Any) -> None:
    server = await start_server(
        algorithms=["SHA-256", "MD5"],
        extra_challenges=['Basic realm="other"', 'Digest realm="x", nonce="y", algorithm=SHA-1'],
    )
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "Circle of Life"),)) as s:
        async with s.get(server / "a") as resp:
            assert resp.status == 200
    answer = _answers(server)[-1]
    assert answer is not None
    assert answer["algorithm"] == "SHA-256"


@pytest.mark.skipif(not SHA512_256, reason="this hashlib has no SHA-512/256")
async def test_userhash_and_a_utf8_user_name(start_server: Any) -> None:
    login, password = "J\u00e4s\u00f8n Doe", "Secret, or not?"
    hashed = await start_server(
        login=login, password=password, algorithms=["SHA-512-256"], userhash=True
    )
    clear = await start_server(login=login, password=password)
    for server in (hashed, clear):
        async with ClientSession(middlewares=(DigestAuthMiddleware(login, password),)) as s:
            async with s.get(server / "doe.json") as resp:
                assert resp.status == 200
    hashed_answer, clear_answer = _answers(hashed)[-1], _answers(clear)[-1]
    assert hashed_answer is not None
    assert hashed_answer["userhash"] == "true"
    assert clear_answer is not None
    assert clear_answer["username*"].startswith("UTF-8''J%C3%A4")


async def test_preemptive_stays_within_the_protection_space(start_server: Any) -> None:
    server = await start_server(domain="/api/ /other/v2")
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "Circle of Life"),)) as s:
        for path in ("api/a", "api/b", "other/v2/c", "public"):
            async with s.get(server / path) as resp:
                assert resp.status == 200
    sent_at_once = [a is not None for a in _answers(server)]
    # api/a challenged; api/b and other/v2/c answered at once; public challenged.
    assert sent_at_once == [False, True, True, True, False, True]


async def test_a_domain_of_only_a_quote_means_the_whole_origin(start_server: Any) -> None:
    server = await start_server(domain='\\"')  # the header says domain="\""
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "Circle of Life"),)) as s:
        for path in ("a", "b/c"):
            async with s.get(server / path) as resp:
                assert resp.status == 200
    # a challenged, then answered; b/c answered at once.
    assert [a is not None for a in _answers(server)] == [False, True, True]


async def test_credentials_never_go_to_another_origin(start_server: Any) -> None:
    home = await start_server()
    elsewhere = await start_server()
    async with ClientSession(middlewares=(DigestAuthMiddleware("Mufasa", "Circle of Life"),)) as s:
        async with s.get(home / "a") as resp:
            assert resp.status == 200
        async with s.get(elsewhere / "b") as resp:
            assert resp.status == 401  # its challenge is not answered
        async with s.get(home / "c") as resp:
            assert resp.status == 200
    assert elsewhere.authorizations == [None]


async def test_a_redirect_to_another_origin_carries_no_credentials(start_server: Any) -> None:
    elsewhere = await start_server()
    seen: list[str | None] = []

    async def redirect(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        if request.headers.get("Authorization") is None:
            return web.Response(status=401, headers={"WWW-Authenticate": 'Digest nonce="n1"'})
        raise web.HTTPFound(str(elsewhere / "landing"))

    app = web.Application()
    app.router.add_get("/go", redirect)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    origin = URL(f"http://127.0.0.1:{runner.addresses[0][1]}/")
    try:
        digest = DigestAuthMiddleware("Mufasa", "Circle of Life")
        async with ClientSession(middlewares=(digest,)) as session:
            async with session.get(origin / "go") as resp:
                assert resp.status == 401
                assert resp.url == elsewhere / "landing"
    finally:
        await runner.cleanup()
    assert seen[0] is None
    assert seen[1] is not None
    assert seen[1].startswith("Digest ")
    assert elsewhere.authorizations == [None]
