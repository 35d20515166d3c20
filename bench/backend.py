"""The backend beside podinfo, the peer probe: throughput per core, latency, RSS, start-up.

Run with ``make bench-backend``. Each server is pinned to one core (``taskset -c 1``)
and wrk to the other (``taskset -c 0``, ``-t1 -c16``); the servers take turns, in
alternating order, round after round, in one run, so a noisy neighbour hits both
alike. Results are ratios to podinfo. Start-up cost is the CPU time a server has used
(every thread's ``/proc/<pid>/task/*/schedstat``, in ns) when its ``/readyz`` first
answers 200; wall time is reported beside it as context. Load is bounded (fixed
duration and connections) and targets 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_CORE, LOAD_CORE = "1", "0"
SHA = "0123456789abcdef0123456789abcdef01234567"
# (label, podinfo path, our path): podinfo's /version is its /meta.
PAIRS = (
    ("liveness", "/healthz", "/healthz"),
    ("readiness", "/readyz", "/readyz"),
    ("build metadata", "/version", "/meta"),
)
FRONTEND_PATHS = ("/healthz", "/api/v1/status")


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        self.proc = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, *self.argv],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        total = 0
        for task in Path(f"/proc/{self.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                total += int((task / "schedstat").read_text().split()[0])
        return total / 1e9

    def rss_mib(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        return int(match.group(1)) / 1024 if match else float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def status_of(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


def start_ready(server: Server, timeout: float = 30.0) -> tuple[float, float]:
    """Exec to first ``/readyz`` 200: (CPU seconds the server used, wall seconds)."""
    started = time.monotonic()
    server.start()
    while time.monotonic() - started < timeout:
        if status_of(server.port, "/readyz") == 200:
            return server.cpu_seconds(), time.monotonic() - started
        assert server.proc is not None
        if server.proc.poll() is not None:
            raise SystemExit(f"bench: {server.name} exited with {server.proc.returncode}")
        time.sleep(0.002)
    raise SystemExit(f"bench: {server.name} not ready within {timeout}s")


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "taskset",
            "-c",
            LOAD_CORE,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def latency(pct: str) -> float:
        match = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)$", out, re.MULTILINE)
        return float(match.group(1)) * scale[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": float(bad.group(1)) if bad else 0.0,
        "socket_errors": float(sum(int(n) for n in re.findall(r"\d+", errors.group(1))))
        if errors
        else 0.0,
    }


def median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def podinfo_binary() -> str:
    out = subprocess.run(
        ["bash", str(ROOT / "tools/podinfo/build.sh")], capture_output=True, text=True, check=True
    ).stdout
    return str(Path(out.strip().splitlines()[-1]) / "podinfo")


def servers(scratch: Path) -> Iterator[Server]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BACKEND_", "FRONTEND_", "COVERAGE_"))
    }
    port = free_port()
    yield Server(
        "podinfo",
        [
            podinfo_binary(),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--level",
            "warn",
            "--data-path",
            str(scratch),
            "--ui-path",
            str(scratch),
        ],
        env,
        port,
    )
    port = free_port()
    yield Server(
        "backend",
        [sys.executable, "-m", "backend"],
        env
        | {
            "BACKEND_HOST": "127.0.0.1",
            "BACKEND_PORT": str(port),
            "BACKEND_LOG_LEVEL": "warning",
            "BACKEND_GIT_SHA": SHA,
            "BACKEND_DRAIN_DELAY_SECONDS": "0",
        },
        port,
    )
    port = free_port()
    yield Server(
        "frontend",
        [sys.executable, "-m", "frontend"],
        env
        | {
            "FRONTEND_HOST": "127.0.0.1",
            "FRONTEND_PORT": str(port),
            "FRONTEND_LOG_LEVEL": "warning",
        },
        port,
    )


def measure(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-backend-") as scratch:
        podinfo, backend, frontend = servers(Path(scratch))
        start: dict[str, list[tuple[float, float]]] = {"podinfo": [], "backend": []}
        for n in range(args.starts):
            for server in (podinfo, backend) if n % 2 == 0 else (backend, podinfo):
                start[server.name].append(start_ready(server))
                server.stop()
        load: dict[str, list[dict[str, float]]] = {}
        rss: dict[str, float] = {}
        for server in (podinfo, backend, frontend):
            start_ready(server)
        try:
            for n in range(args.rounds):
                for _, theirs, ours in PAIRS:
                    turns = [(podinfo, theirs), (backend, ours)]
                    for server, path in turns if n % 2 == 0 else turns[::-1]:
                        url = f"http://127.0.0.1:{server.port}{path}"
                        load.setdefault(f"{server.name} {path}", []).append(
                            wrk(url, args.seconds, args.connections)
                        )
                for path in FRONTEND_PATHS:
                    url = f"http://127.0.0.1:{frontend.port}{path}"
                    load.setdefault(f"frontend {path}", []).append(
                        wrk(url, args.seconds, args.connections)
                    )
            rss = {s.name: s.rss_mib() for s in (podinfo, backend, frontend)}
        finally:
            for server in (podinfo, backend, frontend):
                server.stop()
    return {"start": start, "load": {k: median_run(v) for k, v in load.items()}, "rss": rss}


def markdown(result: dict[str, object], args: argparse.Namespace) -> str:
    load: dict[str, dict[str, float]] = result["load"]  # type: ignore[assignment]
    start: dict[str, list[tuple[float, float]]] = result["start"]  # type: ignore[assignment]
    rss: dict[str, float] = result["rss"]  # type: ignore[assignment]
    lines = [
        "| endpoint (backend vs podinfo) | backend req/s | podinfo req/s | ratio "
        "| backend p50 / p99 ms | podinfo p50 / p99 ms | p99 ratio |",
        "|---" * 7 + "|",
    ]
    for label, theirs, ours in PAIRS:
        be, pi = load[f"backend {ours}"], load[f"podinfo {theirs}"]
        lines.append(
            f"| {label}: `{ours}` vs `{theirs}` | {be['rps']:,.0f} | {pi['rps']:,.0f} "
            f"| **{be['rps'] / pi['rps']:.2f}x** | {be['p50_ms']:.2f} / {be['p99_ms']:.2f} "
            f"| {pi['p50_ms']:.2f} / {pi['p99_ms']:.2f} | {be['p99_ms'] / pi['p99_ms']:.2f}x |"
        )
    reference = load["podinfo /healthz"]["rps"]
    for path in FRONTEND_PATHS:
        fe = load[f"frontend {path}"]
        lines.append(
            f"| frontend `{path}` (vs podinfo `/healthz`) | {fe['rps']:,.0f} | {reference:,.0f} "
            f"| {fe['rps'] / reference:.2f}x | {fe['p50_ms']:.2f} / {fe['p99_ms']:.2f} | | |"
        )
    failures = sum(run["non_2xx"] + run["socket_errors"] for run in load.values())
    cpu = {name: statistics.median(c for c, _ in samples) for name, samples in start.items()}
    wall = {name: statistics.median(w for _, w in samples) for name, samples in start.items()}
    lines += [
        "",
        "| start-up and memory | backend | podinfo | ratio |",
        "|---|---|---|---|",
        f"| CPU-seconds, exec to first `/readyz` 200 (median of {args.starts}) "
        f"| {cpu['backend']:.3f} | {cpu['podinfo']:.3f} | {cpu['backend'] / cpu['podinfo']:.0f}x |",
        f"| wall seconds, exec to first `/readyz` 200 | {wall['backend']:.3f} "
        f"| {wall['podinfo']:.3f} | |",
        f"| RSS after load, MiB | {rss['backend']:.1f} | {rss['podinfo']:.1f} "
        f"| {rss['backend'] / rss['podinfo']:.2f}x |",
        "",
        f"Frontend RSS after load: {rss['frontend']:.1f} MiB. Non-2xx answers and socket "
        f"errors over every run: {failures:.0f}. Medians of {args.rounds} alternating rounds of "
        f"`wrk -t1 -c{args.connections} -d{args.seconds}s --latency` per endpoint.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=3, help="alternating load rounds")
    parser.add_argument("--starts", type=int, default=10, help="start-up samples per server")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    for tool in ("wrk", "taskset", "go"):
        if shutil.which(tool) is None:
            sys.stderr.write(f"bench: {tool} not found (make bench-backend installs wrk)\n")
            return 3
    if len(os.sched_getaffinity(0)) < 2:
        sys.stderr.write("bench: needs two cores, one for the server and one for wrk\n")
        return 3
    os.sched_setaffinity(0, {int(LOAD_CORE)})  # our own polling stays off the server's core
    result = measure(args)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
