"""The board at scale: what one single-pod change costs the server and each viewer.

For 200 workloads / 2,000 pods and 2,000 / 20,000 (synthetic objects from the test
builders, tools/platformkit/objects.py, shaped like the API's JSON: 10 pods per Deployment in
5 namespaces, a quarter with a CrashLoopBackOff pod and a Warning event), each size in its
own process so its RSS is its own:

- the first board: ``build_board`` plus rendering every card (what a new viewer gets);
- a single-pod change (one pod turns not ready, with a new resourceVersion), applied to
  the pods' stream journal as a watch event is (``frontend.cluster.journal``): the snapshot, the
  next version's build (``BoardBuilder``) and render, in wall time and in CPU time, and
  the bytes of the delta each viewer is sent;
- the process's RSS with the board built and rendered.

    uv run --frozen python bench/board_scale.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.board_render import journal_snapshot, journals_of, synthetic
from frontend.assets import Assets
from frontend.board.builder import BoardBuilder
from frontend.board.memo import BoardMemo
from frontend.cluster.journal import Journal
from frontend.cluster.snapshot import Json
from frontend.probes.results import ProbeResult, ProbeSnapshot
from frontend.rendering import environment

NOW = datetime.now(UTC)
PROBES = ProbeSnapshot(service=ProbeResult(target="service", url="http://backend"))
SIZES = ((200, 10), (2000, 10))


def _one_pod_changed(journals: dict[tuple[str, str], Journal], pod: Json, generation: int) -> None:
    """One pod turns not ready (or ready again), as its watch event leaves the stream."""
    pod = copy.deepcopy(pod)
    pod["metadata"]["resourceVersion"] = f"9{generation:08d}"
    for status in pod["status"]["containerStatuses"]:
        status["ready"] = generation % 2 == 0
    journals[("pods", pod["metadata"]["namespace"])].put(pod["metadata"]["uid"], pod)


def measure(workloads: int, pods_each: int, rounds: int) -> dict[str, float]:
    base = synthetic(workloads, pods_each).snapshot()
    journals = journals_of(base)
    pods = base.of_kind("pods")
    pod = pods[len(pods) // 2]
    env = environment(Assets.discover(None))
    builder = BoardBuilder(refresh_seconds=3600)  # no clock refresh inside the measurement
    memo = BoardMemo(lambda: builder.build(journal_snapshot(base, journals), PROBES, NOW), env)

    async def run() -> dict[str, list[float]]:
        samples: dict[str, list[float]] = {"first": [], "change": [], "cpu": [], "delta": [],
                                           "full": []}  # fmt: skip
        started = time.perf_counter()
        _, fragment = await memo.get(1)
        samples["first"].append((time.perf_counter() - started) * 1000)
        samples["full"].append(len(fragment.encode()))
        for n in range(rounds):
            started, cpu = time.perf_counter(), time.process_time()
            _one_pod_changed(journals, pod, n)
            delta = await memo.delta(n + 1, n + 2)
            samples["cpu"].append((time.process_time() - cpu) * 1000)
            samples["change"].append((time.perf_counter() - started) * 1000)
            samples["delta"].append(len((delta or "").encode()))
        return samples

    samples = asyncio.run(run())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "workloads": workloads, "pods": workloads * pods_each,
        "first_ms": samples["first"][0], "full_kib": samples["full"][0] / 1024,
        "change_ms": statistics.median(samples["change"]),
        "change_cpu_ms": statistics.median(samples["cpu"]),
        "delta_kib": statistics.median(samples["delta"]) / 1024,
        "card_renders": memo.card_renders, "cards_built": builder.built, "rss_mib": rss,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--one", nargs=2, type=int, metavar=("WORKLOADS", "PODS_EACH"))
    args = parser.parse_args()
    if args.one:
        workloads, pods_each = args.one
        sys.stdout.write(json.dumps(measure(workloads, pods_each, args.rounds)) + "\n")
        return 0
    sys.stdout.write(
        "| workloads / pods | first board: build + render ms | HTML KiB | single-pod change: "
        "wall ms (median) | CPU ms (median) | delta per viewer KiB | RSS MiB |\n"
        "|---|---:|---:|---:|---:|---:|---:|\n"
    )
    for workloads, pods_each in SIZES:
        out = subprocess.run(
            [sys.executable, __file__, "--rounds", str(args.rounds), "--one", str(workloads),
             str(pods_each)], capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        r = json.loads(out)
        sys.stdout.write(
            f"| {r['workloads']:,} / {r['pods']:,} | {r['first_ms']:.0f} | {r['full_kib']:.0f} | "
            f"{r['change_ms']:.1f} | {r['change_cpu_ms']:.1f} | {r['delta_kib']:.1f} | "
            f"{r['rss_mib']:.0f} |\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
