"""Redirect rules (RFC 9110 section 15.4), decided without I/O.

The session asks two questions per redirect: where does it go
(:func:`redirect_target`) and what is sent there (:func:`next_request`).
Credentials never follow a redirect to another origin.
"""

from __future__ import annotations

from typing import NamedTuple

from multidict import CIMultiDict
from yarl import URL

from lamella_core._content.payloads import Payload
from lamella_core.exceptions import (
    InvalidUrlRedirectClientError,
    NonHttpUrlRedirectClientError,
    RedirectBodyConsumed,
)

from .auth import BasicAuth

__all__ = ["REDIRECT_STATUSES", "NextRequest", "next_request", "redirect_target"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_BODY_HEADERS = ("Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding")
_FOLLOWED_SCHEMES = frozenset({"http", "https"})
_CREDENTIAL_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_AND_NEWLINES = str.maketrans("", "", "\t\n\r")


class NextRequest(NamedTuple):
    """What to send to the redirect target."""

    method: str
    body: Payload | None
    headers: CIMultiDict[str]
    auth: BasicAuth | None


def redirect_target(base: URL, location: str, *, requote: bool = True) -> URL:
    """Resolve a Location value against the URL that answered.

    Relative and scheme-relative references are joined to ``base``, and so
    is a reference with ``base``'s scheme but no authority (``http:/ok``,
    ``http:ok``), which RFC 3986 section 5.2.2 lets a non-strict parser read
    as relative, as browsers and aiohttp do; a fragment of ``base`` is kept
    when the Location has none.

    Raises:
        InvalidUrlRedirectClientError: the Location is not a URL with a host.
        NonHttpUrlRedirectClientError: the Location is not http(s).
    """
    try:
        target = URL(location, encoded=not requote)
    except ValueError as exc:
        raise InvalidUrlRedirectClientError(
            location, "Server attempted redirecting to a location that does not look like a URL"
        ) from exc
    relative = not target.scheme or (
        target.scheme == base.scheme and _has_no_authority(location, target.scheme)
    )
    new_url = base.join(target) if relative else target
    if new_url.scheme not in _FOLLOWED_SCHEMES:
        raise NonHttpUrlRedirectClientError(new_url, "redirects only go to http or https")
    if not new_url.raw_host:
        raise InvalidUrlRedirectClientError(new_url, "Invalid redirect URL origin: it has no host")
    if not target.raw_fragment and base.raw_fragment:
        new_url = new_url.with_fragment(base.raw_fragment)
    return new_url


def _has_no_authority(location: str, scheme: str) -> bool:
    """True when ``scheme:`` is not followed by ``//`` (a backslash counts as a
    slash there, as browsers read it for http and https)."""
    location = location.strip(_C0_AND_SPACE).translate(_TAB_AND_NEWLINES)
    slashes = location[len(scheme) + 1 : len(scheme) + 3]
    return len(slashes) < 2 or any(c not in "/\\" for c in slashes)


def next_request(
    status: int,
    method: str,
    body: Payload | None,
    headers: CIMultiDict[str],
    auth: BasicAuth | None,
    old_url: URL,
    new_url: URL,
) -> NextRequest:
    """Method, body, headers and credentials for the request to ``new_url``.

    303 turns every method but HEAD into a bodiless GET, and 301/302 do the
    same to POST (what browsers do); 307 and 308 repeat the method and body.

    Raises:
        RedirectBodyConsumed: the body must be repeated but was streamed.
    """
    if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
        method, body = "GET", None
        headers = headers.copy()
        for name in _BODY_HEADERS:
            headers.popall(name, None)
    elif body is not None and not body.reusable:
        raise RedirectBodyConsumed(
            f"Cannot follow redirect with a consumed request body: a {status} to {new_url} "
            "repeats the body, which was streamed; pass bytes or a seekable file, or "
            "allow_redirects=False"
        )
    if new_url.origin() != old_url.origin():
        # Another origin (host, port or scheme, so https -> http too): no credentials.
        auth = None
        if any(name in headers for name in _CREDENTIAL_HEADERS):
            headers = headers.copy()
            for name in _CREDENTIAL_HEADERS:
                headers.popall(name, None)
    return NextRequest(method, body, headers, auth)
