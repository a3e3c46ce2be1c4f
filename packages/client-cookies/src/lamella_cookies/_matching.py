"""The RFC 6265 rules that decide which cookies are kept and where they are sent.

Theory of operation
-------------------

A cookie is identified by ``(domain, path, name)`` (RFC 6265, section 5.3,
step 11). Two decisions are made about it, both here as pure functions with no
jar state, so that they can be tested one rule at a time:

1. *Storing* (section 5.3), when a response from ``request-host`` sets it:

   - a response from an IP address stores nothing unless the jar is
     ``unsafe``;
   - no ``Domain`` attribute makes a *host-only* cookie whose domain is the
     request host, sent back to that exact host only;
   - a ``Domain`` attribute (leading dot dropped, lower-cased, IDNA-encoded)
     must domain-match the request host, otherwise the cookie is dropped; if
     it is a public suffix (``com``, ``co.uk``, ``github.io``) the cookie is
     dropped too, unless the suffix *is* the request host, which then gets a
     host-only cookie (step 5). lamella asks the Public Suffix List for this,
     which aiohttp does not;
   - a ``Path`` attribute not starting with ``/`` is replaced by the
     *default-path* of the request URL (section 5.1.4);
   - ``Max-Age`` wins over ``Expires``; a time in the past deletes the stored
     cookie with the same identity;
   - RFC 6265bis adds: a ``Secure`` cookie may only be set from a secure
     origin, an insecure origin may not overwrite a ``Secure`` cookie, and
     the ``__Secure-``/``__Host-`` name prefixes carry the requirements of
     :func:`prefix_allows`.

2. *Sending* (section 5.4), for a request to ``host`` and ``path``: a cookie
   goes along when its domain is ``host`` (host-only cookies) or a parent
   domain of ``host`` (domain cookies), its path path-matches the request
   path, and it is not ``Secure`` on an insecure origin. Cookies with longer
   paths come first, then older ones.

The jar does not scan every cookie per request: it keeps one bucket per
domain and only visits the buckets of ``host`` and its parent domains, which
:func:`parent_domains` lists.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from calendar import monthrange, timegm
from typing import TYPE_CHECKING, Final

from yarl import URL

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

__all__ = [
    "canonical_domain",
    "default_path",
    "domain_match",
    "is_ip_address",
    "is_public_suffix",
    "parent_domains",
    "parse_cookie_date",
    "path_match",
    "prefix_allows",
    "registrable_domain",
]


def is_ip_address(host: str | None) -> bool:
    """Whether ``host`` (as ``URL.raw_host`` gives it) is an IPv4 or IPv6 address."""
    if not host:
        return False
    if host[-1].isdigit() or ":" in host:
        try:
            ipaddress.ip_address(host.partition("%")[0])
        except ValueError:
            return False
        return True
    return False


def canonical_domain(value: str) -> str | None:
    """The ``Domain`` attribute as RFC 6265 compares it, or None if it is unusable.

    The leading dot is dropped (section 5.2.3), the name lower-cased and
    non-ASCII labels encoded to IDNA, as ``yarl`` encodes hosts.
    """
    domain = value.strip().removeprefix(".").lower()
    if not domain or domain.endswith(".") or ".." in domain:
        return None
    if domain.isascii():
        return domain
    try:
        return URL.build(scheme="http", host=domain).raw_host
    except (ValueError, UnicodeError):
        return None


def domain_match(host: str, domain: str) -> bool:
    """RFC 6265 section 5.1.3: ``host`` is ``domain`` or a name under it (never an IP)."""
    if host == domain:
        return True
    return host.endswith(domain) and host[-len(domain) - 1] == "." and not is_ip_address(host)


def parent_domains(host: str) -> list[str]:
    """``host`` then each parent domain: ``a.b.c`` gives ``a.b.c``, ``b.c``, ``c``."""
    domains = [host]
    start = host.find(".")
    while start != -1:
        domains.append(host[start + 1 :])
        start = host.find(".", start + 1)
    return domains


def default_path(url: URL) -> str:
    """RFC 6265 section 5.1.4: the directory of the request path."""
    path = url.raw_path
    if not path.startswith("/"):
        return "/"
    last = path.rfind("/")
    return "/" if last == 0 else path[:last]


def path_match(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 section 5.1.4: ``cookie_path`` is a directory prefix of ``request_path``."""
    if not request_path.startswith(cookie_path):
        return False
    return (
        len(request_path) == len(cookie_path)
        or cookie_path.endswith("/")
        or request_path[len(cookie_path)] == "/"
    )


