"""The download progress bar: size, speed and time left, on stderr.

On a terminal the bar is redrawn in place (``\\r``) at most ten times a
second; in a log (stderr piped) a plain line is written at most once a second,
so a long download leaves a readable trace. The last line says what was saved.
"""

from __future__ import annotations

import time
from typing import TextIO

from ._style import CYAN, GREEN, Style

__all__ = ["Progress", "format_duration", "format_size", "render"]

BAR_WIDTH = 24


def format_size(n: float) -> str:
    """``n`` bytes in binary units: ``512 B``, ``1.5 KiB``, ``3.0 MiB``."""
    if n < 1024:
        return f"{int(n)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if n < 1024 or unit == "TiB":
            break
    return f"{n:.1f} {unit}"


def format_duration(seconds: float) -> str:
    """``seconds`` as ``m:ss``, or ``h:mm:ss`` from an hour up."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def render(done: int, total: int | None, elapsed: float, style: Style | None = None) -> str:
    """One line of progress; without a known ``total`` there is no bar, percentage or ETA."""
    style = style or Style(False)
    speed = done / elapsed if elapsed > 0 else 0.0
    rate = f"{format_size(speed)}/s"
    if not total:
        return f"{format_size(done)}  {rate}"
    fraction = min(done / total, 1.0)
    filled = int(BAR_WIDTH * fraction)
    bar = "#" * filled + "-" * (BAR_WIDTH - filled)
    if done >= total:
        eta = "done"
    elif speed > 0:
        eta = "ETA " + format_duration((total - done) / speed)
    else:
        eta = "ETA --:--"
    return (
        f"{fraction:4.0%} [{style(bar, CYAN)}] "
        f"{format_size(done)} / {format_size(total)}  {rate}  {eta}"
    )


class Progress:
    """Tracks bytes written and draws them on ``stream``."""

    def __init__(
        self, total: int | None, stream: TextIO, style: Style, *, enabled: bool = True
    ) -> None:
        self.enabled = enabled  # False under -s: bytes are counted, nothing is drawn
        self.total = total
        self.done = 0
        self.stream = stream
        self.style = style
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._interval = 0.1 if style.is_tty else 1.0

    def update(self, n: int) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._drawn_at >= self._interval:
            self._drawn_at = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        if not self.enabled:
            return
        line = render(self.done, self.total, now - self.started, self.style)
        if self.style.is_tty:
            self.stream.write(f"\r\x1b[K{line}")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def interrupt(self) -> None:
        """End the progress line where it stands, so what follows starts on a new line."""
        if self.enabled and self.style.is_tty and self.done:
            self.stream.write("\n")
            self.stream.flush()

    def finish(self, where: str) -> None:
        """Draw the final state, then say what was saved where."""
        if not self.enabled:
            return
        now = time.monotonic()
        self._draw(now)
        if self.style.is_tty:
            self.stream.write("\n")
        elapsed = now - self.started
        speed = self.done / elapsed if elapsed > 0 else 0.0
        saved = f"saved {format_size(self.done)} ({self.done} bytes) to {where}"
        self.stream.write(
            f"{self.style(saved, GREEN)} in {elapsed:.1f} s ({format_size(speed)}/s)\n"
        )
        self.stream.flush()
