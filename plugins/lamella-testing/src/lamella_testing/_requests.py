"""The requests the fake server saw, and the error for one that no route matches."""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass
from typing import Any

from multidict import CIMultiDictProxy
from yarl import URL

from lamella_core import ClientConnectionError

__all__ = ["RecordedRequest", "UnmatchedRequestError"]


class UnmatchedRequestError(ClientConnectionError):
    """No route answers a request (and its host is not passed through).

    A ``ClientConnectionError``, as a refused connection would be; the router
    also fails the test when it stops, so code that swallows the error
    cannot hide it.
    """

    def __init__(self, request: RecordedRequest) -> None:
        super().__init__(f"No route matches {request.method} {request.url}")
        self.request = request


@dataclass(frozen=True)
class RecordedRequest:
    """A request as it reached the fake server: what was really on the wire.

    Attributes:
        method: The request method.
        url: The absolute URL, rebuilt from the connection and the request target.
        headers: The header fields lamella sent (auth, cookies and defaults included).
        body: The body bytes, de-chunked.
    """

    method: str
    url: URL
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return jsonlib.loads(self.body)

    def text(self, encoding: str = "utf-8") -> str:
        """The body decoded as text."""
        return self.body.decode(encoding)
