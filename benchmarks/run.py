"""lamella's benchmarks, side by side with aiohttp, httpx and a raw-asyncio floor.

    hatch run bench:all      # the full run (about 10 minutes on 2 cores)
    hatch run bench:quick    # the same workloads, fewer repetitions and requests (< 2 min)

What it does: starts nginx (benchmarks/nginx.conf, from a temporary prefix,
pinned to one core), then runs every (workload, client) pair in a fresh
Python process (benchmarks/client.py) pinned to the other core, interleaved:
each repetition runs every workload for every client before the next one
starts, in an order that rotates, so slow drifts of the machine hit every
client alike. It prints a table of medians with min-max over the
repetitions, the ratio of each client to aiohttp (with its C extensions)
measured in the same run, and the client's CPU time per operation (user +
system, from ``resource.getrusage`` in the client process: the figure that
noise affects least). Then import time and RSS of each library, each from
fresh interpreters. Everything is also written as JSON (and a PNG chart)
under benchmarks/results/.

Clients: lamella (httptools parser), lamella-py (LAMELLA_NO_EXTENSIONS=1),
aiohttp, aiohttp-py (AIOHTTP_NO_EXTENSIONS=1), httpx, floor; lamella and
aiohttp and the floor again on uvloop (lamella-uvloop, aiohttp-uvloop,
floor-uvloop: what uvloop can save at most); and the fastest
other Python clients, Rust-based ones included (pyreqwest, rnet, aiosonic,
curl_cffi, niquests: ``others.py``). The uvloop runs and the other clients
do the rows in ``others.WORKLOADS``.

The "upload" row POSTs a 64 MiB file (generated in nginx's temporary root,
its path handed to client.py) with the file object as the body, at full
size in quick runs too, to ``sink.py`` rather than nginx, which would be
the bottleneck. The "cookies" row does no I/O: it times
``filter_cookies`` on a 1,000-cookie jar (``cookies/bench_cookies.py``) in
microseconds per call, where lower is better, for lamella (lamella-cookies'
jar) and aiohttp only: httpx has no such call, the jar has no C path for
lamella-py to leave out, and the floor has no jar.

``--ref REV`` measures lamella as committed at REV (``git archive`` into a
temporary folder, put first on PYTHONPATH) instead of the working tree.

WebSocket rows: ``benchmarks/ws/`` (owned separately) plugs in by providing
``ws/harness.py`` with ``WORKLOADS`` (a list of :class:`Workload` whose
names start with ``ws_``) and ``server(core)``, a context manager yielding
the echo server's port; ``client.py`` hands ``ws_*`` workloads to
``ws/client.py:run``. Without that folder the rows are simply absent.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from others import OPS as _OTHER_OPS  # noqa: E402
from others import WORKLOADS as OTHER_WORKLOADS  # noqa: E402
from servers import BIG_SIZE, UPLOAD_SIZE, ensure_nginx, nginx_server, sink_server  # noqa: E402
from tls import H2_WORKLOADS, TLS_WORKLOADS  # noqa: E402

OTHERS = tuple(_OTHER_OPS)

RESULTS = HERE / "results"
SERVER_CORE, CLIENT_CORE = 0, 1


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    n_full: int  # operations per measurement, equal for every client
    n_quick: int
    concurrency: int
    unit: str  # "req/s", "MB/s" (higher is better) or TIME_UNIT (lower is better)
    full_only: bool = False
    clients: tuple[str, ...] | None = None  # None: every client


@dataclass(frozen=True)
class Client:
    name: str
    program: str  # the client.py CLIENTS key, or an others.py OPS key
    env: dict[str, str]
    workloads: tuple[str, ...] | None = None  # None: every workload
    pythonpath: str | None = None  # lamella from another revision (--baseline)

    @property
    def kind(self) -> str:
        """The name without a revision: what a workload's client list names."""
        return self.name.split("@")[0]


