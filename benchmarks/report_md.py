# ruff: noqa: RUF001  (the tables use typographic dashes and multiplication signs)
"""Render a results JSON of run.py as Markdown tables (for docs/benchmarks.md).

python benchmarks/report_md.py benchmarks/results/reference.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# How run.py's units read in the tables; "us/call" (the cookie jar) is a time.
UNITS = {"us/call": "µs per call"}
# Rows whose CPU column is per whole transfer (in ms) and that show memory.
TRANSFERS = {"download": "CPU ms per download", "upload": "CPU ms per upload"}


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:,.2f}"


def _cpu_heading(wl: dict[str, Any]) -> str:
    """The CPU column's heading: ms per whole transfer, else µs per call or request."""
    if wl["name"] in TRANSFERS:
        return TRANSFERS[wl["name"]]
    return "CPU µs/call" if wl["unit"] == "us/call" else "CPU µs/request"


def render(report: dict[str, Any]) -> str:
    lines: list[str] = []
    for wl in report["workloads"]:
        rows = wl["clients"]
        if not rows:
            continue
        ref = rows.get("aiohttp")
        unit = UNITS.get(wl["unit"], wl["unit"])
        transfer = wl["name"] in TRANSFERS
        head = ["client", f"{unit} (median)", "min–max", "× aiohttp", _cpu_heading(wl)]
        head += ["CPU × aiohttp"]
        if transfer:
            head += ["peak RSS MiB", "page faults"]
        if wl["name"] == "idle_pool":
            head += ["KiB per connection"]
        reps = rows[next(iter(rows))]["reps"]
        lines.append(f"**{wl['title']}** (N = {wl['n']:,}, {reps} repetitions)\n")
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        for name, r in rows.items():
            cpu = r["cpu_us_median"] / 1000 if transfer else r["cpu_us_median"]
            cells = [
                f"`{name}`",
                _fmt(r["median"]),
                f"{_fmt(r['min'])}–{_fmt(r['max'])}",
                f"{r['median'] / ref['median']:.2f}" if ref else "–",
                _fmt(cpu),
                f"{r['cpu_us_median'] / ref['cpu_us_median']:.2f}" if ref else "–",
            ]
            if transfer:
                cells += [f"{r['maxrss_kib'] / 1024:.1f}", f"{r['minflt_per_op']:,.0f}"]
            if wl["name"] == "idle_pool":
                cells += [f"{r['kib_per_connection']:.1f}"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    imports = report.get("imports")
    if imports:
        ref = imports["aiohttp"]
        lines.append(f"**Import time**, fresh interpreters ({ref['samples']} samples each)\n")
        lines.append("| module | ms (median) | min–max | × aiohttp | RSS added MiB | modules |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for name, r in imports.items():
            lines.append(
                f"| `{name}` | {r['ms_median']:.1f} | {r['ms_min']:.1f}–{r['ms_max']:.1f} | "
                f"{r['ms_median'] / ref['ms_median']:.2f} | {r['rss_delta_mib']:.1f} | "
                f"{r['modules']:.0f} |"
            )
        lines.append("")
    targets = report.get("targets")
    if targets:
        lines.append("**Targets** (lamella ÷ aiohttp with its extensions, medians of this run)\n")
        lines.append("| target | measured | |")
        lines.append("|---|---:|---|")
        for t in targets:
            lines.append(
                f"| {t['what']} | {t['measured']} | {'met' if t['met'] else '**not met**'} |"
            )
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(json.loads(Path(sys.argv[1]).read_text())))
