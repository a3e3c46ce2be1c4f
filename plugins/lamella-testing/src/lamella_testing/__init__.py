"""lamella-testing: answer lamella's requests in tests, without a network.

Register routes on a :class:`MockRouter`, start it (``with``, ``async with``
or the ``lamella_mock`` pytest fixture), and every ``ClientSession`` created
meanwhile gets a :class:`MockConnector`: real HTTP/1.1 bytes over an
in-memory transport, so redirects, cookies, auth, decoders, limits and
timeouts behave as with a real server. :class:`Fault` and
:class:`RandomFaults` inject the failures of unreliable servers.
"""

from __future__ import annotations

from ._connector import MockConnector
from ._faults import Fault, RandomFaults
from ._requests import RecordedRequest, UnmatchedRequestError
from ._router import MockRouter, Route
from ._version import __version__ as __version__
from ._wire import Reply

__all__ = [
    "Fault",
    "MockConnector",
    "MockRouter",
    "RandomFaults",
    "RecordedRequest",
    "Reply",
    "Route",
    "UnmatchedRequestError",
]