_UVLOOP = {"BENCH_LOOP": "uvloop"}
CLIENTS = [
    Client("lamella", "lamella", {}),
    Client("lamella-py", "lamella", {"LAMELLA_NO_EXTENSIONS": "1"}),
    Client("lamella-uvloop", "lamella", _UVLOOP, OTHER_WORKLOADS),
    Client("aiohttp", "aiohttp", {}),
    Client("aiohttp-py", "aiohttp", {"AIOHTTP_NO_EXTENSIONS": "1"}),
    Client("aiohttp-uvloop", "aiohttp", _UVLOOP, OTHER_WORKLOADS),
    Client("httpx", "httpx", {}),
    *(
        Client(name, name, {}, OTHER_WORKLOADS + (TLS_WORKLOADS if name == "niquests" else ()))
        for name in OTHERS
    ),
    Client("floor", "floor", {}),
    Client("floor-uvloop", "floor", _UVLOOP, OTHER_WORKLOADS),
]
REFERENCE = "aiohttp"
# The clients whose best figure lamella's is held against (issue targets).
RIVALS = ("aiohttp", "httpx", *OTHERS)
_NO_HTTPX = ("lamella", "lamella-py", "aiohttp", "aiohttp-py", "floor")
_HTTPS = ("lamella", "httpx", "niquests")  # the clients of the HTTPS rows (tls.py)
TIME_UNIT = "us/call"
MEMORY_ROWS = ("download", "upload", "download_h2")  # rows that show peak RSS and page faults

WORKLOADS = [
    Workload("sequential", "sequential small GETs, one connection", 2000, 300, 1, "req/s"),
    Workload("concurrent", "64 tasks, small GETs, 64-connection pool", 6400, 640, 64, "req/s"),
    Workload("json", "1 KiB JSON, resp.json(), 64 tasks", 3200, 320, 64, "req/s"),
    Workload("post_json", "POST of a 1 KiB JSON body, 64 tasks", 3200, 320, 64, "req/s"),
    Workload("chunked", "64 KiB chunked response, 8 tasks", 1000, 200, 8, "req/s"),
    Workload("download", "256 MiB streamed, iter_chunked(65536)", 1, 1, 1, "MB/s"),
    Workload("upload", "64 MiB uploaded from a file, POST data=file", 1, 1, 1, "MB/s"),
    Workload(
        "idle_pool", "1,000 concurrent GETs, RSS per pooled connection", 1000, 1000, 1000, "req/s"
    ),
    Workload(
        "cookies",
        "filter_cookies on a 1,000-cookie jar (lower is better)",
        100_000,
        20_000,
        1,
        TIME_UNIT,
        clients=("lamella", "aiohttp"),
    ),
    # HTTPS to nginx (tls.py): 64 TLS connections over HTTP/1.1, or one
    # HTTP/2 connection carrying 64 streams; then a download over HTTP/2.
    Workload(
        "https_h1",
        "64 tasks, small GETs over HTTPS, HTTP/1.1 (64 TLS connections)",
        6400,
        320,
        64,
        "req/s",
        clients=_HTTPS,
    ),
    Workload(
        "https_h2",
        "64 tasks, small GETs over HTTPS, HTTP/2 (one connection)",
        6400,
        320,
        64,
        "req/s",
        clients=_HTTPS,
    ),
    Workload(
        "download_h2", "256 MiB streamed over HTTP/2 (TLS)", 1, 1, 1, "MB/s", clients=_HTTPS
    ),
]
# Scale curve: small GETs at growing concurrency (full runs only; httpx is
# left out because its cost per request grows with the pool and would
# dominate the run time; its 64-way figure is in the table above).
for _c in (1, 8, 64, 256, 1024):
    WORKLOADS.append(
        Workload(
            f"scale_{_c}",
            f"scale: {_c} concurrent small GETs",
            max(2048, 4 * _c),
            0,
            _c,
            "req/s",
            full_only=True,
            clients=_NO_HTTPX,
        )
    )
# What lamella and aiohttp both import before any code of their own runs:
# the floor under either's import time, measured beside them.
DEPENDENCY_FLOOR = "asyncio, ssl, multidict, yarl"
IMPORTS = ["lamella_core", "lamella", "aiohttp", "httpx", DEPENDENCY_FLOOR]


# --- running one measurement ----------------------------------------------------------


