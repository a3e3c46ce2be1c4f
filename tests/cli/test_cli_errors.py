"""Failures in a person's words, each with its own exit status; the class only under -v."""

from __future__ import annotations

import socket

from cli_helpers import Servers, lamella

# Longer than the 253 characters DNS allows: the system's resolver refuses the
# name itself, without asking a name server.
UNRESOLVABLE = ".".join(["a" * 63] * 4) + ".invalid"


def test_connection_refused(unused_tcp_port: int) -> None:
    result = lamella(f"http://127.0.0.1:{unused_tcp_port}/")
    assert result.returncode == 7
    assert result.stderr == f"lamella: connection refused (127.0.0.1 port {unused_tcp_port})\n"


def test_verbose_adds_the_exception_class(unused_tcp_port: int) -> None:
    result = lamella("-v", f"http://127.0.0.1:{unused_tcp_port}/")
    assert result.returncode == 7
    last = result.stderr.splitlines()[-1]
    assert last == (
        f"lamella: connection refused (127.0.0.1 port {unused_tcp_port}) "
        "[lamella_core.exceptions.ClientConnectorError]"
    )


def test_port_out_of_range() -> None:
    result = lamella("http://127.0.0.1:99999/")
    assert result.returncode == 3
    assert result.stderr == "lamella: invalid URL: port 99999 out of range\n"


def test_unsupported_scheme() -> None:
    result = lamella("ftp://127.0.0.1/file")
    assert result.returncode == 3
    assert result.stderr == "lamella: unsupported URL scheme: ftp://127.0.0.1/file\n"


def test_unresolvable_host() -> None:
    result = lamella(f"http://{UNRESOLVABLE}/")
    assert result.returncode == 6
    assert result.stderr == f"lamella: could not resolve host {UNRESOLVABLE}\n"


def test_self_signed_certificate(servers: Servers) -> None:
    result = lamella(f"{servers.self_signed}/text")
    assert result.returncode == 60
    assert result.stderr == (
        "lamella: certificate verify failed: self-signed certificate"
        " (use -k to skip verification)\n"
    )
    assert lamella("-k", f"{servers.self_signed}/text").returncode == 0


def test_untrusted_issuer(servers: Servers) -> None:
    result = lamella(f"{servers.https}/text")
    assert result.returncode == 60
    assert "certificate verify failed: unable to get local issuer certificate" in result.stderr
    insecure = lamella("--insecure", f"{servers.https}/text")
    assert insecure.returncode == 0, insecure.stderr
    assert insecure.stdout == "hello from loopback\n"


def test_timeout_says_what_it_was_waiting_for(servers: Servers) -> None:
    result = lamella("--max-time", "1", f"{servers.http}/slow")
    assert result.returncode == 28
    assert result.stderr == "lamella: timed out after 1 s waiting for the response head\n"


def test_timeout_during_the_tls_handshake() -> None:
    # A listening socket that never accepts: the kernel completes the TCP
    # handshake, and nobody ever answers the TLS ClientHello.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        result = lamella("--connect-timeout", "0.3", f"https://127.0.0.1:{port}/")
    assert result.returncode == 28
    assert result.stderr == (
        f"lamella: timed out after 0.3 s during the TLS handshake with 127.0.0.1 port {port}\n"
    )


def test_timeout_while_reading_the_body(servers: Servers) -> None:
    result = lamella("-m", "1", f"{servers.http}/stall")
    assert result.returncode == 28
    assert result.stderr.endswith("lamella: timed out after 1 s reading the body\n")


def test_too_many_redirects(servers: Servers) -> None:
    result = lamella(f"{servers.http}/redirect/20")
    assert result.returncode == 47
    assert result.stderr.startswith("lamella: too many redirects (")
