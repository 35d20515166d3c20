"""Backend benchmark: start-up to first ready, RSS, and loopback throughput.

Run with ``make bench-backend`` (needs Debian's wrk). Load is bounded: one wrk
thread, 16 connections, a fixed duration, against 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.processes import SHA_A, backend_process


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_second": rps,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5, help="duration of each load run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--starts", type=int, default=5, help="start-up samples")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.stderr.write("bench: wrk not found (apt-get install wrk)\n")
        return 3

    starts: list[float] = []
    rss: list[float] = []
    for _ in range(args.starts):
        proc = backend_process({"BACKEND_GIT_SHA": SHA_A, "BACKEND_LOG_LEVEL": "warning"})
        started = time.monotonic()
        proc.start()
        # Measured from exec to the first 200, polling every 5 ms.
        while True:
            try:
                if httpx.get(proc.url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.005)
        starts.append(time.monotonic() - started)
        assert proc.proc is not None
        rss.append(rss_mib(proc.proc.pid))
        proc.stop()

    proc = backend_process({"BACKEND_GIT_SHA": SHA_A, "BACKEND_LOG_LEVEL": "warning"}).start()
    proc.wait_until("/readyz")
    try:
        load = {
            path: wrk(proc.url + path, args.seconds, args.connections)
            for path in ("/healthz", "/meta")
        }
        assert proc.proc is not None
        rss_after_load = rss_mib(proc.proc.pid)
    finally:
        proc.stop()
    result = {
        "start_to_ready_s": {
            "min": min(starts),
            "median": sorted(starts)[len(starts) // 2],
            "max": max(starts),
        },
        "rss_after_start_mib": {"median": sorted(rss)[len(rss) // 2]},
        "rss_after_load_mib": rss_after_load,
        "load": load,
        "wrk": f"wrk -t1 -c{args.connections} -d{args.seconds}s --latency",
    }
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