def _client_env(client: Client, pythonpath: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LAMELLA_NO_EXTENSIONS", "AIOHTTP_NO_EXTENSIONS", "PYTHONPATH")
    }
    env.update(client.env)
    paths = [str(HERE)]
    if pythonpath:
        paths.insert(0, pythonpath)
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def measure(
    client: Client,
    workload: Workload,
    port: int,
    n: int,
    pythonpath: str | None,
    pin: bool,
    upload: Path,
    ca: Path,
) -> dict[str, Any]:
    """One client.py process for ``client`` and ``workload``: its JSON line, parsed."""
    cmd = [
        sys.executable,
        str(HERE / "client.py"),
        client.program,
        workload.name,
        str(port),
        str(n),
        str(workload.concurrency),
        str(upload),
        str(ca),
    ]
    if pin:
        cmd = ["taskset", "-c", str(CLIENT_CORE), *cmd]
    env = _client_env(client, client.pythonpath or pythonpath)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{client.name} {workload.name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_sample(module: str, pythonpath: str | None, pin: bool) -> dict[str, float]:
    code = (
        "import resource, time, sys\n"
        "def rss():\n"
        "    with open('/proc/self/statm') as f:\n"
        "        return int(f.read().split()[1]) * resource.getpagesize() // 1024\n"
        "r0 = rss(); n0 = len(sys.modules); t0 = time.perf_counter()\n"
        f"import {module}\n"
        "t1 = time.perf_counter()\n"
        "print(t1 - t0, rss() - r0, rss(), len(sys.modules) - n0)\n"
    )
    cmd = [sys.executable, "-c", code]
    if pin:
        cmd = ["taskset", "-c", str(CLIENT_CORE), *cmd]
    env = _client_env(Client("", "", {}), pythonpath)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.split()
    return {
        "seconds": float(out[0]),
        "rss_delta_kib": float(out[1]),
        "rss_kib": float(out[2]),
        "modules": float(out[3]),
    }


# --- lamella as committed at a revision ------------------------------------------------


@contextlib.contextmanager
def lamella_at(ref: str | None) -> Iterator[tuple[str | None, str]]:
    """PYTHONPATH for lamella at ``ref`` (None: the installed working tree), and its label.

    The sources are byte-compiled first, as installing a wheel does: with
    ``PYTHONDONTWRITEBYTECODE`` set, an editable or archived tree would
    otherwise be compiled again by every client process, and its import time
    would measure the compiler.
    """
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", ref or "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if ref is None:
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "packages"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        _byte_compile(REPO / "packages")
        yield None, f"working tree at {head}" + (" (with uncommitted changes)" if dirty else "")
        return
    with tempfile.TemporaryDirectory(prefix="lamella-src-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", ref, "packages"], capture_output=True, check=True
        ).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        _byte_compile(Path(tmp, "packages"))
        srcs = sorted(str(p) for p in Path(tmp, "packages").glob("*/src"))
        shadow = _shadow_newer_plugins(Path(tmp, "shadow"), srcs)
        yield os.pathsep.join([shadow, *srcs]), f"commit {head}"


def _shadow_newer_plugins(folder: Path, srcs: list[str]) -> str:
    """A folder of empty modules for the installed plugins that ``srcs`` lack.

    The bench env has today's distributions installed, and lamella loads every
    ``lamella`` entry point it finds; a plugin added after the revision would
    import names the revision does not have. Each is replaced by an empty
    module, which registers nothing, so the revision runs with what it had.
    """
    present = {path.name for src in srcs for path in Path(src).iterdir() if path.is_dir()}
    for entry in importlib.metadata.entry_points(group="lamella"):
        package, *rest = entry.module.split(".")
        if package in present:
            continue
        module = folder.joinpath(package, *rest)
        module.parent.mkdir(parents=True, exist_ok=True)
        for parent in module.parents:
            if parent == folder:
                break
            (parent / "__init__.py").touch()
        module.with_suffix(".py").touch()
    return str(folder)


def _byte_compile(packages: Path) -> None:
    for src in sorted(packages.glob("*/src")):
        compileall.compile_dir(src, quiet=1)


# --- statistics and the table ---------------------------------------------------------


def metric(workload: Workload, sample: dict[str, Any]) -> float:
    """The figure a sample gives in the workload's unit."""
    if workload.unit == "MB/s":
        return sample["bytes"] / sample["wall"] / 1e6
    if workload.unit == TIME_UNIT:
        return sample["wall"] / sample["ops"] * 1e6
    return sample["ops"] / sample["wall"]