@functools.cache
def _suffix_list() -> PublicSuffixList:
    # Parsing the bundled list takes tens of milliseconds: do it once per
    # process, and only when a cookie first needs it.
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@functools.lru_cache(maxsize=4096)
def is_public_suffix(domain: str) -> bool:
    """Whether ``domain`` is a public suffix (``com``, ``co.uk``, ``github.io``).

    Unknown top-level names (``localhost``, ``internal``) count as public
    suffixes, as the list's ``*`` default rule says.
    """
    return bool(_suffix_list().is_public(domain))


@functools.lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The site ``host`` belongs to (``a.b.example.co.uk`` -> ``example.co.uk``).

    The jar's limits count cookies per site, so that a server cannot escape
    them by setting host-only cookies on many subdomains. IP addresses and
    names that are themselves public suffixes are their own site.
    """
    if is_ip_address(host):
        return host
    return _suffix_list().privatesuffix(host) or host


def prefix_allows(
    name: str, *, secure: bool, secure_origin: bool, host_only: bool, path: str
) -> bool:
    """RFC 6265bis section 4.1.3: the ``__Secure-`` and ``__Host-`` name prefixes.

    ``__Secure-`` cookies must be ``Secure`` and set from a secure origin;
    ``__Host-`` cookies must also be host-only (no ``Domain`` attribute) with
    ``Path=/``. The prefixes are matched case-insensitively, as browsers do.
    """
    head = name[:9].lower()
    if head.startswith("__secure-"):
        return secure and secure_origin
    if head.startswith("__host-"):
        return secure and secure_origin and host_only and path == "/"
    return True


# --- RFC 6265 section 5.1.1: the cookie date -----------------------------------

_DELIMITERS: Final = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
_TIME: Final = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:[^\d]|$)")
_DAY: Final = re.compile(r"(\d{1,2})(?:[^\d]|$)")
_YEAR: Final = re.compile(r"(\d{2,4})(?:[^\d]|$)")
_MONTHS: Final = (
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
)


def parse_cookie_date(text: str) -> float | None:
    """Parse an ``Expires`` value as RFC 6265 section 5.1.1 says; None when invalid.

    The algorithm is deliberately forgiving (``Wed, 09-Jun-21 10:18:14 GMT``
    and ``Sun Nov  6 08:49:37 1994`` are both dates) and returns seconds since
    the epoch, UTC.
    """
    found_time = found_day = found_month = found_year = False
    hour = minute = second = day = month = year = 0
    for token in _DELIMITERS.split(text):
        if not token:
            continue
        if not found_time and (match := _TIME.match(token)):
            found_time = True
            hour, minute, second = (int(part) for part in match.groups())
        elif not found_day and (match := _DAY.match(token)):
            found_day = True
            day = int(match.group(1))
        elif not found_month and token[:3].lower() in _MONTHS:
            found_month = True
            month = _MONTHS.index(token[:3].lower()) + 1
        elif not found_year and (match := _YEAR.match(token)):
            found_year = True
            year = int(match.group(1))
    if not (found_time and found_day and found_month and found_year):
        return None
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    if year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    if not 1 <= day <= monthrange(year, month)[1]:  # no 31 June, no 29 February 2023
        return None
    try:
        return float(timegm((year, month, day, hour, minute, second, 0, 0, 0)))
    except (OverflowError, ValueError):
        return None
