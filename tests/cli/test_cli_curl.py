"""curl's options, as ``lamella`` understands them, against loopback servers."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs

from cli_helpers import Servers, lamella


def echoed(*args: str, input: bytes | None = None) -> dict[str, object]:
    """What /echo saw of the request the arguments describe."""
    result = lamella(*args, input=input)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert isinstance(seen, dict)
    return seen


def headers_of(seen: dict[str, object]) -> dict[str, str]:
    headers = seen["headers"]
    assert isinstance(headers, dict)
    return headers


def test_data_is_a_urlencoded_form_and_repeats_join_with_ampersand(servers: Servers) -> None:
    seen = echoed("-d", "name=lamella", "-d", "lang=py", f"{servers.http}/echo")
    assert seen["method"] == "POST"
    assert seen["body"] == "name=lamella&lang=py"
    assert headers_of(seen)["Content-Type"] == "application/x-www-form-urlencoded"


def test_a_content_type_header_wins_over_the_form_default(servers: Servers) -> None:
    seen = echoed("-d", "{}", "-H", "Content-Type: text/plain", f"{servers.http}/echo")
    assert headers_of(seen)["Content-Type"] == "text/plain"


def test_data_from_a_file_loses_its_line_breaks_data_binary_keeps_them(
    servers: Servers, tmp_path: Path
) -> None:
    body = tmp_path / "body.txt"
    body.write_bytes(b"a=1\r\nb=2\n")
    assert echoed("-d", f"@{body}", f"{servers.http}/echo")["body"] == "a=1b=2"
    kept = echoed("--data-binary", f"@{body}", f"{servers.http}/echo")["body"]
    assert kept == "a=1\r\nb=2\n"


def test_data_urlencode_forms(servers: Servers, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("x & y")
    seen = echoed(
        "--data-urlencode",
        "q=caf\u00e9 & cr\u00e8me",
        "--data-urlencode",
        "=bare value",
        "--data-urlencode",
        f"note@{note}",
        f"{servers.http}/echo",
    )
    assert seen["body"] == "q=caf%C3%A9+%26+cr%C3%A8me&bare+value&note=x+%26+y"


def test_get_puts_the_data_in_the_query(servers: Servers) -> None:
    seen = echoed("-G", "-d", "a=1", "--data-urlencode", "b=two words", f"{servers.http}/echo?z=0")
    assert seen["method"] == "GET"
    assert seen["path"] == "/echo?z=0&a=1&b=two+words"
    assert seen["body"] == ""


def test_form_fields_and_files_are_multipart(servers: Servers, tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    seen = echoed("-F", "title=Q3", "-F", f"file=@{report};type=text/csv", f"{servers.http}/echo")
    assert seen["method"] == "POST"
    content_type = headers_of(seen)["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    body = seen["body"]
    assert isinstance(body, str)
    assert 'name="title"\r\n\r\nQ3\r\n' in body
    assert 'name="file"; filename="report.csv"' in body
    assert "Content-Type: text/csv" in body
    assert "\r\n\r\na,b\n1,2\n\r\n--" in body


def test_form_with_a_missing_file_is_a_usage_error(servers: Servers, tmp_path: Path) -> None:
    result = lamella("-F", f"f=@{tmp_path / 'missing'}", f"{servers.http}/echo")
    assert result.returncode == 2
    assert "cannot read" in result.stderr


def test_include_writes_the_head_before_the_body(servers: Servers) -> None:
    result = lamella("-i", f"{servers.http}/text")
    assert result.returncode == 0, result.stderr
    # Piped in text mode, so the head's CRLFs read as plain line ends.
    head, _, body = result.stdout.partition("\n\n")
    assert head.startswith("HTTP/1.1 200 OK\n")
    assert "Content-Type: text/plain; charset=utf-8" in head
    assert body == "hello from loopback\n"


def test_head_sends_head_and_shows_only_the_head(servers: Servers) -> None:
    result = lamella("-I", f"{servers.http}/echo")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("HTTP/1.1 200 OK\n")
    assert result.stdout.endswith("\n\n")
    assert '"method"' not in result.stdout


def test_redirects_are_followed_unless_no_location(servers: Servers) -> None:
    followed = lamella("-L", f"{servers.http}/redirect/2")
    assert followed.stdout == "arrived\n"
    stopped = lamella("-i", "--no-location", f"{servers.http}/redirect/2")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout.startswith("HTTP/1.1 302 Found\n")
    assert "Location: /redirect/1" in stopped.stdout


def test_output_dash_is_stdout_without_progress(servers: Servers) -> None:
    result = lamella("-o", "-", f"{servers.http}/text")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from loopback\n"
    assert result.stderr == ""


def test_user_agent_referer_and_basic_auth(servers: Servers) -> None:
    seen = echoed(
        "-A", "fetcher/2", "-e", "http://from.example/", "-u", "ann:s3cret", f"{servers.http}/echo"
    )
    headers = headers_of(seen)
    assert headers["User-Agent"] == "fetcher/2"
    assert headers["Referer"] == "http://from.example/"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"ann:s3cret").decode()


def test_user_without_a_password_is_a_usage_error(servers: Servers) -> None:
    result = lamella("-u", "ann", f"{servers.http}/echo")
    assert result.returncode == 2
    assert "USER:PASSWORD" in result.stderr


def test_cookie_jar_is_saved_and_sent_back(servers: Servers, tmp_path: Path) -> None:
    jar = tmp_path / "cookies.json"
    saved = lamella("-c", str(jar), f"{servers.http}/set-cookie")
    assert saved.returncode == 0, saved.stderr
    assert "flavour" in jar.read_text()
    seen = echoed("-b", str(jar), f"{servers.http}/echo")
    assert headers_of(seen)["Cookie"] == "flavour=oat"


def test_cookie_given_inline(servers: Servers) -> None:
    seen = echoed("-b", "a=1; b=2", f"{servers.http}/echo")
    assert headers_of(seen)["Cookie"] == "a=1; b=2"


def test_compressed_is_accepted(servers: Servers) -> None:
    seen = echoed("--compressed", f"{servers.http}/echo")
    assert "gzip" in headers_of(seen)["Accept-Encoding"]


def test_silent_hides_progress_and_errors_show_error_brings_errors_back(
    servers: Servers, tmp_path: Path, unused_tcp_port: int
) -> None:
    target = tmp_path / "file.bin"
    quiet = lamella("-s", "-o", str(target), f"{servers.http}/download")
    assert quiet.returncode == 0
    assert quiet.stderr == ""
    assert target.stat().st_size > 0
    refused = f"http://127.0.0.1:{unused_tcp_port}/"
    silent = lamella("-s", refused)
    assert (silent.returncode, silent.stderr) == (7, "")
    shown = lamella("-s", "-S", refused)
    assert shown.returncode == 7
    assert "connection refused" in shown.stderr


def test_retry_and_timeouts_are_accepted(servers: Servers) -> None:
    result = lamella(
        "--retry", "2", "--max-time", "20", "--connect-timeout", "5", f"{servers.http}/text"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello from loopback\n"


def test_retry_repeats_a_request_that_failed(servers: Servers) -> None:
    once = lamella(f"{servers.http}/flaky?id=without-retry")
    assert once.stdout == "try again\n"
    retried = lamella("--retry", "1", f"{servers.http}/flaky?id=with-retry")
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout == "recovered on attempt 2\n"


def test_help_is_grouped_like_curls_manual() -> None:
    result = lamella("--help")
    assert result.returncode == 0
    titles = [line for line in result.stdout.splitlines() if line and not line[0].isspace()]
    for group in ("request:", "request body:", "redirects:", "connection:", "TLS:", "cookies:"):
        assert any(title.startswith(group) for title in titles), group
    assert "output and diagnostics:" in titles


def test_form_query_data_parses_back(servers: Servers) -> None:
    seen = echoed("--data-urlencode", "msg=a+b=c&d", f"{servers.http}/echo")
    body = seen["body"]
    assert isinstance(body, str)
    assert parse_qs(body) == {"msg": ["a+b=c&d"]}
