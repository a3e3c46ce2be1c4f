"""HTTP Digest access authentication (RFC 7616) as a client middleware.

``DigestAuthMiddleware`` answers a 401 whose ``WWW-Authenticate`` offers a
Digest challenge: it computes the response from the challenge's nonce, a
client nonce and the nonce count, and sends the request again. Once a
challenge is known, later requests within its protection space carry the
answer at once (``preemptive``), each with the next nonce count; a
``stale=true`` challenge (the server's nonce expired) is answered again
without treating the credentials as wrong.

The credentials belong to one origin: the origin of the first request the
middleware sees. Requests to any other origin, redirects included, pass
through untouched and their challenges are never answered.

The hashing is a pure function, :func:`digest_response`, checked against the
examples of RFC 7616 section 3.9.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from yarl import URL

from lamella_core.exceptions import ClientError

from .auth import check_credentials
from .middlewares import ClientHandlerType
from .request import ClientRequest
from .response import ClientResponse

__all__ = ["DigestAuthMiddleware", "digest_response", "parse_challenges"]

_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda data: hashlib.md5(data, usedforsecurity=False).hexdigest(),
    "SHA-256": lambda data: hashlib.sha256(data).hexdigest(),
}
if "sha512_256" in hashlib.algorithms_available:
    _HASHES["SHA-512-256"] = lambda data: hashlib.new("sha512_256", data).hexdigest()

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_PARAM = re.compile(rf'({_TOKEN})\s*=\s*(?:"((?:[^"\\]|\\.)*)"|({_TOKEN}))\s*(?=,|$)')
_SCHEME = re.compile(rf"({_TOKEN})(?:\s+|(?=,)|$)")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*\s*(?=,|$)")
_ESCAPED = re.compile(r"\\(.)")


def parse_challenges(fields: list[str]) -> list[tuple[str, dict[str, str]]]:
    """The challenges of ``WWW-Authenticate`` fields (RFC 9110 section 11.6.1), in order.

    Each is its scheme, lower-cased, and its parameters (names lower-cased,
    quoted values unescaped); a token68 credential is skipped. Parsing stops
    at the first malformed piece of a field.
    """
    challenges: list[tuple[str, dict[str, str]]] = []
    for value in fields:
        params: dict[str, str] | None = None
        pos = _skip_separators(value, 0)
        while pos < len(value):
            if params is not None and (found := _PARAM.match(value, pos)):
                quoted, bare = found[2], found[3]
                params[found[1].lower()] = _ESCAPED.sub(r"\1", quoted) if bare is None else bare
            elif params is not None and (found := _TOKEN68.match(value, pos)):
                pass
            elif found := _SCHEME.match(value, pos):
                params = {}
                challenges.append((found[1].lower(), params))
            else:
                break
            pos = _skip_separators(value, found.end())
    return challenges


def _skip_separators(value: str, pos: int) -> int:
    while pos < len(value) and value[pos] in " \t,":
        pos += 1
    return pos


def digest_response(
    *,
    algorithm: str,
    username: str,
    realm: str,
    password: str,
    method: str,
    uri: str,
    nonce: str,
    cnonce: str,
    nc: str,
    qop: str | None,
    body: bytes = b"",
) -> str:
    """The ``response`` value of RFC 7616 section 3.4.1 for one request.

    ``algorithm`` is one of MD5, SHA-256, SHA-512-256, optionally with the
    ``-sess`` suffix; ``qop`` is "auth", "auth-int" (which hashes ``body``) or
    None for a challenge without qop (RFC 2069's form).

    Raises:
        ValueError: the algorithm is not supported.
    """
    name = algorithm.upper()
    session = name.endswith("-SESS")
    hash_hex = _HASHES.get(name[:-5] if session else name)
    if hash_hex is None:
        raise ValueError(f"unsupported Digest algorithm {algorithm!r}")

    def h(*parts: str) -> str:
        return hash_hex(":".join(parts).encode())

    ha1 = h(username, realm, password)
    if session:
        ha1 = h(ha1, nonce, cnonce)
    ha2 = h(method, uri, hash_hex(body)) if qop == "auth-int" else h(method, uri)
    if qop is None:
        return h(ha1, nonce, ha2)
    return h(ha1, nonce, nc, cnonce, qop, ha2)


@dataclass(slots=True)
class _Challenge:
    """A Digest challenge the middleware answers, and the nonce count it is at."""

    realm: str
    nonce: str
    algorithm: str
    qops: tuple[str, ...]
    opaque: str | None
    userhash: bool
    space: tuple[str, ...]  # path prefixes of the protection space on the origin
    nc: int = 0


class DigestAuthMiddleware:
    """Digest authentication (RFC 7616) for a session's or a request's middlewares.

    Args:
        login: the user name.
        password: the password.
        preemptive: once a challenge is known, send its answer with later
            requests to the same protection space without waiting for a 401.

    Raises:
        ValueError: ``login`` or ``password`` is None, or ``login`` holds a
            ":" (it would run into the realm in the hashed ``user:realm:password``).
    """

    def __init__(self, login: str, password: str, preemptive: bool = True) -> None:
        check_credentials(login, password, 'A ":" is not allowed in username')
        self._login = login
        self._password = password
        self._preemptive = preemptive
        self._origin: URL | None = None
        self._challenge: _Challenge | None = None

    def __repr__(self) -> str:
        return f"<DigestAuthMiddleware login={self._login!r} origin={self._origin}>"

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        origin = req.url.origin()
        if self._origin is None:
            self._origin = origin
        elif origin != self._origin:
            return await handler(req)  # the credentials are not for this origin
        known = self._challenge
        if self._preemptive and known is not None and _in_space(known, req.url):
            req.headers["Authorization"] = self._authorization(req, known)
        resp = await handler(req)
        answered = False
        # A fresh challenge is answered once, and once more if it was stale.
        for _ in range(2):
            if resp.status != 401:
                break
            challenge = self._pick(resp)
            if challenge is None or (answered and not challenge[1]):
                break  # nothing to answer, or the credentials were refused
            self._challenge = challenge[0]
            resp.release()
            req.headers["Authorization"] = self._authorization(req, challenge[0])
            resp = await handler(req)
            answered = True
        return resp

    def _pick(self, resp: ClientResponse) -> tuple[_Challenge, bool] | None:
        """The first Digest challenge of ``resp`` with a supported algorithm, and its stale flag.

        RFC 7616 section 3.7: a server lists its challenges by preference.
        """
        for scheme, params in parse_challenges(resp.headers.getall("WWW-Authenticate", [])):
            algorithm = params.get("algorithm", "MD5")
            base = algorithm.upper().removesuffix("-SESS")
            if scheme != "digest" or base not in _HASHES or not params.get("nonce"):
                continue
            qops = tuple(q.strip() for q in params["qop"].split(",")) if "qop" in params else ()
            if qops and not {"auth", "auth-int"} & set(qops):
                continue
            challenge = _Challenge(
                realm=params.get("realm", ""),
                nonce=params["nonce"],
                algorithm=algorithm,
                qops=qops,
                opaque=params.get("opaque"),
                userhash=params.get("userhash", "").lower() == "true",
                space=_protection_space(params.get("domain"), resp.url),
            )
            return challenge, params.get("stale", "").lower() == "true"
        return None

    def _authorization(self, req: ClientRequest, challenge: _Challenge) -> str:
        """The ``Authorization`` value answering ``challenge`` for ``req``, next nonce count."""
        body = req.body
        data = b"" if body is None else body.data
        qop = _choose_qop(challenge.qops, data is not None)
        challenge.nc += 1
        nc = f"{challenge.nc:08x}"
        cnonce = secrets.token_urlsafe(24)
        uri = req.url.raw_path_qs or "/"
        response = digest_response(
            algorithm=challenge.algorithm,
            username=self._login,
            realm=challenge.realm,
            password=self._password,
            method=req.method,
            uri=uri,
            nonce=challenge.nonce,
            cnonce=cnonce,
            nc=nc,
            qop=qop,
            body=data or b"",
        )
        fields = [self._username_field(challenge), f"realm={_quoted(challenge.realm)}"]
        fields += [f"uri={_quoted(uri)}", f"algorithm={challenge.algorithm}"]
        fields += [f"nonce={_quoted(challenge.nonce)}"]
        if qop is not None:
            fields += [f"nc={nc}", f"cnonce={_quoted(cnonce)}", f"qop={qop}"]
        fields.append(f"response={_quoted(response)}")
        if challenge.opaque is not None:
            fields.append(f"opaque={_quoted(challenge.opaque)}")
        if challenge.userhash:
            fields.append("userhash=true")
        return "Digest " + ", ".join(fields)

    def _username_field(self, challenge: _Challenge) -> str:
        """``username``: hashed with the realm when asked (``userhash``), else in
        clear, as ``username*`` in RFC 8187's form when it is not ASCII."""
        login = self._login
        if challenge.userhash:
            base = challenge.algorithm.upper().removesuffix("-SESS")
            return f"username={_quoted(_HASHES[base](f'{login}:{challenge.realm}'.encode()))}"
        if login.isascii():
            return f"username={_quoted(login)}"
        return f"username*=UTF-8''{quote(login, safe='')}"


def _choose_qop(offered: tuple[str, ...], body_known: bool) -> str | None:
    """``auth-int`` when offered and the body is in memory, else ``auth``.

    Raises:
        ClientError: only ``auth-int`` is offered and the body is a stream.
    """
    if not offered:
        return None
    if "auth-int" in offered and (body_known or "auth" not in offered):
        if not body_known:
            raise ClientError("Digest qop=auth-int needs a body held in memory, not a stream")
        return "auth-int"
    return "auth"


def _protection_space(domain: str | None, url: URL) -> tuple[str, ...]:
    """The path prefixes of ``domain`` on ``url``'s origin; the whole origin when none.

    URIs of ``domain`` on other origins are dropped: the credentials stay on one.
    Stray quotes around a URI are ignored, and so is an entry that is nothing else.
    """
    origin = url.origin()
    prefixes = []
    for uri in (domain or "").split():
        uri = uri.strip('"')
        if not uri:
            continue
        target = url.join(URL(uri))
        if target.origin() == origin:
            prefixes.append(target.path)
    return tuple(prefixes) or ("/",)


def _in_space(challenge: _Challenge, url: URL) -> bool:
    path = url.path
    return any(path.startswith(prefix) for prefix in challenge.space)


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
