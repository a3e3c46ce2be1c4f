"""trust_env: proxies from HTTP_PROXY, HTTPS_PROXY, WS_PROXY, ALL_PROXY and NO_PROXY, and ~/.netrc."""

from __future__ import annotations

import base64

import pytest
from yarl import URL

from lamella_connectors import TCPConnector
from lamella_connectors._env import proxy_from_env
from lamella_core import BasicAuth, ClientSession


def proxy_for(url: str):
    return TCPConnector().proxy_from_env(URL(url))


def test_scheme_specific_variables(clean_proxy_env):
    env = clean_proxy_env
    env.setenv("HTTP_PROXY", "http://plain.proxy:3128")
    env.setenv("HTTPS_PROXY", "http://secure.proxy:3129")
    env.setenv("WS_PROXY", "http://ws.proxy:3130")
    env.setenv("wss_proxy", "http://wss.proxy:3131")
    assert proxy_for("http://example.com/") == (URL("http://plain.proxy:3128"), None)
    assert proxy_for("https://example.com/") == (URL("http://secure.proxy:3129"), None)
    assert proxy_for("ws://example.com/") == (URL("http://ws.proxy:3130"), None)
    assert proxy_for("wss://example.com/") == (URL("http://wss.proxy:3131"), None)


def test_all_proxy_is_the_fallback(clean_proxy_env):
    clean_proxy_env.setenv("ALL_PROXY", "socks5://all.proxy:1080")
    clean_proxy_env.setenv("HTTPS_PROXY", "http://secure.proxy:3129")
    assert proxy_for("http://example.com/") == (URL("socks5://all.proxy:1080"), None)
    assert proxy_for("https://example.com/") == (URL("http://secure.proxy:3129"), None)


def test_no_variables_no_proxy(clean_proxy_env):
    assert proxy_for("http://example.com/") is None


def test_a_bare_host_port_is_an_http_proxy(clean_proxy_env):
    clean_proxy_env.setenv("HTTP_PROXY", "plain.proxy:3128")
    assert proxy_for("http://example.com/") == (URL("http://plain.proxy:3128"), None)


@pytest.mark.parametrize(
    ("no_proxy", "url", "bypassed"),
    [
        ("example.com", "http://example.com/", True),
        ("example.com", "http://api.example.com/", True),  # domain suffix
        (".example.com", "http://api.example.com/", True),
        ("example.com", "http://notexample.com/", False),
        ("example.com:8080", "http://example.com:8080/", True),  # with a port: that port only
        ("example.com:8080", "http://example.com:9090/", False),
        ("10.0.0.0/8", "http://10.1.2.3/", True),  # CIDR blocks
        ("10.0.0.0/8", "http://11.1.2.3/", False),
        ("10.0.0.0/8", "http://ten.example/", False),
        ("fd00::/8", "http://[fd12::1]/", True),
        ("192.168.1.5", "http://192.168.1.5/", True),
        ("*", "http://anything.example/", True),
        ("other.org, example.com", "http://www.example.com/", True),
    ],
)
def test_no_proxy(clean_proxy_env, no_proxy, url, bypassed):
    clean_proxy_env.setenv("HTTP_PROXY", "http://plain.proxy:3128")
    clean_proxy_env.setenv("NO_PROXY", no_proxy)
    assert (proxy_for(url) is None) is bypassed


def test_credentials_in_the_proxy_url(clean_proxy_env):
    clean_proxy_env.setenv("HTTP_PROXY", "http://user:p%40ss@plain.proxy:3128")
    assert proxy_for("http://example.com/") == (
        URL("http://plain.proxy:3128"),
        BasicAuth("user", "p@ss"),
    )


def test_credentials_from_netrc(clean_proxy_env, tmp_path):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine plain.proxy login netuser password netpass\n")
    netrc.chmod(0o600)
    clean_proxy_env.setenv("NETRC", str(netrc))
    clean_proxy_env.setenv("HTTP_PROXY", "http://plain.proxy:3128")
    clean_proxy_env.setenv("HTTPS_PROXY", "http://other.proxy:3128")
    assert proxy_from_env(URL("http://example.com/")) == (
        URL("http://plain.proxy:3128"),
        BasicAuth("netuser", "netpass"),
    )
    assert proxy_from_env(URL("https://example.com/")) == (URL("http://other.proxy:3128"), None)
    # In the loop, the connector leaves netrc to the session, which read it once.
    assert proxy_for("http://example.com/") == (URL("http://plain.proxy:3128"), None)


def test_netrc_in_the_home_folder(clean_proxy_env, tmp_path):
    clean_proxy_env.delenv("NETRC")
    clean_proxy_env.setenv("HOME", str(tmp_path))
    (tmp_path / ".netrc").write_text("machine plain.proxy login homeuser password homepass\n")
    (tmp_path / ".netrc").chmod(0o600)
    clean_proxy_env.setenv("HTTP_PROXY", "http://plain.proxy:3128")
    assert proxy_from_env(URL("http://example.com/"))[1] == BasicAuth("homeuser", "homepass")


async def test_trust_env_sends_requests_through_the_named_proxy(
    clean_proxy_env, tmp_path, tunnel_proxy, plain_server, tls_server, trusting
):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login envuser password envpass\n")
    netrc.chmod(0o600)
    clean_proxy_env.setenv("NETRC", str(netrc))
    clean_proxy_env.setenv("HTTP_PROXY", str(tunnel_proxy.url))
    clean_proxy_env.setenv("HTTPS_PROXY", str(tunnel_proxy.url))
    token = base64.b64encode(b"envuser:envpass").decode()
    connector = TCPConnector(ssl=trusting)
    async with ClientSession(connector=connector, trust_env=True) as session:
        async with session.get(plain_server / "hello") as resp:
            assert resp.status == 200
        async with session.get(tls_server / "hello") as resp:
            assert resp.status == 200
    assert len(tunnel_proxy.heads) == 2
    assert tunnel_proxy.heads[0].startswith(f"GET http://127.0.0.1:{plain_server.port}/".encode())
    assert tunnel_proxy.heads[1].startswith(b"CONNECT ")
    for head in tunnel_proxy.heads:
        assert f"Proxy-Authorization: Basic {token}\r\n".encode() in head


async def test_no_proxy_and_trust_env_false_go_direct(clean_proxy_env, tunnel_proxy, plain_server):
    clean_proxy_env.setenv("HTTP_PROXY", str(tunnel_proxy.url))
    async with ClientSession(connector=TCPConnector()) as session:  # trust_env=False
        async with session.get(plain_server / "hello") as resp:
            assert resp.status == 200
    clean_proxy_env.setenv("NO_PROXY", "127.0.0.0/8")
    async with ClientSession(connector=TCPConnector(), trust_env=True) as session:
        async with session.get(plain_server / "hello") as resp:
            assert resp.status == 200
    assert tunnel_proxy.heads == []
