"""Instructions per request, counted by valgrind's callgrind: a figure load cannot move.

    hatch run bench:instructions --baseline 1d4f260 --workloads sequential,concurrent
    hatch run bench:instructions --workloads https_h1,https_h2 --parsers httptools

Wall-clock and CPU-time figures swing with whatever else the machine runs;
the number of instructions a client process executes does not. For each
workload and lamella (the working tree, and ``--baseline REV`` as committed
there, with both parsers) it runs ``client.py`` under callgrind twice, with
``--small`` and ``--large`` requests, against the harness's nginx, and
prints the difference divided by the extra requests: the instructions of
one request, start-up and warm-up cancelled out. It counts the whole
process (lamella, the event loop, the interpreter), not the kernel.
Needs valgrind (Debian: ``apt-get install valgrind``). Under callgrind a
process runs about 50 times slower, so the counts are small by default.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import Client, _client_env, lamella_at  # noqa: E402
from servers import NginxServer, nginx_server  # noqa: E402
from tls import H2_WORKLOADS, TLS_WORKLOADS  # noqa: E402

CONCURRENCY = {
    "sequential": 1,
    "concurrent": 64,
    "json": 64,
    "chunked": 8,
    "https_h1": 64,
    "https_h2": 64,
}
PARSERS = {"httptools": {}, "pure-Python": {"LAMELLA_NO_EXTENSIONS": "1"}}


def _port(server: NginxServer, workload: str) -> int:
    """The nginx listener of ``workload``: plain HTTP, HTTP/1.1 over TLS or HTTP/2."""
    if workload in H2_WORKLOADS:
        return server.h2_port
    return server.tls_port if workload in TLS_WORKLOADS else server.port


def instructions(
    workload: str, server: NginxServer, n: int, env: dict[str, str], client: str = "lamella"
) -> int:
    """The instructions one ``client.py CLIENT`` process executes for ``n`` requests."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={tmp}/out",
            sys.executable,
            str(HERE / "client.py"),
            client,
            workload,
            str(_port(server, workload)),
            str(n),
            str(CONCURRENCY[workload]),
            "",  # no upload file
            str(server.ca_file),
        ]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="also count lamella as committed at this revision")
    parser.add_argument("--workloads", default="sequential,concurrent", help=", ".join(CONCURRENCY))
    parser.add_argument("--parsers", default=",".join(PARSERS), help=", ".join(PARSERS))
    parser.add_argument(
        "--others", default="", help="other clients of client.py to count too, e.g. aiohttp,floor"
    )
    parser.add_argument("--small", type=int, default=200, help="requests of the first run")
    parser.add_argument("--large", type=int, default=1200, help="requests of the second run")
    args = parser.parse_args()
    extra = args.large - args.small
    with contextlib.ExitStack() as stack:
        server = stack.enter_context(nginx_server(None))
        versions = [stack.enter_context(lamella_at(None))]
        if args.baseline:
            versions.append(stack.enter_context(lamella_at(args.baseline)))
        print(f"{'workload':<12}{'parser':<13}{'lamella':<28}{'instructions/request':>21}")
        for workload in args.workloads.split(","):
            for parser_name in args.parsers.split(","):
                parser_env = PARSERS[parser_name]
                for pythonpath, label in versions:
                    env = _client_env(Client(label, "lamella", parser_env), pythonpath)
                    small = instructions(workload, server, args.small, env)
                    large = instructions(workload, server, args.large, env)
                    per_request = (large - small) / extra
                    print(
                        f"{workload:<12}{parser_name:<13}{label:<28}{per_request:>21,.0f}",
                        flush=True,
                    )
            for other in filter(None, args.others.split(",")):
                env = _client_env(Client(other, other, {}), None)
                small = instructions(workload, server, args.small, env, other)
                large = instructions(workload, server, args.large, env, other)
                per_request = (large - small) / extra
                print(f"{workload:<12}{'':<13}{other:<28}{per_request:>21,.0f}", flush=True)


if __name__ == "__main__":
    main()