def speedup(unit: str, row: dict[str, Any], ref: dict[str, Any]) -> float:
    """How many times faster ``row`` is than ``ref``, whichever way the unit points."""
    if unit == TIME_UNIT:
        return float(ref["median"] / row["median"])
    return float(row["median"] / ref["median"])


def summarise(workload: Workload, samples: list[dict[str, Any]]) -> dict[str, Any]:
    values = [metric(workload, s) for s in samples]
    cpu = [s["cpu"] / s["ops"] * 1e6 for s in samples]
    out: dict[str, Any] = {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "cpu_us_median": statistics.median(cpu),
        "cpu_us_min": min(cpu),
        "cpu_us_max": max(cpu),
        "maxrss_kib": statistics.median(s["maxrss_kib"] for s in samples),
        "minflt_per_op": statistics.median(s["minflt"] / s["ops"] for s in samples),
        "impl": samples[0].get("impl", ""),
        "reps": len(samples),
    }
    if workload.name == "idle_pool":
        out["kib_per_connection"] = statistics.median(
            s["rss_growth_kib"] / workload.concurrency for s in samples
        )
    return out


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:,.2f}"


def print_tables(report: dict[str, Any]) -> None:
    for wl in report["workloads"]:
        rows = wl["clients"]
        if not rows:
            continue
        ref = rows.get(REFERENCE)
        print(
            f"\n## {wl['title']}  (N={wl['n']}, {wl['unit']}, {rows[next(iter(rows))]['reps']}"
            " reps)"
        )
        header = (
            f"{'client':<15} {wl['unit'] + ' median':>14} {'min-max':>21} {'x aiohttp':>9}"
            f" {'CPU us/op':>10} {'CPU x aiohttp':>13}"
        )
        if wl["name"] in MEMORY_ROWS:
            header += f" {'peak RSS MiB':>12} {'faults/op':>10}"
        elif wl["name"] == "idle_pool":
            header += f" {'KiB/conn':>9}"
        print(header)
        print("-" * len(header))
        for name, r in rows.items():
            ratio = f"{r['median'] / ref['median']:.2f}" if ref else "-"
            cpu_ratio = f"{r['cpu_us_median'] / ref['cpu_us_median']:.2f}" if ref else "-"
            line = (
                f"{name:<15} {_fmt(r['median']):>14} "
                f"{_fmt(r['min']) + '-' + _fmt(r['max']):>21} {ratio:>9} "
                f"{_fmt(r['cpu_us_median']):>10} {cpu_ratio:>13}"
            )
            if wl["name"] in MEMORY_ROWS:
                line += f" {r['maxrss_kib'] / 1024:>12.1f} {r['minflt_per_op']:>10.0f}"
            elif wl["name"] == "idle_pool":
                line += f" {r['kib_per_connection']:>9.1f}"
            print(line)
    imports = report.get("imports")
    if imports:
        ref = imports.get(REFERENCE)
        print(f"\n## import time, fresh interpreters ({imports[REFERENCE]['samples']} samples)")
        header = (
            f"{'module':<30} {'ms median':>10} {'min-max':>15} {'x aiohttp':>9} "
            f"{'RSS +MiB':>9} {'modules':>8}"
        )
        print(header)
        print("-" * len(header))
        for name, r in imports.items():
            span = f"{r['ms_min']:.1f}-{r['ms_max']:.1f}"
            print(
                f"{name:<30} {r['ms_median']:>10.1f} {span:>15} "
                f"{r['ms_median'] / ref['ms_median']:>9.2f} {r['rss_delta_mib']:>9.1f} "
                f"{r['modules']:>8.0f}"
            )
    targets = report.get("targets")
    if targets:
        print("\n## targets (lamella against the named client, medians of this run)")
        for t in targets:
            print(f"  [{'met' if t['met'] else 'NOT met':>7}] {t['what']}: {t['measured']}")


# --- targets --------------------------------------------------------------------------


