"""Request heads for an origin reached through SOCKS.

lamina-core 0.1 writes every plain-http request made with ``proxy=`` the way
an HTTP proxy expects it: an absolute-form target and a
``Proxy-Authorization`` header. Through SOCKS the bytes go to the origin
itself, which expects origin-form and must never see the proxy's
credentials. :class:`OriginFormConnection` rewrites the head of each request
on its way to the socket (the head is always at the start of the first
write after ``begin``); https requests already arrive in origin form and
pass unchanged.
"""

from __future__ import annotations

from typing import Any

from lamina_core import HTTP11Connection

__all__ = ["OriginFormConnection", "origin_form"]


def origin_form(data: bytes) -> bytes:
    """``data`` with its leading request head rewritten for the origin."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return data
    lines = data[:end].split(b"\r\n")
    method, _, rest = lines[0].partition(b" ")
    target, _, version = rest.rpartition(b" ")
    scheme_end = target.find(b"://")
    if scheme_end < 0:
        return data  # already origin-form (https inside the tunnel, CONNECT, OPTIONS *)
    path_start = target.find(b"/", scheme_end + 3)
    path = target[path_start:] if path_start >= 0 else b"/"
    kept = [b" ".join((method, path, version))]
    kept += [line for line in lines[1:] if not line.lower().startswith(b"proxy-authorization:")]
    return b"\r\n".join(kept) + data[end:]


class OriginFormConnection(HTTP11Connection):
    """An HTTP/1.1 connection whose request heads are rewritten by :func:`origin_form`."""

    _head_pending = False

    def begin(self, method: str, **kwargs: Any) -> None:
        super().begin(method, **kwargs)
        self._head_pending = True

    def write(self, data: bytes) -> None:
        if self._head_pending:
            self._head_pending = False
            data = origin_form(data)
        super().write(data)
