"""The HPACK coders that keep repeated blocks (``lamella_http2._hpack``), the checks
of what a server sends that replace h2's inbound validation, and the cheaper count
of open streams."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import h2.config
import h2.connection
import h2.exceptions
import h2.settings
import hpack
import hyperframe.frame
import pytest
from h2.errors import ErrorCodes
from h2.settings import SettingCodes
from h2_helpers import Behaviour, RawH2Server
from hpack import NeverIndexedHeaderTuple

from lamella_connectors import TCPConnector
from lamella_core import ClientSession
from lamella_core.exceptions import ClientOSError, ClientPayloadError
from lamella_http2._hpack import CachingDecoder, CachingEncoder, check_fields
from lamella_http2._state import H2State
from state_checks import eventually

Start = Callable[[Behaviour], Awaitable[RawH2Server]]

REQUEST = [(b":method", b"GET"), (b":path", b"/"), (b"x-a", b"1")]


def test_the_encoder_keeps_a_block_only_once_it_changes_no_table() -> None:
    encoder, decoder = CachingEncoder(), hpack.Decoder()
    first = encoder.encode(REQUEST)  # adds x-a to the table
    second = encoder.encode(REQUEST)  # all indexes now: kept
    assert first != second
    assert encoder.encode(REQUEST) is second
    for block in (first, second, second):
        assert decoder.decode(block, raw=True) == REQUEST
    other = [(b":method", b"GET"), (b":path", b"/"), (b"x-b", b"2")]
    assert decoder.decode(encoder.encode(other), raw=True) == other  # the table changed
    third = encoder.encode(REQUEST)
    assert third is not second
    assert decoder.decode(third, raw=True) == REQUEST


def test_the_encoder_tells_never_indexed_fields_apart() -> None:
    encoder, decoder = CachingEncoder(), hpack.Decoder()
    secret = [(b":method", b"GET"), NeverIndexedHeaderTuple(b"authorization", b"x")]
    plain = [(b":method", b"GET"), (b"authorization", b"x")]
    secret_block = encoder.encode(secret)
    assert encoder.encode(secret) is secret_block  # never indexed: no table change
    assert decoder.decode(secret_block, raw=True) == plain
    assert not decoder.header_table.dynamic_entries
    plain_block = encoder.encode(plain)
    assert plain_block != secret_block
    assert decoder.decode(plain_block, raw=True) == plain
    assert decoder.header_table.dynamic_entries[0] == (b"authorization", b"x")  # indexed now


def test_the_encoder_signals_a_table_size_change() -> None:
    encoder, decoder = CachingEncoder(), hpack.Decoder()
    encoder.encode(REQUEST)
    kept = encoder.encode(REQUEST)
    encoder.header_table_size = 0  # the server's SETTINGS_HEADER_TABLE_SIZE
    block = encoder.encode(REQUEST)
    assert block != kept
    decoder.decode(encoder.encode([(b"x-c", b"3")]), raw=True)
    assert decoder.decode(block, raw=True) == REQUEST


def test_the_decoder_keeps_only_what_an_empty_table_decoded() -> None:
    response = [(b":status", b"200"), (b"server", b"x")]
    stateless = hpack.Encoder()
    stateless.header_table_size = 0  # as nginx encodes
    decoder = CachingDecoder(65536)
    block = stateless.encode(response)
    for _ in range(3):
        assert decoder.decode(block, raw=True) == response
    assert decoder.header_table.maxsize == 0
    indexing, fresh = hpack.Encoder(), CachingDecoder(65536)
    blocks = [indexing.encode(response) for _ in range(3)]
    assert blocks[1] != blocks[0]
    assert [fresh.decode(b, raw=True) for b in blocks] == [response] * 3


def test_the_decoder_applies_the_header_list_limit_to_a_kept_block() -> None:
    stateless = hpack.Encoder()
    stateless.header_table_size = 0
    block = stateless.encode([(b":status", b"200"), (b"x-big", b"v" * 100)])
    decoder = CachingDecoder(65536)
    decoder.decode(block, raw=True)
    decoder.decode(block, raw=True)
    decoder.max_header_list_size = 50
    with pytest.raises(hpack.OversizedHeaderListError):
        decoder.decode(block, raw=True)


#: name=value
_BAD_FIELDS = [
    b"X-Upper=1",
    b"=1",
    b"a b=1",
    b"a:b=1",
    b"x=a\x00b",
    b"x=a\nb",
    b"x= padded",
    b"x=padded\t",
    b"connection=close",
    b"transfer-encoding=chunked",
    b"te=gzip",
    b":status=200",
    b":path=/",
]


@pytest.mark.parametrize("field", _BAD_FIELDS)
def test_a_malformed_field_is_a_protocol_error(field: bytes) -> None:
    name, _, value = field.partition(b"=")
    with pytest.raises(h2.exceptions.ProtocolError):
        check_fields([(b":status", b"200"), (name, value)])


def test_a_pseudo_header_must_lead() -> None:
    with pytest.raises(h2.exceptions.ProtocolError):
        check_fields([(b"x", b"1"), (b":status", b"200")])


def test_well_formed_fields_pass() -> None:
    fields = [(b":status", b"200"), (b"x", b""), (b"y", b"a\tb"), (b"te", b"Trailers")]
    assert check_fields(fields) == fields


def _headers_frame(stream_id: int, fields: list[tuple[bytes, bytes]], end: bool) -> bytes:
    frame = hyperframe.frame.HeadersFrame(stream_id, data=hpack.Encoder().encode(fields))
    frame.flags.add("END_HEADERS")
    if end:
        frame.flags.add("END_STREAM")
    return frame.serialize()


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ([(b":status", b"200"), (b"X-Upper", b"1")], "invalid header name"),
        ([(b"x", b"1")], "without a valid :status"),
        ([(b":status", b"2000")], "without a valid :status"),
    ],
    ids=["upper-case name", "no status", "bad status"],
)
async def test_a_malformed_response_head_fails_the_request(
    raw_h2: Start, fields: list[tuple[bytes, bytes]], match: str
) -> None:
    def malformed(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bytes:
        return _headers_frame(stream_id, fields, True)

    server = await raw_h2(malformed)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        with pytest.raises(ClientOSError, match=match):
            await session.get(server.url)
    if "name" in match:  # a connection error: GOAWAY, where a bad status resets its stream
        await eventually(lambda: ErrorCodes.PROTOCOL_ERROR in server.goaways)


async def test_a_pseudo_header_in_the_trailers_fails_the_body(raw_h2: Start) -> None:
    def trailers(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bytes:
        conn.send_headers(stream_id, [(":status", "200")])
        conn.send_data(stream_id, b"body")
        return _headers_frame(stream_id, [(b":status", b"200")], True)

    server = await raw_h2(trailers)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:
            with pytest.raises(ClientPayloadError, match="pseudo-header in the trailers"):
                await resp.read()


def _pair(max_streams: int) -> tuple[H2State, h2.connection.H2Connection]:
    """A client state machine and an h2 server answering it in memory."""
    client = H2State(h2.config.H2Configuration(client_side=True, header_encoding=None))
    server = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    server.local_settings = h2.settings.Settings(
        client=False, initial_values={SettingCodes.MAX_CONCURRENT_STREAMS: max_streams}
    )
    client.initiate_connection()
    server.initiate_connection()
    server.receive_data(client.data_to_send())
    client.receive_data(server.data_to_send())
    server.receive_data(client.data_to_send())
    return client, server


def test_the_state_machine_drops_closed_streams_and_keeps_the_limit() -> None:
    client, server = _pair(max_streams=8)
    request = [(b":method", b"GET"), (b":scheme", b"http"), (b":authority", b"x"), (b":path", b"/")]
    for _ in range(100):  # one at a time: closed streams pile up, then are dropped
        stream_id = client.get_next_available_stream_id()
        client.open_request(stream_id, request, True)
        server.receive_data(client.data_to_send())
        server.send_headers(stream_id, [(b":status", b"204")], end_stream=True)
        client.receive_data(server.data_to_send())
        assert len(client.streams) <= 8
    for _ in range(8):  # eight open at once: the ninth is refused
        client.open_request(client.get_next_available_stream_id(), request, True)
    with pytest.raises(h2.exceptions.TooManyStreamsError):
        client.open_request(client.get_next_available_stream_id(), request, True)


@pytest.mark.parametrize("end_stream", [True, False], ids=["no-body", "body"])
@pytest.mark.parametrize("size", [1, 40_000], ids=["one-frame", "continuation"])
def test_a_request_head_is_framed_as_h2_frames_it(end_stream: bool, size: int) -> None:
    """``open_request`` sends the bytes and makes the transitions of ``send_headers``."""
    head = [
        (b":method", b"HEAD"),
        (b":scheme", b"https"),
        (b":authority", b"example.com"),
        (b":path", b"/"),
        (b"x-long", b"a" * size),  # 40,000 Huffman-coded: 25 KiB, two frames
        NeverIndexedHeaderTuple(b"authorization", b"secret"),
    ]
    config = h2.config.H2Configuration(  # lamella's: the head is checked before h2 sees it
        client_side=True,
        header_encoding=None,
        validate_outbound_headers=False,
        normalize_outbound_headers=False,
    )
    ours, theirs = H2State(config), h2.connection.H2Connection(config)
    for conn in (ours, theirs):
        conn.initiate_connection()
        conn.data_to_send()
    for stream_id in (1, 3):  # the second head is all dynamic-table indexes
        ours.open_request(stream_id, head, end_stream)
        theirs.send_headers(stream_id, head, end_stream=end_stream)
        assert ours.data_to_send() == theirs.data_to_send()
        mine, h2s = ours.streams[stream_id], theirs.streams[stream_id]
        assert mine.state_machine.state == h2s.state_machine.state
        assert (mine.request_method, mine._authority) == (b"HEAD", b"example.com")
    assert ours.state_machine.state == theirs.state_machine.state
    assert ours.highest_outbound_stream_id == 3
    with pytest.raises(h2.exceptions.StreamIDTooLowError):
        ours.open_request(1, head, end_stream)
