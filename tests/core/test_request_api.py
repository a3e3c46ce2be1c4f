"""Request options of the client reference, checked against what a real server receives."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict, MultiDict

from lamella_core import BasicAuth, ClientSession, HttpVersion10
from lamella_core.exceptions import (
    InvalidUrlRedirectClientError,
    NonHttpUrlRedirectClientError,
    RedirectClientError,
)


async def echo(session, url, **kwargs):
    async with session.request(kwargs.pop("method", "GET"), url, **kwargs) as resp:
        got = await resp.json()
        got["headers"] = CIMultiDict(got["headers"])
        return got


@pytest.mark.parametrize(
    ("params", "query"),
    [
        ({"a": "1", "b": "x y"}, "a=1&b=x+y"),
        ([("a", "1"), ("a", "2")], "a=1&a=2"),
        (MultiDict([("k", "v"), ("k", "w")]), "k=v&k=w"),
        ("raw=1&other=x", "raw=1&other=x"),
        ({"n": 5, "f": 1.5}, "n=5&f=1.5"),
    ],
)
async def test_params_forms(http_server, params, query):
    async with ClientSession() as session:
        got = await echo(session, http_server / "echo", params=params)
    assert got["path"] == f"/echo?{query}"


async def test_repeated_headers_are_preserved(http_server):
    async with ClientSession(headers={"X-Session": "s"}) as session:
        got = await echo(session, http_server / "echo", headers=[("X-Rep", "1"), ("X-Rep", "2")])
    assert got["headers"].getall("X-Rep") == ["1", "2"]
    assert got["headers"]["X-Session"] == "s"


async def test_skip_auto_headers(http_server):
    async with ClientSession(skip_auto_headers=["User-Agent"]) as session:
        got = await echo(session, http_server / "echo", skip_auto_headers=["Accept-Encoding"])
    assert "User-Agent" not in got["headers"]
    assert "Accept-Encoding" not in got["headers"]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "GET"])
async def test_a_request_without_a_body_is_framed_as_aiohttp_frames_it(raw_server, method):
    # POST, PUT and PATCH say Content-Length: 0 and, as aiohttp, type the
    # empty upload application/octet-stream; other methods send neither
    # (RFC 9110 section 8.6: no Content-Length where no content is expected).
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    server = await raw_server([ok, ok])
    async with ClientSession() as session:
        async with session.request(method, server.url):
            pass
        async with session.request(method, server.url, skip_auto_headers=["Content-Type"]):
            pass
    typed, untyped = (request.lower() for request in server.requests)
    uploads = method in ("POST", "PUT", "PATCH")
    assert (b"content-length: 0\r\n" in typed) is uploads
    assert (b"content-type: application/octet-stream\r\n" in typed) is uploads
    assert b"content-type" not in untyped


async def test_auth_and_url_credentials(http_server):
    async with ClientSession() as session:
        got = await echo(session, http_server / "echo", auth=BasicAuth("user", "pass"))
        assert got["headers"]["Authorization"] == BasicAuth("user", "pass").encode()
        url = http_server.url.with_user("u").with_password("p:w") / "echo"
        async with session.get(url) as resp:
            got = await resp.json()
            assert ["Authorization", BasicAuth("u", "p:w").encode()] in got["headers"]
            assert "p:w" not in str(resp.url)
            assert "p:w" not in str(resp.request_info.real_url)
            assert "p%3Aw" not in repr(resp)
        with pytest.raises(ValueError, match="AUTH"):
            await session.get(url, auth=BasicAuth("other"))
    async with ClientSession(auth=BasicAuth("session", "pw")) as session:
        got = await echo(session, http_server / "echo")
        assert got["headers"]["Authorization"] == BasicAuth("session", "pw").encode()


async def test_str_body_with_encoding(http_server):
    async with ClientSession() as session:
        got = await echo(session, http_server / "echo", method="POST", data="é", encoding="latin-1")
    assert got["body"] == "é"
    assert got["headers"]["Content-Type"] == "text/plain; charset=latin-1"


async def test_json_serialize(http_server):
    async with ClientSession(json_serialize=lambda obj: '{"custom": true}') as session:
        got = await echo(session, http_server / "echo", method="POST", json={"x": 1})
    assert got["body"] == '{"custom": true}'


async def test_chunked_request_body(http_server):
    async with ClientSession() as session:
        got = await echo(session, http_server / "echo", method="POST", data=b"abc", chunked=True)
    assert got["body"] == "abc"
    assert got["headers"]["Transfer-Encoding"] == "chunked"


async def test_async_iterable_body_streams_chunked(http_server):
    async def gen():
        for i in range(3):
            yield f"part{i};".encode()

    async with ClientSession() as session:
        got = await echo(session, http_server / "echo", method="POST", data=gen())
    assert got["body"] == "part0;part1;part2;"
    assert got["headers"]["Transfer-Encoding"] == "chunked"


async def test_a_stream_with_a_content_length_is_sent_unchunked(http_server):
    async def gen():
        yield b"ab"
        yield b"cd"

    async with ClientSession() as session:
        got = await echo(
            session,
            http_server / "echo",
            method="POST",
            data=gen(),
            headers={"Content-Length": "4"},
        )
    assert got["body"] == "abcd"
    assert got["headers"]["Content-Length"] == "4"
    assert "Transfer-Encoding" not in got["headers"]


@pytest.mark.parametrize("length", ["3", "5"])
async def test_a_stream_that_breaks_its_content_length_is_refused(http_server, length):
    async def gen():
        yield b"ab"
        yield b"cd"

    async with ClientSession() as session:
        with pytest.raises(ValueError, match="than its Content-Length"):
            await session.post(http_server / "echo", data=gen(), headers={"Content-Length": length})
        got = await echo(session, http_server / "echo", method="POST", data=b"next")
    assert got["body"] == "next"


async def test_http10_requests_are_never_chunked(http_server):
    async def gen():
        yield b"ab"

    async with ClientSession(version=HttpVersion10) as session:
        with pytest.raises(ValueError, match="cannot be chunked"):
            await session.post(http_server / "echo", data=gen())
        with pytest.raises(ValueError, match="cannot be chunked"):
            await session.post(http_server / "echo", data=b"ab", chunked=True)
        got = await echo(
            session,
            http_server / "echo",
            method="POST",
            data=gen(),
            headers={"Content-Length": "2"},
        )
    assert got["body"] == "ab"
    assert got["version"] == [1, 0]


async def test_a_given_transfer_encoding_frames_the_body_chunked(http_server):
    async with ClientSession() as session:
        got = await echo(
            session,
            http_server / "echo",
            method="POST",
            data=b"abc",
            headers={"Transfer-Encoding": "chunked"},
        )
        assert got["body"] == "abc"
        assert got["headers"]["Transfer-Encoding"] == "chunked"
        assert "Content-Length" not in got["headers"]
        for kwargs, message in [
            ({"chunked": True}, "chunked can not be set"),
            ({"headers": {"Content-Length": "3"}}, "can not both be set"),
            ({"headers": {"Transfer-Encoding": "gzip"}}, "only be chunked"),
        ]:
            headers = {"Transfer-Encoding": "chunked", **kwargs.pop("headers", {})}
            with pytest.raises(ValueError, match=message):
                await session.post(http_server / "echo", data=b"abc", headers=headers, **kwargs)


async def test_compress_refuses_a_given_content_length(http_server):
    async with ClientSession() as session:
        with pytest.raises(ValueError, match="Content-Length"):
            await session.post(
                http_server / "echo", data=b"abc", compress=True, headers={"Content-Length": "3"}
            )


async def test_read_until_eof_false_gives_an_empty_body(raw_server):
    async def eof_body(reader, writer):
        writer.write(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")
        await writer.drain()
        writer.close()

    server = await raw_server([eof_body], cycle=True)
    async with ClientSession() as session:
        async with session.get(server.url, read_until_eof=False) as resp:
            assert await resp.read() == b""
        async with session.get(server.url) as resp:
            assert await resp.read() == b"until the end"


async def test_per_request_read_options(http_server):
    async with ClientSession() as session:
        async with session.get(http_server / "gzip", auto_decompress=False) as resp:
            assert (await resp.read())[:2] == b"\x1f\x8b"
        async with session.get(http_server / "hello", read_bufsize=1024, max_line_size=100) as resp:
            assert await resp.text() == "Hello, world!"


async def test_links_and_content_length(http_server):
    async with ClientSession() as session, session.get(http_server / "links") as resp:
        assert resp.content_length == 5
        assert str(resp.links["next"]["url"]) == str(http_server / "page/2")
        assert resp.links["last"]["rel"] == "last"
    async with ClientSession() as session, session.get(http_server / "chunked") as resp:
        assert resp.content_length is None


async def test_redirect_with_streamed_body_is_refused(http_server):
    async def gen():
        yield b"once"

    async with ClientSession() as session:
        target = http_server / "redirect-to"
        with pytest.raises(RedirectClientError, match="streamed"):
            await session.post(target, params={"url": "/echo", "code": "307"}, data=gen())


async def test_redirect_keeps_replayable_body_for_308(http_server):
    async with ClientSession() as session:
        got = await echo(
            session,
            http_server / "redirect-to",
            method="PUT",
            params={"url": "/echo", "code": "308"},
            data=b"again",
        )
    assert got["method"] == "PUT"
    assert got["body"] == "again"


async def test_303_turns_put_into_get_but_not_head(http_server):
    async with ClientSession() as session:
        got = await echo(
            session,
            http_server / "redirect-to",
            method="PUT",
            params={"url": "/echo", "code": "303"},
            data=b"x",
        )
        assert got["method"] == "GET"
        assert "Content-Length" not in got["headers"] or got["headers"]["Content-Length"] == "0"
        async with session.head(
            http_server / "redirect-to",
            params={"url": "/echo", "code": "303"},
            allow_redirects=True,
        ) as resp:
            assert resp.method == "HEAD"
            assert resp.status == 200


async def test_scheme_relative_and_relative_locations(http_server):
    async with ClientSession() as session:
        rel = await echo(session, http_server / "redirect-to", params={"url": "echo?r=1"})
        assert rel["path"] == "/echo?r=1"
        authority = f"//127.0.0.1:{http_server.url.port}/echo?s=1"
        srel = await echo(session, http_server / "redirect-to", params={"url": authority})
        assert srel["path"] == "/echo?s=1"


@pytest.mark.parametrize(
    "credentials",
    [{"auth": BasicAuth("user", "secret")}, {"headers": {"Authorization": "Bearer token"}}],
)
async def test_credentials_do_not_follow_to_another_origin(http_server, raw_server, credentials):
    other = await raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
    async with ClientSession() as session:
        async with session.get(
            http_server / "redirect-to", params={"url": str(other.url)}, **credentials
        ) as resp:
            assert await resp.read() == b"ok"
            assert len(resp.history) == 1
    assert b"authorization" not in other.requests[0].lower()


async def test_an_authorization_header_and_auth_are_refused_together(http_server):
    url_with_credentials = http_server.url.with_user("u").with_password("p") / "echo"
    bearer = {"Authorization": "Bearer token"}
    async with ClientSession() as session:
        with pytest.raises(ValueError, match="AUTHORIZATION header"):
            await session.get(http_server / "echo", auth=BasicAuth("u", "p"), headers=bearer)
        with pytest.raises(ValueError, match="AUTHORIZATION header"):
            await session.get(url_with_credentials, headers=bearer)
    async with ClientSession(auth=BasicAuth("u", "p"), headers=bearer) as session:
        with pytest.raises(ValueError, match="AUTHORIZATION header"):
            await session.get(http_server / "echo")


async def test_session_auth_stays_within_the_base_url_origin(http_server):
    other_origin = http_server.url.with_host("localhost") / "echo"
    async with ClientSession(base_url=http_server.url, auth=BasicAuth("u", "p")) as session:
        got = await echo(session, "echo")
        assert got["headers"]["Authorization"] == BasicAuth("u", "p").encode()
        got = await echo(session, other_origin)
        assert "Authorization" not in got["headers"]
        got = await echo(session, other_origin, auth=BasicAuth("x", "y"))
        assert got["headers"]["Authorization"] == BasicAuth("x", "y").encode()


async def test_trust_env_takes_credentials_from_netrc(http_server, tmp_path, monkeypatch):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login netuser password netpass\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    from_netrc = BasicAuth("netuser", "netpass").encode()
    async with ClientSession() as session:
        assert "Authorization" not in (await echo(session, http_server / "echo"))["headers"]
    async with ClientSession(trust_env=True) as session:
        got = await echo(session, http_server / "echo")
        assert got["headers"]["Authorization"] == from_netrc
        got = await echo(session, http_server / "echo", auth=BasicAuth("own"))
        assert got["headers"]["Authorization"] == BasicAuth("own").encode()
        got = await echo(session, http_server / "echo", headers={"Authorization": "Bearer t"})
        assert got["headers"]["Authorization"] == "Bearer t"
        other_host = http_server.url.with_host("localhost") / "echo"
        assert "Authorization" not in (await echo(session, other_host))["headers"]


async def test_credentials_in_a_redirect_url_supersede_earlier_ones(http_server):
    target = http_server.url.with_user("other").with_password("pw") / "echo"
    async with ClientSession(auth=BasicAuth("session", "s")) as session:
        for credentials in ({}, {"auth": BasicAuth("u", "p")}):
            got = await echo(
                session, http_server / "redirect-to", params={"url": str(target)}, **credentials
            )
            assert got["headers"]["Authorization"] == BasicAuth("other", "pw").encode()


async def test_requote_redirect_url_from_the_constructor_or_the_attribute(http_server):
    location = {"url": "/echo?q=%7Eu"}
    async with ClientSession() as session:
        assert session.requote_redirect_url is True
        assert (await echo(session, http_server / "redirect-to", params=location))["path"] == (
            "/echo?q=~u"
        )
        with pytest.warns(DeprecationWarning, match="requote_redirect_url modification"):
            session.requote_redirect_url = False
        assert (await echo(session, http_server / "redirect-to", params=location))["path"] == (
            "/echo?q=%7Eu"
        )
    async with ClientSession(requote_redirect_url=False) as session:
        assert (await echo(session, http_server / "redirect-to", params=location))["path"] == (
            "/echo?q=%7Eu"
        )


async def test_same_origin_redirect_keeps_credentials(http_server):
    async with ClientSession() as session:
        got = await echo(
            session, http_server / "redirect-to", params={"url": "/echo"}, auth=BasicAuth("u", "p")
        )
    assert got["headers"]["Authorization"] == BasicAuth("u", "p").encode()


async def test_same_origin_redirect_keeps_the_urls_credentials(http_server):
    # As aiohttp: credentials written in the URL are the request's auth, kept
    # within the origin and dropped when a redirect leaves it.
    start = http_server.url.with_user("u").with_password("p") / "redirect-to"
    elsewhere = http_server.url.with_host("localhost") / "echo"
    async with ClientSession() as session:
        same = await echo(session, start, params={"url": "/echo"})
        other = await echo(session, start, params={"url": str(elsewhere)})
    assert same["headers"]["Authorization"] == BasicAuth("u", "p").encode()
    assert "Authorization" not in other["headers"]


@pytest.mark.parametrize(
    ("location", "error"),
    [
        ("ftp://127.0.0.1/x", NonHttpUrlRedirectClientError),
        ("http://", InvalidUrlRedirectClientError),
    ],
)
async def test_bad_redirect_targets(http_server, location, error):
    async with ClientSession() as session:
        with pytest.raises(error):
            await session.get(http_server / "redirect-to", params={"url": location})


async def test_request_cookies_override_the_caller_header(http_server):
    async with ClientSession() as session:
        got = await echo(
            session, http_server / "echo", headers={"Cookie": "a=old; keep=1"}, cookies={"a": "new"}
        )
    assert got["headers"]["Cookie"] == "a=new; keep=1"


async def test_verify_ssl_false_is_accepted(http_server):
    async with ClientSession() as session:
        with pytest.warns(DeprecationWarning, match="verify_ssl is deprecated"):
            async with session.get(http_server / "hello", verify_ssl=False) as resp:
                assert resp.status == 200


async def test_request_cookies_do_not_follow_to_another_origin(http_server, raw_server):
    other = await raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"])
    async with ClientSession() as session:
        async with session.get(
            http_server / "redirect-to", params={"url": str(other.url)}, cookies={"c": "1"}
        ) as resp:
            assert await resp.read() == b"ok"
    assert b"cookie" not in other.requests[0].lower()


async def test_client_limits_from_the_session_and_per_request(http_server, raw_server):
    from lamella_core import ClientLimits
    from lamella_core.exceptions import (
        BodyTooLarge,
        ClientPayloadError,
        ClientResponseError,
        RedirectLimitExceeded,
        ResponseHeadTooLarge,
        TooManyRedirects,
    )

    limits = ClientLimits(max_body_size=100, max_redirects=1)
    async with ClientSession(limits=limits) as session:
        assert session.limits is limits
        async with session.get(http_server / "large", params={"size": "1000"}) as resp:
            with pytest.raises(BodyTooLarge) as info:
                await resp.read()
            assert isinstance(info.value, ClientPayloadError)
            assert "max_body_size" in str(info.value)
        async with session.get(http_server / "hello") as resp:
            assert await resp.text() == "Hello, world!"
        with pytest.raises(RedirectLimitExceeded) as redirects:
            await session.get(http_server / "redirect/3")
        assert isinstance(redirects.value, TooManyRedirects)
        # A request may lift the session's bounds.
        async with session.get(
            http_server / "large", params={"size": "1000"}, limits=ClientLimits()
        ) as resp:
            assert len(await resp.read()) == 1000
    server = await raw_server(
        [b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 20 + b"Content-Length: 2\r\n\r\nok"]
    )
    async with ClientSession(limits=ClientLimits(max_headers=10)) as session:
        with pytest.raises(ResponseHeadTooLarge) as head:
            await session.get(server.url)
        assert isinstance(head.value, ClientResponseError)
        assert head.value.status == 400
        assert "max_headers" in head.value.message


async def test_retry_policy_retries_statuses_and_unsent_requests(raw_server):
    import random

    from lamella_core import ExponentialRetry
    from lamella_core.exceptions import ClientConnectorError

    busy = b"HTTP/1.1 503 Busy\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    server = await raw_server([busy, busy, ok])
    policy = ExponentialRetry(attempts=3, base_delay=0.01, random=random.Random(1))
    async with ClientSession(retry=policy) as session:
        assert session.retry is policy
        async with session.get(server.url) as resp:
            assert resp.status == 200
            assert await resp.read() == b"ok"
        assert len(server.requests) == 3
        # A POST is not repeated once it may have reached the server...
        again = await raw_server([busy, ok])
        async with session.post(again.url, data=b"x") as resp:
            assert resp.status == 503
        assert len(again.requests) == 1
        # ...but one that never left may be (a refused connection).
        with pytest.raises(ClientConnectorError) as info:
            await session.post("http://127.0.0.1:1/", data=b"x")
        assert info.value.request_sent is False
        # Per request, retries can be switched off.
        third = await raw_server([busy, ok])
        async with session.get(third.url, retry=None) as resp:
            assert resp.status == 503


async def test_max_headers_as_aiohttp_takes_it(raw_server):
    from lamella_core.exceptions import ResponseHeadTooLarge

    reply = b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 5 + b"Content-Length: 2\r\n\r\nok"
    server = await raw_server([reply], cycle=True)
    async with ClientSession(max_headers=3) as session:
        assert session.limits.max_headers == 3
        with pytest.raises(ResponseHeadTooLarge):
            await session.get(server.url)
        async with session.get(server.url, max_headers=10) as resp:
            assert await resp.read() == b"ok"
