"""lamella's h2 state machine (``lamella_http2._state.H2State``) against h2's own.

H2State handles received frames itself (h2 formats each one for a trace log
first); these tests feed it and a stock h2 client the same server bytes,
late frames on reset and ended streams among them, and check that both send
the same answers, return the same events and raise the same errors.
"""

from __future__ import annotations

from collections.abc import Callable

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import pytest
from h2.errors import ErrorCodes
from hyperframe.frame import DataFrame, HeadersFrame, RstStreamFrame

from lamella_http2._state import BadBodyLength, H2State

REQUEST = [(b":method", b"GET"), (b":scheme", b"http"), (b":authority", b"x"), (b":path", b"/")]
Client = h2.connection.H2Connection
Steps = Callable[[Client, h2.connection.H2Connection], bytes]


def _client(cls: type[Client]) -> Client:
    client = cls(h2.config.H2Configuration(client_side=True, header_encoding=None))
    client.initiate_connection()
    return client


def _server() -> h2.connection.H2Connection:
    server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    server.initiate_connection()
    return server


def _data(stream_id: int, payload: bytes, *, end: bool = False) -> bytes:
    return DataFrame(stream_id, data=payload, flags=["END_STREAM"] if end else []).serialize()


def _headers(server: h2.connection.H2Connection, stream_id: int) -> bytes:
    """A HEADERS frame (trailers) the server's state machine would not send itself."""
    block = server.encoder.encode([(b"x-late", b"1")])
    return HeadersFrame(stream_id, data=block, flags=["END_HEADERS", "END_STREAM"]).serialize()


def _run(cls: type[Client], steps: Steps) -> tuple:
    """What a client of ``cls`` returns, sends and raises for the server bytes of ``steps``."""
    client, server = _client(cls), _server()
    server.receive_data(client.data_to_send())
    client.receive_data(server.data_to_send())
    server.receive_data(client.data_to_send())
    client.send_headers(1, REQUEST, end_stream=True)
    server.receive_data(client.data_to_send())
    incoming = steps(client, server)
    client.data_to_send()
    try:
        events = client.receive_data(incoming)
    except h2.exceptions.ProtocolError as exc:
        return ("raised", type(exc), client.data_to_send())
    return ("events", [type(e) for e in events], client.data_to_send())


def _reset_then_late_data(client: Client, server: h2.connection.H2Connection) -> bytes:
    server.send_headers(1, [(b":status", b"200")])
    client.receive_data(server.data_to_send())
    client.reset_stream(1, ErrorCodes.CANCEL)  # the reader let go of the body
    return _data(1, b"late") + _data(1, b"later", end=True)


def _reset_dropped_then_late_data(client: Client, server: h2.connection.H2Connection) -> bytes:
    incoming = _reset_then_late_data(client, server)
    # h2 forgets closed streams when it counts the open ones: it then only
    # knows the stream id is below the highest it opened.
    h2.connection.H2Connection.open_outbound_streams.fget(client)  # type: ignore[attr-defined]
    assert 1 not in client.streams
    return incoming


def _ended_then_data(client: Client, server: h2.connection.H2Connection) -> bytes:
    server.send_headers(1, [(b":status", b"200")])
    server.send_data(1, b"body", end_stream=True)
    client.receive_data(server.data_to_send())
    return _data(1, b"after the end")


def _ended_dropped_then_data(client: Client, server: h2.connection.H2Connection) -> bytes:
    incoming = _ended_then_data(client, server)
    h2.connection.H2Connection.open_outbound_streams.fget(client)  # type: ignore[attr-defined]
    return incoming


def _then_headers(prepare: Steps) -> Steps:
    """The situation ``prepare`` makes, then a HEADERS frame on stream 1 instead of its DATA."""

    def steps(client: Client, server: h2.connection.H2Connection) -> bytes:
        prepare(client, server)
        return _headers(server, 1)

    steps.__name__ = f"{prepare.__name__}_as_headers"
    return steps


_reset_then_late_headers = _then_headers(_reset_then_late_data)
_reset_dropped_then_late_headers = _then_headers(_reset_dropped_then_late_data)
_ended_then_headers = _then_headers(_ended_then_data)
_ended_dropped_then_headers = _then_headers(_ended_dropped_then_data)


def _data_on_a_stream_never_opened(client: Client, server: h2.connection.H2Connection) -> bytes:
    return _data(7, b"who asked")


def _a_whole_response(client: Client, server: h2.connection.H2Connection) -> bytes:
    server.send_headers(1, [(b":status", b"200"), (b"content-length", b"4")])
    server.send_data(1, b"body", end_stream=True)
    return server.data_to_send()


def _reset_by_the_server(client: Client, server: h2.connection.H2Connection) -> bytes:
    server.reset_stream(1, ErrorCodes.REFUSED_STREAM)
    return server.data_to_send()


@pytest.mark.parametrize(
    "steps",
    [
        _a_whole_response,
        _reset_by_the_server,
        _reset_then_late_data,
        _reset_dropped_then_late_data,
        _ended_then_data,
        _ended_dropped_then_data,
        _data_on_a_stream_never_opened,
        _reset_then_late_headers,
        _reset_dropped_then_late_headers,
        _ended_then_headers,
        _ended_dropped_then_headers,
    ],
    ids=lambda steps: steps.__name__.strip("_"),
)
def test_received_frames_are_handled_as_h2_handles_them(
    steps: Steps,
) -> None:
    assert _run(H2State, steps) == _run(h2.connection.H2Connection, steps)


@pytest.mark.parametrize(
    "steps",
    [
        _reset_then_late_data,
        _reset_dropped_then_late_data,
        _ended_then_data,
        _reset_then_late_headers,
        _reset_dropped_then_late_headers,
    ],
    ids=["data-reset", "data-reset-forgotten", "data-ended", "headers-reset", "headers-forgotten"],
)
def test_a_late_frame_of_a_closed_stream_is_answered_with_rst_stream(
    steps: Steps,
) -> None:
    kind, events, sent = _run(H2State, steps)
    assert (kind, events) == ("events", [])  # the connection carries on
    reset = RstStreamFrame(1)
    reset.error_code = ErrorCodes.STREAM_CLOSED
    assert reset.serialize() in sent


@pytest.mark.parametrize(
    ("steps", "error"),
    [
        (_data_on_a_stream_never_opened, h2.exceptions.NoSuchStreamError),
        (_ended_then_headers, h2.exceptions.StreamClosedError),
        (_ended_dropped_then_headers, h2.exceptions.StreamClosedError),
    ],
    ids=["never-opened", "headers-after-the-end", "headers-after-the-end-forgotten"],
)
def test_a_frame_no_stream_can_take_is_a_connection_error(
    steps: Steps, error: type[Exception]
) -> None:
    kind, raised, sent = _run(H2State, steps)
    assert (kind, raised) == ("raised", error)
    assert sent[3] == 0x7  # GOAWAY


def test_a_body_longer_than_its_content_length_is_an_event_of_its_stream() -> None:
    def too_long(client: Client, server: h2.connection.H2Connection) -> bytes:
        server.send_headers(1, [(b":status", b"200"), (b"content-length", b"2")])
        return server.data_to_send() + _data(1, b"four", end=True)

    kind, events, _sent = _run(H2State, too_long)
    assert kind == "events"
    assert events == [h2.events.ResponseReceived, BadBodyLength]
    kind, error, _sent = _run(h2.connection.H2Connection, too_long)
    assert (kind, error) == ("raised", h2.exceptions.InvalidBodyLengthError)