def check_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    by = {wl["name"]: wl["clients"] for wl in report["workloads"]}
    out: list[dict[str, Any]] = []

    def ratio(wl: str, a: str, b: str, key: str = "median") -> float | None:
        rows = by.get(wl, {})
        if a not in rows or b not in rows:
            return None
        return float(rows[a][key] / rows[b][key])

    def add(what: str, value: float | None, ok: bool | None, fmt: str = "{:.2f}x") -> None:
        if value is not None and ok is not None:
            out.append({"what": what, "measured": fmt.format(value), "met": ok})

    def best_rival(wl: str, key: str = "median") -> str | None:
        rows = by.get(wl, {})
        present = [name for name in RIVALS if name in rows]
        return max(present, key=lambda name: rows[name][key]) if present else None

    fastest = best_rival("concurrent")
    if fastest is not None:
        r = ratio("concurrent", "lamella", fastest)
        add(
            f"64-way small GETs, req/s >= 1.5x the fastest other ({fastest})",
            r,
            r is not None and r >= 1.5,
        )
    r = ratio("concurrent", "lamella", "aiohttp")
    add("64-way small GETs, req/s >= 2.5x aiohttp", r, r is not None and r >= 2.5)
    r = ratio("concurrent", "lamella", "aiohttp", "cpu_us_median")
    add("64-way small GETs, CPU/req <= 0.4x aiohttp", r, r is not None and r <= 0.4)
    r = ratio("sequential", "lamella", "aiohttp", "cpu_us_median")
    add("sequential small GETs, CPU/req <= 0.5x aiohttp", r, r is not None and r <= 0.5)
    fastest = best_rival("download")
    if fastest is not None:
        r = ratio("download", "lamella", fastest)
        add(
            f"streamed download, MB/s >= the fastest other ({fastest})",
            r,
            r is not None and r >= 1.0,
        )
    r = ratio("download", "lamella", "aiohttp", "maxrss_kib")
    add("streamed download, peak RSS <= aiohttp's", r, r is not None and r <= 1.0)
    for wl in ("concurrent", "download", "sequential"):
        r = ratio(wl, "lamella-uvloop", "lamella")
        add(f"{wl} on uvloop, >= 1.2x lamella on asyncio's loop", r, r is not None and r >= 1.2)
    r = ratio("https_h2", "lamella", "httpx")
    add("64-way GETs over HTTP/2, req/s >= 3x httpx's HTTP/2", r, r is not None and r >= 3.0)
    h2_rows, h1_rows = by.get("https_h2", {}), by.get("https_h1", {})
    if "lamella" in h2_rows and "lamella" in h1_rows:
        r = h2_rows["lamella"]["cpu_us_median"] / h1_rows["lamella"]["cpu_us_median"]
        add("64-way GETs, HTTP/2 CPU/req <= 1.5x lamella's HTTP/1.1 over TLS", r, r <= 1.5)
    imports = report.get("imports", {})
    if "aiohttp" in imports and "lamella" in imports:
        r = imports["lamella"]["ms_median"] / imports["aiohttp"]["ms_median"]
        floor = imports.get(DEPENDENCY_FLOOR)
        fmt = "{:.2f}x"
        if floor is not None:  # the share no library importing them can go below
            share = floor["ms_median"] / imports["aiohttp"]["ms_median"]
            fmt += f" (its dependencies alone: {share:.2f}x)"
        add("import lamella <= 0.35x aiohttp's", r, r <= 0.35, fmt)
    for wl in report["workloads"]:
        rows = wl["clients"]
        if "lamella-py" in rows and "aiohttp-py" in rows:
            r = speedup(wl["unit"], rows["lamella-py"], rows["aiohttp-py"])
            add(f"pure-Python paths, {wl['name']}: lamella-py >= aiohttp-py", r, r >= 1.0)
    return out


# --- the chart ------------------------------------------------------------------------


