"""100 SSE viewers of the board during a rollout at 200 workloads / 2,000 pods.

The board runs as its own process (``bench/board_rollout_source.py``: the real app under
uvicorn on 127.0.0.1, default settings, the synthetic cluster of
``bench.board_render.synthetic``), so its RSS and CPU are its own. ``--viewers`` HTTP
clients (httpx, one connection each) open ``/events``, parse the SSE messages and record
the board version each one carries (``data-version`` of ``#board-foot``, in the whole
board and in every delta's chrome). Once every viewer has its first board, the server
is sent SIGUSR1 and plays one Deployment's rollout (1 + 3 x 10 steps, one every
200-300 ms). Reported: versions published during the rollout (``frontend_board_versions``
before and after) against versions each viewer received, bytes per delta message per
viewer, step-applied-to-bytes-at-the-viewer latency, and the server's RSS (VmRSS sampled
every 50 ms, VmHWM) and CPU time (utime + stime from /proc/PID/stat).

    uv run --frozen python bench/board_viewers.py [--viewers 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

# Run as a script: the repository root on the path, for ``bench`` and ``tools``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.board_live import pct, played, read_log, wait_done

VERSION = re.compile(rb'id="board-foot" data-version="(\d+)"')
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Viewer:
    """What one viewer received: (wall time, event, version, bytes) per SSE message."""

    messages: list[tuple[float, str, int, int]] = field(default_factory=list)
    first: asyncio.Event = field(default_factory=asyncio.Event)
    error: str | None = None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


async def watch(client: httpx.AsyncClient, url: str, viewer: Viewer) -> None:
    try:
        async with client.stream("GET", url + "/events") as response:
            buffer = bytearray()
            async for chunk in response.aiter_raw():
                start = max(len(buffer) - 1, 0)
                buffer += chunk
                now = time.time()
                while (end := buffer.find(b"\n\n", start)) >= 0:
                    message = bytes(buffer[: end + 2])
                    del buffer[: end + 2]
                    start = 0
                    if message.startswith(b"event: "):
                        event = message[7 : message.index(b"\n")].decode()
                        found = VERSION.search(message)
                        version = int(found.group(1)) if found else -1
                        viewer.messages.append((now, event, version, len(message)))
                        viewer.first.set()
    except (httpx.HTTPError, asyncio.CancelledError) as exc:
        if not isinstance(exc, asyncio.CancelledError):
            viewer.error = repr(exc)
            viewer.first.set()


async def versions_published(client: httpx.AsyncClient, url: str) -> int:
    text = (await client.get(url + "/metrics")).text
    found = re.search(r"^frontend_board_versions_total (\S+)$", text, re.MULTILINE)
    return int(float(found.group(1))) if found else -1


async def sample_rss(pid: int, samples: list[tuple[float, int]]) -> None:
    while True:
        samples.append((time.time(), status_kib(pid, "VmRSS")))
        await asyncio.sleep(0.05)


async def measure(url: str, pid: int, log: Path, viewers_n: int) -> dict[str, object]:
    limits = httpx.Limits(max_connections=viewers_n + 5, max_keepalive_connections=0)
    timeout = httpx.Timeout(60.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as control:
        samples: list[tuple[float, int]] = []  # (wall time, VmRSS KiB) every 50 ms
        sampler = asyncio.create_task(sample_rss(pid, samples))
        viewers = [Viewer() for _ in range(viewers_n)]
        clients = [httpx.AsyncClient(timeout=timeout) for _ in range(viewers_n)]
        cpu0, connect0 = cpu_seconds(pid), time.perf_counter()
        tasks = [
            asyncio.create_task(watch(c, url, v)) for c, v in zip(clients, viewers, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(v.first.wait() for v in viewers)), 120)
        connect = {
            "seconds": time.perf_counter() - connect0,
            "cpu_s": cpu_seconds(pid) - cpu0,
            "rss_mib": status_kib(pid, "VmRSS") / 1024,
        }
        errors = [v.error for v in viewers if v.error]
        if errors:
            raise RuntimeError(f"{len(errors)} viewers failed: {errors[0]}")

        await asyncio.sleep(3)  # idle with every viewer connected: the baseline
        idle0 = cpu_seconds(pid)
        await asyncio.sleep(3)
        idle_cpu = cpu_seconds(pid) - idle0

        published0 = await versions_published(control, url)
        start_version = max(v.messages[-1][2] for v in viewers)
        cpu_start, wall_start = cpu_seconds(pid), time.time()
        os.kill(pid, signal.SIGUSR1)
        await asyncio.to_thread(wait_done, log)
        await asyncio.sleep(1.5)  # the last batch (250 ms) and its delivery
        cpu_end, wall_end = cpu_seconds(pid), time.time()
        published = await versions_published(control, url) - published0
        hwm = status_kib(pid, "VmHWM") / 1024
        await asyncio.sleep(3)  # still connected, nothing changing
        sampler.cancel()
        rss_after = samples[-1][1] / 1024
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for client in clients:
            await client.aclose()

    steps = [e for e in read_log(log) if "applied" in e]
    expected = set(range(start_version + 1, start_version + published + 1))
    missed, extra, deltas, boards, lags = [], [], [], 0, []
    for v in viewers:
        during = [m for m in v.messages if m[0] >= wall_start]
        got = {m[2] for m in during}
        missed.append(len(expected - got))
        extra.append(len(got - expected))
        deltas += [m[3] for m in during if m[1] == "delta"]
        boards += sum(1 for m in during if m[1] == "board")
        times = [m[0] for m in during]
        for step in steps:
            applied = float(step["applied"])
            after = [t for t in times if t >= applied]
            if after:
                lags.append((after[0] - applied) * 1000)
    return {
        "viewers": viewers_n,
        "steps": len(steps),
        "published": published,
        "start_version": start_version,
        "connect": connect,
        "idle_cpu_s_per_3s": idle_cpu,
        "missed_total": sum(missed),
        "missed_max": max(missed),
        "unexpected_total": sum(extra),
        "same_final": len({v.messages[-1][2] for v in viewers}) == 1,
        "final_version": viewers[0].messages[-1][2],
        "boards_during": boards,
        "delta_messages": len(deltas),
        "delta_bytes": {
            "median": statistics.median(deltas),
            "p95": pct(deltas, 0.95),
            "max": max(deltas),
            "min": min(deltas),
        },
        "bytes_per_viewer": sum(deltas) / viewers_n,
        "lag_ms": {"p50": pct(lags, 0.5), "p95": pct(lags, 0.95), "max": max(lags)},
        "rollout_seconds": wall_end - wall_start,
        "cpu_s": cpu_end - cpu_start,
        "cpu_ms_per_step": (cpu_end - cpu_start) * 1000 / len(steps),
        "cpu_ms_per_version": (cpu_end - cpu_start) * 1000 / max(published, 1),
        "rss_mib": {
            "connected": connect["rss_mib"],
            "before": [kib for t, kib in samples if t < wall_start][-1] / 1024,
            "peak": max(kib for t, kib in samples if wall_start <= t <= wall_end) / 1024,
            "end": [kib for t, kib in samples if t <= wall_end][-1] / 1024,
            "after_3s": rss_after,
            "hwm": hwm,
            "timeline": [round(kib / 1024) for _, kib in samples[::10]],
        },
        "client_cpu_s": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print the raw result")
    args = parser.parse_args()
    with played(["--plan", "rollout"], "board-viewers-") as run:
        result = asyncio.run(measure(run.process.url, run.pid, run.log, args.viewers))
    result["batch_ms"] = run.entries[0]["batch_ms"]
    if args.json:
        sys.stdout.write(json.dumps(result, indent=1) + "\n")
    report(result)
    return 0


def report(r: dict[str, object]) -> None:
    c, d, lag, rss = (r["connect"], r["delta_bytes"], r["lag_ms"], r["rss_mib"])
    assert isinstance(c, dict)
    assert isinstance(d, dict)
    assert isinstance(lag, dict)
    assert isinstance(rss, dict)
    per_viewer = r["bytes_per_viewer"]
    assert isinstance(per_viewer, float)
    sys.stdout.write(
        f"{r['viewers']} viewers, rollout of {r['steps']} steps in {r['rollout_seconds']:.1f} s "
        f"(batch {r['batch_ms']} ms), Python {sys.version.split()[0]}\n"
        f"connect: {r['viewers']} first boards in {c['seconds']:.1f} s, server CPU "
        f"{c['cpu_s']:.2f} s, RSS {c['rss_mib']:.0f} MiB; "
        f"idle CPU {r['idle_cpu_s_per_3s']:.2f} s/3 s\n"
        f"versions published during the rollout: {r['published']} "
        f"(v{r['start_version']} -> v{r['final_version']}); missed: {r['missed_total']} in all, "
        f"{r['missed_max']} at most per viewer; unexpected {r['unexpected_total']}; "
        f"whole boards re-sent {r['boards_during']}; same final version: {r['same_final']}\n"
        f"delta messages {r['delta_messages']}: bytes median {d['median']:,.0f}, p95 "
        f"{d['p95']:,}, max {d['max']:,}; per viewer over the rollout "
        f"{per_viewer / 1024:,.0f} KiB\n"
        f"step applied -> next message at a viewer: p50 {lag['p50']:.0f} ms, p95 "
        f"{lag['p95']:.0f} ms, max {lag['max']:.0f} ms\n"
        f"server CPU during the rollout {r['cpu_s']:.2f} s: {r['cpu_ms_per_step']:.0f} ms per "
        f"step, {r['cpu_ms_per_version']:.0f} ms per version\n"
        f"server RSS MiB: {rss['connected']:.0f} with every first board sent, {rss['before']:.0f} "
        f"before the rollout, peak {rss['peak']:.0f} during it, {rss['end']:.0f} at its end, "
        f"{rss['after_3s']:.0f} 3 s later; VmHWM {rss['hwm']:.0f}; client CPU "
        f"{r['client_cpu_s']:.1f} s\n"
    )


if __name__ == "__main__":
    sys.exit(main())
