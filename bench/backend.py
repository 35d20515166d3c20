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


def servers(scratch: Path, before: Path | None) -> dict[str, Server]:
    """podinfo, the backend, the plain FastAPI app (bench/plain_app.py), the backend of
    BEFORE (another checkout, when given) and the frontend, each on a port of its own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BACKEND_", "FRONTEND_", "COVERAGE_"))
    }
    backend_env = {
        "BACKEND_HOST": "127.0.0.1",
        "BACKEND_LOG_LEVEL": "warning",
        "BACKEND_GIT_SHA": SHA,
        "BACKEND_DRAIN_DELAY_SECONDS": "0",
    }
    found: dict[str, Server] = {}
    port = free_port()
    found["podinfo"] = Server(
        "podinfo",
        [podinfo_binary(), "--host", "127.0.0.1", "--port", str(port), "--level", "warn",
         "--data-path", str(scratch), "--ui-path", str(scratch)],
        env,
        port,
    )  # fmt: skip
    port = free_port()
    found["backend"] = Server(
        "backend", [sys.executable, "-m", "backend"],
        env | backend_env | {"BACKEND_PORT": str(port)}, port,
    )  # fmt: skip
    port = free_port()
    found["plain"] = Server(
        "plain", [sys.executable, str(ROOT / "bench" / "plain_app.py"), "--port", str(port)],
        env, port,
    )  # fmt: skip
    if before is not None:
        # That checkout's packages first on the path: its backend and servicekit.
        paths = [str(before / "services" / name / "src") for name in ("backend", "servicekit")]
        port = free_port()
        found["before"] = Server(
            "before", [sys.executable, "-m", "backend"],
            env | backend_env | {"BACKEND_PORT": str(port), "PYTHONPATH": os.pathsep.join(paths)},
            port,
        )  # fmt: skip
    port = free_port()
    found["frontend"] = Server(
        "frontend", [sys.executable, "-m", "frontend"],
        env | {"FRONTEND_HOST": "127.0.0.1", "FRONTEND_PORT": str(port),
               "FRONTEND_LOG_LEVEL": "warning"},
        port,
    )  # fmt: skip
    return found


def _turns(items: list[Server], n: int) -> list[Server]:
    """Round N's order: rotated each round, so none is always first or last."""
    k = n % len(items)
    return items[k:] + items[:k]


def measure(args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-backend-") as scratch:
        found = servers(Path(scratch), args.before)
        probes = [s for name, s in found.items() if name != "frontend"]
        start: dict[str, list[tuple[float, float]]] = {s.name: [] for s in probes}
        for n in range(args.starts):
            for server in _turns(probes, n):
                start[server.name].append(start_ready(server))
                server.stop()
        load: dict[str, list[dict[str, float]]] = {}
        rss: dict[str, float] = {}
        for server in found.values():
            start_ready(server)
        try:
            for n in range(args.rounds):
                for _, theirs, ours in PAIRS:
                    for server in _turns(probes, n):
                        path = theirs if server.name == "podinfo" else ours
                        url = f"http://127.0.0.1:{server.port}{path}"
                        load.setdefault(f"{server.name} {path}", []).append(
                            wrk(url, args.seconds, args.connections)
                        )
                for path in FRONTEND_PATHS:
                    url = f"http://127.0.0.1:{found['frontend'].port}{path}"
                    load.setdefault(f"frontend {path}", []).append(
                        wrk(url, args.seconds, args.connections)
                    )
            rss = {s.name: s.rss_mib() for s in found.values()}
        finally:
            for server in found.values():
                server.stop()
    return {"start": start, "load": {k: median_run(v) for k, v in load.items()}, "rss": rss}


COLUMNS = {"backend": "backend", "plain": "plain FastAPI", "before": "before"}


def markdown(result: dict[str, object], args: argparse.Namespace) -> str:
    load: dict[str, dict[str, float]] = result["load"]  # type: ignore[assignment]
    start: dict[str, list[tuple[float, float]]] = result["start"]  # type: ignore[assignment]
    rss: dict[str, float] = result["rss"]  # type: ignore[assignment]
    ours = [name for name in COLUMNS if name in start]
    head = " | ".join(f"{COLUMNS[n]} req/s (ratio)" for n in ours)
    lines = [f"| endpoint | podinfo req/s | {head} |", "|---" * (2 + len(ours)) + "|"]
    for label, theirs, path in PAIRS:
        pi = load[f"podinfo {theirs}"]
        cells = " | ".join(
            f"{load[f'{n} {path}']['rps']:,.0f} (**{load[f'{n} {path}']['rps'] / pi['rps']:.2f}x**)"
            for n in ours
        )
        lines.append(f"| {label}: `{path}` vs `{theirs}` | {pi['rps']:,.0f} | {cells} |")
    columns = " | ".join(COLUMNS[n] for n in ours)
    lines += ["", f"| p50 / p99 ms (p99 ratio) | podinfo | {columns} |"]
    lines += ["|---" * (2 + len(ours)) + "|"]
    for label, theirs, path in PAIRS:
        pi = load[f"podinfo {theirs}"]
        cells = " | ".join(
            f"{load[f'{n} {path}']['p50_ms']:.2f} / {load[f'{n} {path}']['p99_ms']:.2f} "
            f"({load[f'{n} {path}']['p99_ms'] / pi['p99_ms']:.2f}x)"
            for n in ours
        )
        lines.append(f"| {label}: `{path}` | {pi['p50_ms']:.2f} / {pi['p99_ms']:.2f} | {cells} |")
    reference = load["podinfo /healthz"]["rps"]
    for path in FRONTEND_PATHS:
        fe = load[f"frontend {path}"]
        lines.append(
            f"| frontend `{path}`: {fe['rps']:,.0f} req/s ({fe['rps'] / reference:.2f}x podinfo "
            f"`/healthz`), p50 / p99 {fe['p50_ms']:.2f} / {fe['p99_ms']:.2f} ms | | |"
        )
    failures = sum(run["non_2xx"] + run["socket_errors"] for run in load.values())
    cpu = {name: statistics.median(c for c, _ in samples) for name, samples in start.items()}
    wall = {name: statistics.median(w for _, w in samples) for name, samples in start.items()}
    names = ["podinfo", *ours]
    lines += [
        "",
        "| start-up and memory | " + " | ".join(COLUMNS.get(n, n) for n in names) + " |",
        "|---" * (1 + len(names)) + "|",
        f"| CPU-seconds, exec to first `/readyz` 200 (median of {args.starts}) | "
        + " | ".join(f"{cpu[n]:.3f}" for n in names) + " |",
        "| wall seconds, exec to first `/readyz` 200 | "
        + " | ".join(f"{wall[n]:.3f}" for n in names) + " |",
        "| RSS after load, MiB | " + " | ".join(f"{rss[n]:.1f}" for n in names) + " |",
        "",
        "Start-up CPU, backend over the plain FastAPI app: "
        f"**{cpu['backend'] / cpu['plain']:.2f}x**; RSS, backend over podinfo: "
        f"**{rss['backend'] / rss['podinfo']:.2f}x**. Frontend RSS after load: "
        f"{rss['frontend']:.1f} MiB. Non-2xx answers and socket errors over every run: "
        f"{failures:.0f}. Medians of {args.rounds} rotating rounds of "
        f"`wrk -t1 -c{args.connections} -d{args.seconds}s --latency` per endpoint.",
    ]  # fmt: skip
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="duration of each wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=3, help="alternating load rounds")
    parser.add_argument("--starts", type=int, default=10, help="start-up samples per server")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--before", type=Path, help="a checkout of an earlier commit: its backend, side by side"
    )
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
