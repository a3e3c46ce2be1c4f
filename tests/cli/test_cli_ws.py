"""``lamella ws URL``: stdin lines out, received messages on stdout."""

from __future__ import annotations

import subprocess
import sys

from cli_helpers import Servers, command_env, lamella, lamella_on_tty


def test_piped_lines_are_echoed(servers: Servers) -> None:
    result = lamella("ws", f"{servers.ws}/ws", input=b"hello\nlamella speaks WebSocket\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello\nlamella speaks WebSocket\n"
    assert result.stderr == ""


def test_interactive_session(servers: Servers) -> None:
    """A line is answered before the next is typed; closing stdin ends the session."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamella._cli", "ws", "--wait", "0.2", f"{servers.ws}/ws"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(),
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        for line in ("one", "two", "three"):
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            assert proc.stdout.readline() == line + "\n"
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def test_binary_message_and_server_close(servers: Servers) -> None:
    # The server sends one binary message and closes with 1000: the command
    # ends by itself although stdin is still open.
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamella._cli", "ws", "-v", f"{servers.ws}/ws-binary"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(),
    )
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out == "[binary, 3 bytes] 00 01 02\n"
    assert "closed the WebSocket with code 1000" in err


def test_abnormal_close_exits_1(servers: Servers) -> None:
    result = lamella("ws", f"{servers.ws}/ws-fail", input=b"anything\n")
    assert result.returncode == 1
    assert result.stderr.count("code 1011") == 1
    assert "the server closed the WebSocket with code 1011: broken" in result.stderr


def test_verbose_shows_the_handshake(servers: Servers) -> None:
    result = lamella("ws", "-v", "-H", "X-Token: 1", f"{servers.ws}/ws", input=b"hi\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hi\n"
    lines = result.stderr.splitlines()
    assert "> GET /ws HTTP/1.1" in lines
    assert "> X-Token: 1" in lines
    assert "< HTTP/1.1 101 Switching Protocols" in lines
    assert f"connected to {servers.ws}/ws" in lines


def test_failed_handshake_exits_1(servers: Servers) -> None:
    result = lamella("ws", f"{servers.ws}/text", input=b"")
    assert result.returncode == 1
    assert "the server refused the WebSocket handshake: 200" in result.stderr


def test_handshake_timeout_exits_28(servers: Servers) -> None:
    result = lamella("ws", "--timeout", "0.3", f"{servers.ws}/slow", input=b"")
    assert result.returncode == 28
    assert "timed out after 0.3 s waiting for the WebSocket handshake" in result.stderr


def test_on_a_terminal_messages_are_marked_and_coloured(servers: Servers) -> None:
    status, output = lamella_on_tty("ws", f"{servers.ws}/ws-binary")
    assert status == 0
    assert "connected to" in output
    assert "\x1b[2m< \x1b[0m\x1b[35m[binary, 3 bytes] 00 01 02\x1b[0m" in output
