"""The exceptions of the upper distributions that ``lamella`` exports survive
pickling too (lamella-core's are covered class by class in tests/core)."""

from __future__ import annotations

import pickle

import pytest

import lamella
from lamella_core import exceptions

SAMPLES = {
    "BadContentDispositionHeader": ("attachment; filename",),
    "BadContentDispositionParam": ("filename*=bad",),
    "WSMessageTypeError": ("Received message 8 is not WSMsgType.TEXT",),
    "WebSocketError": (1002, "protocol error"),
    "WebSocketMessageTooBig": (10, 20),
}

UPPER = sorted(
    name
    for name in lamella.__all__
    if isinstance(getattr(lamella, name), type)
    and issubclass(getattr(lamella, name), BaseException)
    and name not in exceptions.__all__
)


def test_every_upper_exception_has_a_sample():
    assert sorted(SAMPLES) == UPPER


@pytest.mark.parametrize("name", UPPER)
def test_round_trips_through_pickle(name: str) -> None:
    error = getattr(lamella, name)(*SAMPLES[name])
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error)
    assert (str(clone), repr(clone), clone.__dict__) == (str(error), repr(error), error.__dict__)
