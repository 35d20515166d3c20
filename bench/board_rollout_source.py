"""A board server whose objects change on a timer: the server side of the live benchmarks.

Runs the real frontend (``frontend.app.create_app`` under ``frontend.server.Server``,
uvicorn on 127.0.0.1) with an injected ``ObjectSource`` holding the synthetic cluster
of ``bench.board_render.synthetic`` (200 Deployments x 10 Pods by default). On SIGUSR1
the source starts playing a plan in a thread, one step every ``--interval`` ms (drawn
uniformly from the range, fixed seed), and after each step calls the change feed's
``mark()``, as the watch cache does on a watch event. Each step is appended to
``--log`` as a JSON line with the wall-clock time (``time.time()``) it was applied.

Plans:

- ``rollout``: one Deployment rolled from revision 1 to 2, pod by pod (new ReplicaSet;
  then per pod: new pod created, new pod ready, old pod deleted): 1 + 3 x pods steps.
- ``toggles``: single-workload changes on distinct all-ready Deployments: one pod turns
  not ready (the card's ready count drops by one), then, in a second pass, ready again.

``create_app`` hands ``mark`` only to the watch cache it makes itself; an injected
source is wired to ``app.state.runtime.feed.mark`` here.

    uv run --frozen python bench/board_rollout_source.py --port 8091 --plan rollout \\
        --log /tmp/steps.jsonl
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import signal
import sys
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.board_render import journal_key, journal_snapshot, journals_of, synthetic
from bench.board_scale import kustomizations
from frontend.app import create_app
from frontend.cluster.journal import Journal
from frontend.cluster.snapshot import ObjectSnapshot
from frontend.server import Server
from frontend.settings import Settings
from servicekit import logs
from servicekit.server import server_config
from tools.platformkit import objects as build
from tools.platformkit.processes import DEAD_BACKEND

Json = dict[str, Any]
Key = tuple[str, str, str]  # kind plural, namespace, name


def _stamp(obj: Json) -> Json:
    """A resourceVersion that changes exactly when the object does (as the board index reads)."""
    obj["metadata"]["resourceVersion"] = "0"
    body = json.dumps(obj, sort_keys=True).encode()
    obj["metadata"]["resourceVersion"] = str(zlib.crc32(body))
    return obj


def _key(obj: Json) -> Key:
    meta = obj["metadata"]
    plural = {
        "Deployment": "deployments",
        "ReplicaSet": "replicasets",
        "Pod": "pods",
        "Event": "events",
        "Kustomization": "kustomizations",
    }[obj["kind"]]
    return plural, meta["namespace"], meta["name"]


@dataclass(frozen=True)
class Step:
    """Objects to put (by key) and keys to delete, plus what the log line says."""

    put: tuple[Json, ...]
    delete: tuple[Key, ...]
    note: Json


class PlayedCluster:
    """An ``ObjectSource``: the synthetic cluster, changed one step at a time.

    Its objects live in one ``frontend.cluster.journal.Journal`` per kind and namespace, as the
    watch cache's streams keep them, so the board follows each step as it follows watch
    events (ADR 0014) instead of comparing the whole cluster.
    """

    def __init__(self, workloads: int, pods_each: int, gitops: bool = False) -> None:
        static = synthetic(workloads, pods_each)
        if gitops:  # the environments view on the page: one Kustomization per namespace
            static.objects += kustomizations(static.objects, static.namespaces)
        self._base = static.snapshot()
        self._objects: dict[Key, Json] = {_key(o): o for o in static.objects}
        self._journals = journals_of(self._base)
        self._lock = threading.Lock()
        self.mark: Callable[[], None] = lambda: None

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def get(self, key: Key) -> Json:
        with self._lock:
            return copy.deepcopy(self._objects[key])

    def pods_of(self, rs_name: str, namespace: str) -> list[Json]:
        with self._lock:
            return [
                copy.deepcopy(o)
                for (kind, ns, name), o in self._objects.items()
                if kind == "pods" and ns == namespace and name.startswith(rs_name + "-")
            ]

    def _journal(self, key: Key) -> Journal:
        where = (key[0], key[1])
        if where not in self._journals:
            self._journals[where] = Journal(*where)
        return self._journals[where]

    def apply(self, step: Step) -> None:
        with self._lock:
            for key in step.delete:
                self._journal(key).delete(journal_key(self._objects.pop(key)))
            for obj in step.put:
                key = _key(obj)
                self._objects[key] = _stamp(obj)
                self._journal(key).put(journal_key(obj), obj)
        self.mark()

    def snapshot(self) -> ObjectSnapshot:
        with self._lock:
            return journal_snapshot(self._base, self._journals)


def _deployment_name(index: int) -> tuple[str, str]:
    return f"svc-{index:03d}", f"team-{index % 5}"


def rollout_plan(cluster: PlayedCluster, index: int, pods: int) -> list[Step]:
    """Deployment ``index`` from revision 1 to 2, one pod at a time (surge 1, none unavailable)."""
    name, ns = _deployment_name(index)
    dep0 = cluster.get(("deployments", ns, name))
    uid = dep0["metadata"]["uid"]
    old_hash = dep0["metadata"]["uid"].removeprefix("deploy-uid-")
    new_hash = zlib.crc32(f"{ns}/{name}/v2".encode()).to_bytes(4, "big").hex()[:9]
    old_pods = sorted(
        cluster.pods_of(f"{name}-{old_hash}", ns), key=lambda p: p["metadata"]["name"]
    )
    steps: list[Step] = []

    def state(created: int, ready: int, old_left: int) -> tuple[Json, ...]:
        done = ready == pods and old_left == 0
        available = ready + old_left
        rs_new = f"{name}-{new_hash}"
        conditions = [
            build.condition(
                "Available",
                "True" if available >= pods else "False",
                "MinimumReplicasAvailable" if available >= pods else "MinimumReplicasUnavailable",
                ago=5,
            ),
            build.condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
                f'ReplicaSet "{rs_new}" '
                + ("has successfully progressed." if done else "is progressing."),
                ago=5,
            ),
        ]
        dep = build.deployment(
            name=name,
            namespace=ns,
            uid=uid,
            replicas=pods,
            generation=2,
            observed=2,
            total=created + old_left,
            updated=created,
            ready=available,
            available=available,
            revision=2,
            image=build.IMAGE_V2,
            conditions=conditions,
        )
        old_rs = build.replicaset(
            old_hash,
            revision=1,
            image=build.IMAGE_V1,
            deployment_name=name,
            namespace=ns,
            replicas=old_left,
            created_ago=1800,
            owner_uid=uid,
        )
        new_rs = build.replicaset(
            new_hash,
            revision=2,
            image=build.IMAGE_V2,
            deployment_name=name,
            namespace=ns,
            replicas=created,
            ready=ready,
            available=ready,
            created_ago=60,
            owner_uid=uid,
        )
        new_pods = []
        for j in range(created):
            is_ready = j < ready
            status = build.container_status(
                ready=is_ready, image=build.IMAGE_V2, state=build.running_state(ago=30)
            )
            new_pods.append(
                build.pod(new_rs, f"n{j:04d}", ready=is_ready, statuses=[status], created_ago=30)
            )
        return (dep, old_rs, new_rs, *new_pods)

    steps.append(Step(state(0, 0, pods), (), {"what": "new ReplicaSet"}))
    for i in range(pods):
        steps.append(Step(state(i + 1, i, pods - i), (), {"what": f"pod n{i:04d} created"}))
        steps.append(Step(state(i + 1, i + 1, pods - i), (), {"what": f"pod n{i:04d} ready"}))
        old = old_pods[i]["metadata"]["name"]
        steps.append(
            Step(
                state(i + 1, i + 1, pods - i - 1),
                (("pods", ns, old),),
                {"what": f"pod {old} deleted"},
            )
        )
    for n, step in enumerate(steps):
        step.note.update(step=n, namespace=ns, name=name)
    return steps


def toggle_plan(cluster: PlayedCluster, workloads: int, count: int) -> list[Step]:
    """``count`` single-pod changes: half turn one pod not ready, half turn it back."""
    candidates = [i for i in range(workloads) if i % 4]  # every pod ready in these
    stride = max(len(candidates) // max(count // 2, 1), 1)
    chosen = candidates[::stride][: (count + 1) // 2]
    steps: list[Step] = []
    for ready in (False, True):
        for index in chosen:
            if len(steps) == count:
                break
            name, ns = _deployment_name(index)
            dep = cluster.get(("deployments", ns, name))
            pod_hash = dep["metadata"]["uid"].removeprefix("deploy-uid-")
            pods = sorted(
                cluster.pods_of(f"{name}-{pod_hash}", ns), key=lambda p: p["metadata"]["name"]
            )
            pod = pods[len(pods) // 2]
            for status in pod["status"]["containerStatuses"]:
                status["ready"] = ready
            for cond in pod["status"]["conditions"]:
                if cond["type"] in ("Ready", "ContainersReady"):
                    cond["status"] = "True" if ready else "False"
            want = len(pods) if ready else len(pods) - 1
            for field in ("readyReplicas", "availableReplicas"):
                dep["status"][field] = want
            dep["status"]["unavailableReplicas"] = len(pods) - want
            if not dep["status"]["unavailableReplicas"]:
                del dep["status"]["unavailableReplicas"]
            note = {
                "step": len(steps),
                "namespace": ns,
                "name": name,
                "ready": f"{want}/{len(pods)}",
            }
            steps.append(Step((dep, pod), (), note))
    return steps


def play(
    cluster: PlayedCluster, steps: list[Step], interval: tuple[float, float], log: Path, seed: int
) -> None:
    rng = random.Random(seed)  # noqa: S311 - pacing, not secrets
    with log.open("a") as out:
        for step in steps:
            time.sleep(rng.uniform(*interval) / 1000)
            cluster.apply(step)
            applied = time.time()
            out.write(json.dumps({**step.note, "applied": applied}) + "\n")
            out.flush()
        out.write(json.dumps({"done": time.time(), "steps": len(steps)}) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--plan", choices=("rollout", "toggles"), required=True)
    parser.add_argument("--log", type=Path, required=True)
    parser.add_argument("--workloads", type=int, default=200)
    parser.add_argument("--pods-each", type=int, default=10)
    parser.add_argument("--rollout-index", type=int, default=1)
    parser.add_argument("--changes", type=int, default=30, help="toggles: how many")
    parser.add_argument(
        "--interval", type=float, nargs=2, default=(200.0, 300.0), metavar=("MIN_MS", "MAX_MS")
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gitops", action="store_true", help="Kustomizations too (the view)")
    args = parser.parse_args()

    # Every other setting is the default (FRONTEND_BATCH_INTERVAL_MS unset: 250 ms),
    # unless the environment sets it.
    settings = Settings(
        host="127.0.0.1", port=args.port, backend_url=DEAD_BACKEND, log_level="warning"
    )
    logs.configure(settings.log_level, settings.service_name)
    cluster = PlayedCluster(args.workloads, args.pods_each, args.gitops)
    if args.plan == "rollout":
        steps = rollout_plan(cluster, args.rollout_index, args.pods_each)
    else:
        steps = toggle_plan(cluster, args.workloads, args.changes)
    app = create_app(settings, objects=cluster)
    runtime = app.state.runtime
    cluster.mark = runtime.feed.mark
    args.log.write_text(
        json.dumps(
            {"pid": os.getpid(), "batch_ms": settings.batch_interval_ms, "steps": len(steps)}
        )
        + "\n"
    )
    player = threading.Thread(
        target=play,
        args=(cluster, steps, tuple(args.interval), args.log, args.seed),
        name="player",
        daemon=True,
    )

    def begin(_sig: int, _frame: FrameType | None) -> None:
        if not player.is_alive() and player.ident is None:
            player.start()

    signal.signal(signal.SIGUSR1, begin)
    Server(server_config(app, settings), runtime).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
