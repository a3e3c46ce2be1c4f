"""A response body that disagrees with its ``content-length``, over HTTP/2.

RFC 9113 section 8.1.1 makes such a response malformed: a stream error. The
request fails with ``ClientPayloadError`` (as a short body does over
HTTP/1.1) and the connection goes on carrying the other streams. The servers are raw h2 servers, which
send whatever length they are told to.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import h2.connection
import pytest
from h2_helpers import Behaviour, RawH2Server, respond

from lamella_connectors import TCPConnector
from lamella_core import ClientSession
from lamella_core.exceptions import ClientPayloadError

Start = Callable[[Behaviour], Awaitable[RawH2Server]]


def answer_first_with(declared: int, body: bytes) -> Behaviour:
    """Stream 1 gets ``body`` under ``content-length: declared``, the others ``ok``."""

    def behaviour(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        if stream_id != 1:
            respond(conn, stream_id)
            return True
        head = [(":status", "200"), ("content-length", str(declared))]
        conn.send_headers(stream_id, head, end_stream=not body)
        if body:
            conn.send_data(stream_id, body, end_stream=True)
        return True

    return behaviour


@pytest.mark.parametrize(
    ("declared", "body"),
    [(10, b"12345"), (3, b"12345"), (10, b"")],
    ids=["shorter", "longer", "no-data-frame"],
)
async def test_a_body_off_its_content_length_fails_only_its_stream(
    raw_h2: Start, declared: int, body: bytes
) -> None:
    server = await raw_h2(answer_first_with(declared, body))
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:
            assert resp.status == 200
            with pytest.raises(ClientPayloadError, match=f"content-length of {declared}"):
                await resp.read()
        async with session.get(server.url) as resp:  # the same connection, stream 3
            assert await resp.read() == b"ok"
    assert server.connections == 1
    assert server.goaways in ([], [0])  # no GOAWAY(PROTOCOL_ERROR): a stream error only


async def test_concurrent_streams_outlive_a_neighbour_with_a_bad_length(raw_h2: Start) -> None:
    server = await raw_h2(answer_first_with(10, b"12345"))
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:  # stream 1 opens the connection
            with pytest.raises(ClientPayloadError):
                await resp.read()

        async def get() -> bytes:
            async with session.get(server.url) as resp:
                return await resp.read()

        assert await asyncio.gather(*(get() for _ in range(8))) == [b"ok"] * 8
    assert server.connections == 1


async def test_heads_and_not_modified_answers_declare_a_length_they_do_not_carry(
    raw_h2: Start,
) -> None:
    def behaviour(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        status = "304" if stream_id == 3 else "200"
        conn.send_headers(
            stream_id, [(":status", status), ("content-length", "1234")], end_stream=True
        )
        return True

    server = await raw_h2(behaviour)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.head(server.url) as resp:  # stream 1
            assert (resp.status, resp.content_length, await resp.read()) == (200, 1234, b"")
        async with session.get(server.url) as resp:  # stream 3
            assert (resp.status, await resp.read()) == (304, b"")
    assert server.connections == 1
