"""Server render time of the board for 200 Deployments and 2,000 Pods.

Measures, on one core, what one board version costs the server (done once per
version however many viewers are connected): building the cards from the cache
snapshot, rendering the HTML fragment, and serialising /api/v1/status.

Data: the in-process test builders (tools/platformkit/objects.py), which
produce objects shaped like the API's JSON; the captured fixtures hold only a few
pods each, too few to scale to 2,000 without inventing most of them anyway.

    uv run --frozen python bench/board_render.py [--deployments 200] [--pods-each 10]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from frontend.assets import Assets
from frontend.board.builder import build_board
from frontend.board.memo import BoardMemo
from frontend.cluster.fixed import FixedObjects
from frontend.cluster.journal import Journal
from frontend.cluster.snapshot import Json, ObjectsByKind, ObjectSnapshot
from frontend.probes.results import ProbeResult, ProbeSnapshot
from frontend.rendering import environment
from frontend.routes.api import status_document
from tools.platformkit.objects import rollout, warning_event


def synthetic(deployments: int, pods_each: int) -> FixedObjects:
    objects = []
    for i in range(deployments):
        name = f"svc-{i:03d}"
        copies = copy.deepcopy(rollout(name, f"team-{i % 5}", replicas=pods_each,
                                       ready=pods_each if i % 4 else pods_each - 1,
                                       waiting="CrashLoopBackOff"))  # fmt: skip
        objects += copies
        if i % 4 == 0:
            objects.append(warning_event(copies[-1], "BackOff", "Back-off restarting container"))
    return FixedObjects(objects, tuple(f"team-{n}" for n in range(5)))


def journal_key(obj: Json) -> str:
    """What a stream keys an object by: its uid (the builders give events none)."""
    meta = obj["metadata"]
    return str(meta.get("uid") or f"{meta['namespace']}/{meta['name']}")


def journals_of(snapshot: ObjectSnapshot) -> dict[tuple[str, str], Journal]:
    """The snapshot's objects in one journal per kind and namespace, as the watch
    cache's streams keep them (``frontend.cluster.journal``)."""
    listed: dict[tuple[str, str], dict[str, Json]] = {}
    for plural, objects in snapshot.objects.items():
        for obj in objects:
            listed.setdefault((plural, obj["metadata"]["namespace"]), {})[journal_key(obj)] = obj
    journals = {where: Journal(*where) for where in listed}
    for where, items in listed.items():
        journals[where].replace(items)
    return journals


def journal_snapshot(
    base: ObjectSnapshot, journals: dict[tuple[str, str], Journal]
) -> ObjectSnapshot:
    """What ``WatchCache.snapshot()`` returns: each stream's view, objects joined on demand."""
    views = tuple(journal.view for journal in journals.values())
    return ObjectSnapshot(
        configured=True, source=base.source, server=None, namespaces=base.namespaces,
        objects=ObjectsByKind(views), streams=base.streams, journals=views,
    )  # fmt: skip


def _render(memo: BoardMemo) -> str:
    """Every card and the whole fragment, as for a viewer's first board."""
    return memo._fragment(memo._make(1))  # the memo's two render steps, timed


def timed(fn: Callable[[], object], rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deployments", type=int, default=200)
    parser.add_argument("--pods-each", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    cluster = synthetic(args.deployments, args.pods_each).snapshot()
    probes = ProbeSnapshot(service=ProbeResult(target="service", url="http://backend"))
    env = environment(Assets.discover(None))
    now = datetime.now(UTC)
    board = build_board(cluster, probes, now)
    pods = sum(len(e.card.pods) for g in board.groups for e in g.entries)
    cards = sum(len(g.entries) for g in board.groups)

    results = {
        "build cards (build_board)": timed(lambda: build_board(cluster, probes, now), args.rounds),
        # A fresh memo each round: every card rendered, as for a viewer's first board.
        "render fragment (Jinja)": timed(
            lambda: BoardMemo(lambda: board, env)._make(1), args.rounds
        ),
        "serialise /api/v1/status": timed(
            lambda: status_document(board, 1).model_dump_json(), args.rounds
        ),
    }
    size = len(_render(BoardMemo(lambda: board, env)))
    sys.stdout.write(f"{cards} Deployments, {pods} Pods, fragment {size / 1024:.0f} KiB, "
                     f"{args.rounds} rounds, Python {sys.version.split()[0]}\n")  # fmt: skip
    sys.stdout.write("| step | median ms | p95 ms |\n|---|---:|---:|\n")
    for step, samples in results.items():
        p95 = sorted(samples)[int(0.95 * (len(samples) - 1))]
        sys.stdout.write(f"| {step} | {statistics.median(samples):.0f} | {p95:.0f} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
