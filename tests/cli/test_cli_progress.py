"""The pieces of the progress bar, without a download."""

from __future__ import annotations

import io

import pytest

from lamella._cli._progress import Progress, format_duration, format_size, render
from lamella._cli._style import Style


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"), (3 * 2**30, "3.0 GiB")],
)
def test_format_size(n: int, text: str) -> None:
    assert format_size(n) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0:00"), (59.6, "1:00"), (61, "1:01"), (3725, "1:02:05")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_render_with_a_known_total() -> None:
    # A quarter of 4 MiB in 2 s: 512 KiB/s, so 3 MiB take 6 s more.
    line = render(2**20, 4 * 2**20, 2.0)
    assert line == " 25% [######------------------] 1.0 MiB / 4.0 MiB  512.0 KiB/s  ETA 0:06"


def test_render_when_done_and_past_the_total() -> None:
    assert render(10, 10, 1.0).endswith("  done")
    assert render(20, 10, 1.0).startswith("100% [########################]")


def test_render_without_a_total_shows_size_and_speed() -> None:
    assert render(3 * 2**20, None, 2.0) == "3.0 MiB  1.5 MiB/s"


def test_render_before_any_byte() -> None:
    assert render(0, 100, 0.0).endswith("ETA --:--")


def test_progress_in_a_log_writes_lines() -> None:
    stream = io.StringIO()
    progress = Progress(100, stream, Style(False, is_tty=False))
    progress.update(40)
    progress.update(60)  # within a second of the last line: not drawn
    progress.finish("out.bin")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith(" 40% ")
    assert lines[1].startswith("100% ")
    assert lines[2].startswith("saved 100 B (100 bytes) to out.bin in ")
    assert "\r" not in stream.getvalue()


def test_style_is_plain_unless_enabled() -> None:
    assert Style(False)("x", "31") == "x"
    assert Style(True)("x", "31") == "\x1b[31mx\x1b[0m"
    assert Style(True).json({"a": [1, True, None]}) == (
        '{\n  \x1b[1;34m"a"\x1b[0m: [\n    \x1b[33m1\x1b[0m,\n    \x1b[35mtrue\x1b[0m,\n'
        "    \x1b[35mnull\x1b[0m\n  ]\n}"
    )


def test_no_color_turns_auto_off(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert Style.for_stream(Terminal(), "auto").enabled
    monkeypatch.setenv("NO_COLOR", "1")
    assert not Style.for_stream(Terminal(), "auto").enabled
    assert Style.for_stream(Terminal(), "always").enabled
