"""The command on a real pseudo-terminal: Ctrl-C during a download, the waterfall."""

from __future__ import annotations

import re
import signal
from pathlib import Path

from cli_helpers import STALL_SENT, Servers, Terminal, lamella, lamella_on_tty


def test_ctrl_c_during_a_download_keeps_the_partial_file(servers: Servers, tmp_path: Path) -> None:
    target = tmp_path / "big.bin"
    term = Terminal("-o", str(target), f"{servers.http}/stall")
    # The progress line, drawn on the terminal: some of the 64 KiB the server
    # sends before it stalls have arrived (the line is redrawn at most ten
    # times a second, so it need not show them all).
    term.wait_for(" KiB / 1.0 MiB")
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130
    size = target.stat().st_size
    assert 0 < size <= STALL_SENT
    tail = re.sub(r"\x1b\[[0-9;]*m", "", term.output.rsplit(" KiB / 1.0 MiB", 1)[1])
    # The progress line was ended before the message, which names the size.
    assert f"\r\ninterrupted: {target} is partial, it holds {size} bytes\r\n" in tail


def test_ctrl_c_with_remove_on_error_removes_the_file(servers: Servers, tmp_path: Path) -> None:
    target = tmp_path / "big.bin"
    term = Terminal("--remove-on-error", "-o", str(target), f"{servers.http}/stall")
    term.wait_for(" KiB / 1.0 MiB")
    term.proc.send_signal(signal.SIGINT)
    assert term.finish() == 130
    assert not target.exists()
    assert f"removed the partial file {target}" in term.output


def test_timings_draw_a_waterfall_per_hop(servers: Servers) -> None:
    result = lamella("--timings", f"{servers.http}/redirect/1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "arrived\n"
    lines = result.stderr.splitlines()
    hops = [line for line in lines if line.startswith("GET ")]
    assert hops == [
        f"GET {servers.http}/redirect/1 -> 302",
        f"GET {servers.http}/redirect/0 -> 200",
    ]
    names = [line.split()[0] for line in lines if line.startswith("  ")]
    # The first hop connects; the second reuses the kept-alive connection.
    assert names[:4] == ["connect", "request", "first", "body"]
    assert "reused" in names
    assert names[-1] == "total"
    bars = [line for line in lines if line.startswith("  ") and "|" in line]
    assert all(line.endswith("|") and "#" in line for line in bars)


def test_timings_over_tls_show_the_handshake_apart(servers: Servers) -> None:
    result = lamella("-k", "--timings", f"{servers.https}/text")
    assert result.returncode == 0, result.stderr
    names = [line.split()[0] for line in result.stderr.splitlines() if line.startswith("  ")]
    assert names == ["connect", "TLS", "request", "first", "body", "total"]


def test_timings_are_coloured_on_a_terminal_and_plain_when_piped(servers: Servers) -> None:
    status, output = lamella_on_tty("--timings", f"{servers.http}/text")
    assert status == 0
    assert f"\x1b[1mGET {servers.http}/text -> 200\x1b[0m" in output
    piped = lamella("--timings", f"{servers.http}/text")
    assert "\x1b[" not in piped.stderr


def test_json_is_raw_when_piped(servers: Servers) -> None:
    piped = lamella(f"{servers.http}/echo")
    assert piped.stdout.startswith('{"method": "GET"')
    assert "\x1b[" not in piped.stdout
