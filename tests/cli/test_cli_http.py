"""``lamella URL``: run as a subprocess against loopback servers."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_helpers import Servers, download_bytes, lamella, lamella_on_tty


def test_get_prints_the_body(servers: Servers) -> None:
    result = lamella(f"{servers.http}/text")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from loopback\n"
    assert result.stderr == ""


def test_url_without_scheme_is_http(servers: Servers) -> None:
    result = lamella(servers.http.removeprefix("http://") + "/text")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from loopback\n"


def test_method_and_headers(servers: Servers) -> None:
    result = lamella(
        "-X", "put", "-H", "X-Token: 1234", "-H", "User-Agent: tester/1", f"{servers.http}/echo"
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["method"] == "PUT"
    assert seen["headers"]["X-Token"] == "1234"
    assert seen["headers"]["User-Agent"] == "tester/1"


def test_data_is_posted(servers: Servers) -> None:
    result = lamella("-d", "some text", f"{servers.http}/echo")
    seen = json.loads(result.stdout)
    assert (seen["method"], seen["body"]) == ("POST", "some text")


def test_data_from_a_file_and_from_stdin(servers: Servers, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text("from a file")
    from_file = json.loads(lamella("-d", f"@{body}", f"{servers.http}/echo").stdout)
    assert from_file["body"] == "from a file"
    from_stdin = json.loads(lamella("-d", "@-", f"{servers.http}/echo", input=b"piped").stdout)
    assert from_stdin["body"] == "piped"


def test_json_body_sets_content_type_and_accept(servers: Servers) -> None:
    result = lamella("--json", '{"name": "lamella"}', f"{servers.http}/echo")
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["method"] == "POST"
    assert json.loads(seen["body"]) == {"name": "lamella"}
    assert seen["headers"]["Content-Type"] == "application/json"
    assert seen["headers"]["Accept"] == "application/json"


def test_invalid_json_is_a_usage_error(servers: Servers) -> None:
    result = lamella("--json", "{nope", f"{servers.http}/echo")
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr


@pytest.mark.parametrize("bad", ["no colon", ": empty name", "Bad Name: x"])
def test_malformed_header_is_a_usage_error(servers: Servers, bad: str) -> None:
    result = lamella("-H", bad, f"{servers.http}/echo")
    assert result.returncode == 2
    assert "expected 'Name: value'" in result.stderr


def test_data_and_json_exclude_each_other(servers: Servers) -> None:
    result = lamella("-d", "x", "--json", "{}", f"{servers.http}/echo")
    assert result.returncode == 2
    assert "cannot be combined" in result.stderr


def test_verbose_shows_both_heads_on_stderr(servers: Servers) -> None:
    result = lamella("-v", f"{servers.http}/redirect/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "arrived\n"
    lines = result.stderr.splitlines()
    # Each hop in wire order: request head, then its response head.
    starts = [line for line in lines if line.startswith(("> GET", "< HTTP"))]
    assert starts == [
        "> GET /redirect/1 HTTP/1.1",
        "< HTTP/1.1 302 Found",
        "> GET /redirect/0 HTTP/1.1",
        "< HTTP/1.1 200 OK",
    ]
    assert f"> Host: {servers.http.removeprefix('http://')}" in lines
    assert "< Location: /redirect/0" in lines
    assert "\x1b[" not in result.stderr + result.stdout  # piped: plain


def test_http_error_without_fail_exits_0(servers: Servers) -> None:
    result = lamella(f"{servers.http}/status/404")
    assert result.returncode == 0
    assert result.stdout == "the body of a 404\n"


@pytest.mark.parametrize("code", [404, 500])
def test_fail_exits_22_on_http_errors(servers: Servers, code: int) -> None:
    result = lamella("--fail", f"{servers.http}/status/{code}")
    assert result.returncode == 22
    assert result.stdout == ""
    assert f"HTTP status {code}" in result.stderr


def test_fail_exits_0_on_success(servers: Servers) -> None:
    result = lamella("-f", f"{servers.http}/text")
    assert result.returncode == 0


def test_timeout_exits_28(servers: Servers) -> None:
    result = lamella("--timeout", "0.3", f"{servers.http}/slow")
    assert result.returncode == 28
    assert "timed out after 0.3 s" in result.stderr


def test_proxy(servers: Servers) -> None:
    # The proxy answers by itself: the origin's name never needs resolving.
    port = servers.proxy.port
    result = lamella("--proxy", f"http://127.0.0.1:{port}", "http://origin.invalid/path?q=1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "proxied GET http://origin.invalid/path?q=1 HTTP/1.1\n"
    assert "GET http://origin.invalid/path?q=1 HTTP/1.1" in servers.proxy.seen


def test_download_with_progress(servers: Servers, tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    result = lamella("-o", str(target), f"{servers.http}/download")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == download_bytes()
    assert result.stdout == ""
    last_bar, saved = result.stderr.splitlines()[-2:]
    assert last_bar.startswith("100% [########################] 512.0 KiB / 512.0 KiB")
    assert last_bar.endswith("done")
    assert "/s" in last_bar  # the speed
    assert saved.startswith(f"saved 512.0 KiB (524288 bytes) to {target} in ")


def test_download_of_unknown_length(servers: Servers, tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    result = lamella("-o", str(target), f"{servers.http}/download?chunked")
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == download_bytes()
    last_bar = result.stderr.splitlines()[-2]
    assert last_bar.startswith("512.0 KiB  ")  # size and speed; no percentage, no ETA
    assert "ETA" not in last_bar


def test_fail_writes_no_file(servers: Servers, tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    result = lamella("--fail", "-o", str(target), f"{servers.http}/status/404")
    assert result.returncode == 22
    assert not target.exists()


def test_unwritable_output_exits_23(servers: Servers, tmp_path: Path) -> None:
    result = lamella("-o", str(tmp_path / "missing" / "file"), f"{servers.http}/text")
    assert result.returncode == 23
    assert "cannot write" in result.stderr


def test_version_and_help() -> None:
    version = lamella("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("lamella 0.1")
    help_ = lamella("--help")
    assert help_.returncode == 0
    assert "lamella ws [options] URL" in help_.stdout


def test_missing_url_is_a_usage_error() -> None:
    result = lamella()
    assert result.returncode == 2
    assert "usage: lamella" in result.stderr


# --- on a terminal ----------------------------------------------------------------


def test_colour_on_a_terminal(servers: Servers) -> None:
    status, output = lamella_on_tty("-v", f"{servers.http}/status/404")
    assert status == 0
    assert "\x1b[1;31mHTTP/1.1 404 Not Found\x1b[0m" in output  # errors in red
    assert "\x1b[36mContent-Type\x1b[0m" in output  # header names in cyan


def test_json_is_pretty_and_coloured_on_a_terminal(servers: Servers) -> None:
    status, output = lamella_on_tty(f"{servers.http}/echo")
    assert status == 0
    assert '\x1b[1;34m"method"\x1b[0m: \x1b[32m"GET"\x1b[0m' in output


def test_no_color_and_color_never_are_plain(servers: Servers) -> None:
    status, output = lamella_on_tty("--color", "never", "-v", f"{servers.http}/text")
    assert status == 0
    assert "\x1b[" not in output
    assert "< HTTP/1.1 200 OK" in output


def test_color_always_when_piped(servers: Servers) -> None:
    result = lamella("--color", "always", "-v", f"{servers.http}/text")
    assert "\x1b[1;32mHTTP/1.1 200 OK\x1b[0m" in result.stderr


def test_progress_bar_redraws_on_a_terminal(servers: Servers, tmp_path: Path) -> None:
    target = tmp_path / "file.bin"
    status, output = lamella_on_tty("-o", str(target), f"{servers.http}/download")
    assert status == 0
    assert target.read_bytes() == download_bytes()
    assert output.count("\r\x1b[K") >= 2  # redrawn in place
    assert "ETA 0:0" in output  # while it was running
    assert "saved 512.0 KiB" in output


def test_binary_body_is_not_written_to_a_terminal(servers: Servers) -> None:
    status, output = lamella_on_tty(f"{servers.http}/binary")
    assert status == 1
    assert "the body is binary" in output


def test_binary_body_is_written_when_piped(servers: Servers) -> None:
    import subprocess

    from cli_helpers import command_env

    result = subprocess.run(
        [sys.executable, "-m", "lamella._cli", f"{servers.http}/binary"],
        capture_output=True,
        env=command_env(),
        timeout=30,
    )
    assert result.returncode == 0
    assert result.stdout == b"\x00\x01\x02binary\xff"
