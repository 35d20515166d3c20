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

Each size twice: as the app builds it (``BoardAssembly``: cards, then the environments
view) with no GitOps objects, and with the five namespaces delivered by five chained Flux
Kustomizations whose inventories list every workload (``--gitops``), so the environments
view shows every workload and the changed pod is in a delivered namespace.

    uv run --frozen python bench/board_scale.py [--rounds 21]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import itertools
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
from frontend.board.assembly import BoardAssembly
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


def kustomizations(objects: list[Json], namespaces: tuple[str, ...]) -> list[Json]:
    """One Ready Kustomization per namespace, each depending on the one before, whose
    inventory lists that namespace's Deployments (as kustomize-controller writes it)."""
    found = []
    applied = "main@sha1:" + "a" * 40
    for index, ns in enumerate(namespaces):
        ids = [
            {"id": f"{ns}_{o['metadata']['name']}_apps_Deployment", "v": "v1"}
            for o in objects
            if o["kind"] == "Deployment" and o["metadata"]["namespace"] == ns
        ]
        ready = {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
                 "message": f"Applied revision: {applied}"}  # fmt: skip
        found.append({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": f"apps-{ns}", "namespace": "flux-system", "generation": 1,
                         "uid": f"ks-{index}", "resourceVersion": "1"},
            "spec": {"dependsOn": [{"name": f"apps-{namespaces[index - 1]}"}] if index else [],
                     "path": f"./{ns}", "prune": True, "interval": "10m",
                     "sourceRef": {"kind": "GitRepository", "name": "apps"}},
            "status": {"observedGeneration": 1, "conditions": [ready],
                       "inventory": {"entries": ids}, "lastAppliedRevision": applied},
        })  # fmt: skip
    return found


def measure(workloads: int, pods_each: int, rounds: int, gitops: bool) -> dict[str, float]:
    fixed = synthetic(workloads, pods_each)
    if gitops:
        fixed.objects += kustomizations(fixed.objects, fixed.namespaces)
    base = fixed.snapshot()
    journals = journals_of(base)
    pods = base.of_kind("pods")
    pod = pods[len(pods) // 2]
    env = environment(Assets.discover(None))
    assembly = BoardAssembly(refresh_seconds=3600)  # no clock refresh inside the measurement
    memo = BoardMemo(lambda: assembly.build(journal_snapshot(base, journals), PROBES, NOW), env)

    rows: list[int] = []

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
        rows.append(len((await memo.board(rounds + 1)).environments.rows))
        return samples

    samples = asyncio.run(run())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "workloads": workloads, "pods": workloads * pods_each,
        "first_ms": samples["first"][0], "full_kib": samples["full"][0] / 1024,
        "change_ms": statistics.median(samples["change"]),
        "change_cpu_ms": statistics.median(samples["cpu"]),
        "delta_kib": statistics.median(samples["delta"]) / 1024,
        "card_renders": memo.card_renders, "cards_built": assembly.builder.built, "rss_mib": rss,
        "gitops": gitops, "view_rows": rows[0], "view_builds": assembly.environments.builds,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--one", nargs=2, type=int, metavar=("WORKLOADS", "PODS_EACH"))
    parser.add_argument("--gitops", action="store_true", help="with --one: Kustomizations too")
    args = parser.parse_args()
    if args.one:
        workloads, pods_each = args.one
        sys.stdout.write(json.dumps(measure(workloads, pods_each, args.rounds, args.gitops)) + "\n")
        return 0
    sys.stdout.write(
        "| workloads / pods | GitOps | first board: build + render ms | HTML KiB | "
        "single-pod change: wall ms (median) | CPU ms (median) | delta per viewer KiB | "
        "view rows / rebuilds | RSS MiB |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    for (workloads, pods_each), gitops in itertools.product(SIZES, (False, True)):
        out = subprocess.run(
            [sys.executable, __file__, "--rounds", str(args.rounds), "--one", str(workloads),
             str(pods_each), *(["--gitops"] if gitops else [])],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        r = json.loads(out)
        sys.stdout.write(
            f"| {r['workloads']:,} / {r['pods']:,} | {'5 Kustomizations' if gitops else 'none'} | "
            f"{r['first_ms']:.0f} | {r['full_kib']:.0f} | {r['change_ms']:.1f} | "
            f"{r['change_cpu_ms']:.1f} | {r['delta_kib']:.1f} | "
            f"{r['view_rows']} / {r['view_builds']} | {r['rss_mib']:.0f} |\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