def chart(report: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib not installed: no chart)")
        return False
    # Rows without aiohttp (the HTTPS ones) have nothing to be relative to.
    main = [
        wl
        for wl in report["workloads"]
        if not wl["name"].startswith("scale_") and REFERENCE in wl["clients"]
    ]
    scale = [wl for wl in report["workloads"] if wl["name"].startswith("scale_") and wl["clients"]]
    names = [c.name for c in CLIENTS]
    fig, axes = plt.subplots(1, 2 if scale else 1, figsize=(14 if scale else 9, 5.5), squeeze=False)
    ax = axes[0][0]
    width = 0.8 / len(names)
    for i, client in enumerate(names):
        xs, ys = [], []
        for j, wl in enumerate(main):
            row, ref = wl["clients"].get(client), wl["clients"].get(REFERENCE)
            if row and ref:
                xs.append(j + (i - len(names) / 2 + 0.5) * width)
                ys.append(speedup(wl["unit"], row, ref))
        ax.bar(xs, ys, width, label=client, color=f"C{i}")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(main)), [wl["name"] for wl in main], rotation=20)
    ax.set_ylabel("speed / aiohttp's (same run, median; cookies: calls/s)")
    ax.set_yscale("log")
    ax.set_title("Speed relative to aiohttp (log scale; higher is better)")
    ax.legend(fontsize=8)
    if scale:
        ax2 = axes[0][1]
        for i, client in enumerate(names):
            pts = [
                (wl["concurrency"], wl["clients"][client]["cpu_us_median"])
                for wl in scale
                if client in wl["clients"]
            ]
            if pts:
                ax2.plot(*zip(*pts, strict=True), marker="o", label=client, color=f"C{i}")
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlabel("concurrent requests")
        ax2.set_ylabel("client CPU per request (us)")
        ax2.set_title("Scale curve: client CPU per small GET (lower is better)")
        ax2.legend(fontsize=8)
    fig.suptitle(f"lamella benchmarks - {report['lamella']} - {report['when']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --- the run --------------------------------------------------------------------------


def _ws_extension() -> tuple[list[Workload], Any] | None:
    if not (HERE / "ws" / "harness.py").exists():
        return None
    from ws.harness import WORKLOADS as WS_WORKLOADS  # type: ignore[import-not-found]
    from ws.harness import server as ws_server  # type: ignore[import-not-found]

    return list(WS_WORKLOADS), ws_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer reps and requests (< 2 min)")
    parser.add_argument("--reps", type=int, help="repetitions (default 5, quick 2)")
    parser.add_argument(
        "--clients", help="comma-separated subset of: " + ", ".join(c.name for c in CLIENTS)
    )
    parser.add_argument(
        "--workloads", help="comma-separated subset of: " + ", ".join(w.name for w in WORKLOADS)
    )
    parser.add_argument("--ref", help="benchmark lamella as committed at this git revision")
    parser.add_argument(
        "--baseline",
        help="also run lamella and lamella-py as committed at this revision, interleaved",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not use taskset")
    parser.add_argument("--no-imports", action="store_true", help="skip the import-time rows")
    parser.add_argument("--out", type=Path, help="JSON file to write (default: results/run-*.json)")
    args = parser.parse_args()

    reps = args.reps or (2 if args.quick else 5)
    pin = not args.no_pin and (os.cpu_count() or 1) >= 2
    if not args.no_pin and not pin:
        print("(one core only: servers and client share it, no pinning)")
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 8192), hard), hard))
    clients = CLIENTS
    if args.clients:
        wanted = args.clients.split(",")
        clients = [c for c in CLIENTS if c.name in wanted]
    workloads = [w for w in WORKLOADS if not (w.full_only and args.quick)]
    ws = _ws_extension()
    if ws is not None:
        workloads += ws[0]
    if args.workloads:
        wanted = args.workloads.split(",")
        workloads = [w for w in workloads if w.name in wanted]

    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    samples: dict[tuple[str, str], list[dict[str, Any]]] = {}
    failures: list[str] = []
    with lamella_at(args.ref) as (pythonpath, label), contextlib.ExitStack() as stack:
        if args.baseline:
            base_path, base_label = stack.enter_context(lamella_at(args.baseline))
            revision = base_label.removeprefix("commit ")
            clients = clients + [
                replace(c, name=f"{c.name}@{revision}", pythonpath=base_path)
                for c in clients
                if c.name in ("lamella", "lamella-py")
            ]
            label += f", against {base_label} (@{revision} rows)"
        print(
            f"lamella: {label}; {reps} reps{' (quick)' if args.quick else ''}; "
            f"nginx on core {SERVER_CORE}, clients on core {CLIENT_CORE}"
            f"{'' if pin else ' (not pinned)'}",
            flush=True,
        )
        server = stack.enter_context(nginx_server(SERVER_CORE if pin else None))
        ports = {w.name: server.port for w in workloads}
        ports.update({name: server.tls_port for name in TLS_WORKLOADS})
        ports.update({name: server.h2_port for name in H2_WORKLOADS})
        if any(w.name == "upload" for w in workloads):
            ports["upload"] = stack.enter_context(sink_server(SERVER_CORE if pin else None))
        if ws is not None:
            ws_port = stack.enter_context(ws[1](SERVER_CORE if pin else None))
            ports.update({w.name: ws_port for w in ws[0]})
        for rep in range(reps):
            for i, wl in enumerate(workloads):
                n = wl.n_quick if args.quick else wl.n_full
                wl_clients = [
                    c
                    for c in clients
                    if (wl.clients is None or c.kind in wl.clients)
                    and (c.workloads is None or wl.name in c.workloads)
                ]
                # Rotate the order each repetition and workload: no client is
                # always first after another one's run.
                shift = (rep + i) % len(wl_clients)
                for client in wl_clients[shift:] + wl_clients[:shift]:
                    try:
                        sample = measure(
                            client,
                            wl,
                            ports[wl.name],
                            n,
                            pythonpath,
                            pin,
                            server.upload_file,
                            server.ca_file,
                        )
                    except (RuntimeError, subprocess.TimeoutExpired) as exc:
                        # One broken client must not cost the whole run: report it.
                        print(f"  FAILED {exc}", flush=True)
                        failures.append(f"{client.name} {wl.name}: {str(exc)[-500:]}")
                        continue
                    samples.setdefault((wl.name, client.name), []).append(sample)
            print(f"  repetition {rep + 1}/{reps} done", flush=True)

        report: dict[str, Any] = {
            "when": when,
            "lamella": label,
            "quick": args.quick,
            "reps": reps,
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "pinned": pin,
                "big_file_bytes": BIG_SIZE,
                "upload_file_bytes": UPLOAD_SIZE,
            },
            "versions": _versions(),
            "workloads": [],
            "failures": failures,
        }
        for wl in workloads:
            rows = {}
            for client in clients:
                got = samples.get((wl.name, client.name))
                if got:
                    rows[client.name] = summarise(wl, got)
            report["workloads"].append(
                {**asdict(wl), "n": wl.n_quick if args.quick else wl.n_full, "clients": rows}
            )
        if not args.no_imports:
            report["imports"] = run_imports(3 if args.quick else 9, pythonpath, pin)
    report["targets"] = check_targets(report)
    print_tables(report)

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS / f"run-{stamp}{'-quick' if args.quick else ''}.json"
    out.write_text(json.dumps(report, indent=1) + "\n")
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=1) + "\n")
    png = out.with_suffix(".png")
    if chart(report, png):
        print(f"\nchart: {png.relative_to(REPO) if png.is_relative_to(REPO) else png}")
    print(f"results: {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    if failures:
        sys.exit(f"{len(failures)} measurement(s) failed: {'; '.join(failures)[:2000]}")


def run_imports(count: int, pythonpath: str | None, pin: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for module in IMPORTS:
        import_sample(module, pythonpath, pin)  # warm the page cache
    runs: dict[str, list[dict[str, float]]] = {m: [] for m in IMPORTS}
    for _ in range(count):  # interleaved, like the workloads
        for module in IMPORTS:
            runs[module].append(import_sample(module, pythonpath, pin))
    for module, got in runs.items():
        ms = [g["seconds"] * 1000 for g in got]
        out[module] = {
            "ms_median": statistics.median(ms),
            "ms_min": min(ms),
            "ms_max": max(ms),
            "rss_delta_mib": statistics.median(g["rss_delta_kib"] for g in got) / 1024,
            "rss_mib": statistics.median(g["rss_kib"] for g in got) / 1024,
            "modules": statistics.median(g["modules"] for g in got),
            "samples": len(got),
        }
    return out


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in (
        "aiohttp",
        "httpx",
        "httpcore",
        "h11",
        "httptools",
        "yarl",
        "multidict",
        "uvloop",
        *(name.replace("_", "-") for name in OTHERS),
    ):
        with contextlib.suppress(PackageNotFoundError):
            out[dist] = version(dist)
    nginx = subprocess.run([ensure_nginx(), "-v"], capture_output=True, text=True)
    out["nginx"] = (nginx.stderr or nginx.stdout).strip().rpartition("/")[2]
    return out


if __name__ == "__main__":
    main()
