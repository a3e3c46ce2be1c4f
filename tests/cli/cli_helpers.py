"""Running the ``lamella`` command in a subprocess, piped or on a pseudo-terminal."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from dataclasses import dataclass, field

DOWNLOAD_CHUNK = 16 * 1024
DOWNLOAD_CHUNKS = 32  # 512 KiB, in about 0.6 s: long enough to draw progress
STALL_SENT = 64 * 1024  # what /stall sends of its body before it stops


def download_bytes() -> bytes:
    """What the server's /download sends."""
    return bytes(range(256)) * (DOWNLOAD_CHUNK * DOWNLOAD_CHUNKS // 256)


@dataclass
class Proxy:
    """What the recording proxy saw: one request line per request."""

    port: int = 0
    seen: list[str] = field(default_factory=list)


@dataclass
class Servers:
    http: str
    https: str
    ws: str
    proxy: Proxy
    self_signed: str = ""  # https, with a certificate that signed itself


# --- running the command -------------------------------------------------------


def command_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("NO_COLOR", "FORCE_COLOR", "LAMELLA_DISABLE_PLUGIN_AUTOLOAD"):
        env.pop(name, None)
    return env


def lamella(
    *args: str, input: bytes | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m lamella._cli ARGS`` with stdout and stderr piped."""
    return subprocess.run(
        [sys.executable, "-m", "lamella._cli", *args],
        input=input.decode() if input is not None else "",
        capture_output=True,
        text=True,
        timeout=timeout,
        env=command_env(),
    )


def lamella_on_tty(*args: str, timeout: float = 30) -> tuple[int, str]:
    """Run the command with stdout and stderr on a pseudo-terminal; return (status, output)."""
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "lamella._cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=command_env(),
    )
    os.close(terminal)
    chunks = []
    try:
        while select.select([controller], [], [], timeout)[0]:
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO: the command has ended and closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(controller)
    return proc.wait(timeout), b"".join(chunks).decode("utf-8", "replace")


class Terminal:
    """The command on a pseudo-terminal, read as it runs: for Ctrl-C mid-transfer."""

    def __init__(self, *args: str) -> None:
        self._controller, terminal = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lamella._cli", *args],
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env=command_env(),
        )
        os.close(terminal)
        self.output = ""

    def _read(self, timeout: float) -> bool:
        """Read what is there (waiting up to ``timeout``); False once the terminal is closed."""
        if not select.select([self._controller], [], [], timeout)[0]:
            raise TimeoutError(f"nothing more on the terminal; so far: {self.output!r}")
        try:
            data = os.read(self._controller, 65536)
        except OSError:  # EIO: the command has ended
            return False
        self.output += data.decode("utf-8", "replace")
        return bool(data)

    def wait_for(self, text: str, timeout: float = 30) -> None:
        """Read until ``text`` has been written to the terminal.

        On failure the command is killed and reaped first, so that no running
        process is left for a later test to find.
        """
        try:
            while text not in self.output:
                if not self._read(timeout):
                    raise AssertionError(
                        f"the command ended before writing {text!r}: {self.output!r}"
                    )
        except BaseException:
            self.proc.kill()
            self.proc.wait(timeout)
            os.close(self._controller)
            raise

    def finish(self, timeout: float = 30) -> int:
        """Read to the end; the command's exit status."""
        try:
            while self._read(timeout):
                pass
        finally:
            os.close(self._controller)
        return self.proc.wait(timeout)
