"""Record real API objects for rollout scenarios into tests/fixtures/k8s/*.json.

Starts a throwaway control plane (tools.platformkit.cluster.controlplane), drives each scenario
with kubectl, and snapshots the Deployment, its ReplicaSets, the Pods and the
namespace's Events straight from the API server once the scenario's state holds. For a
StatefulSet or DaemonSet scenario: the workload, its ControllerRevisions, the Pods, the
Events, and what ``kubectl rollout status --watch=false`` printed for that same object.
Run: ``make fixtures`` (or ``uv run python -m tools.cluster.capture_fixtures``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from tools.cluster.scenario_kit import Ctx, Scenario, WaitFor
from tools.cluster.scenarios import SCENARIOS
from tools.cluster.set_scenarios import SET_SCENARIOS, SetScenario
from tools.platformkit.binaries import find_kubectl
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.kube import ApiClient, Json, Kube
from tools.platformkit.paths import REPO_ROOT

OUT_DIR = REPO_ROOT / "tests" / "fixtures" / "k8s"
NAME = "web"


def _clean(obj: Json, kind: str, api_version: str) -> Json:
    # List items come without kind/apiVersion; managedFields is noise for a board.
    obj.setdefault("kind", kind)
    obj.setdefault("apiVersion", api_version)
    obj.get("metadata", {}).pop("managedFields", None)
    return obj


def _controlled(items: list[Json], owner_uid: str) -> list[Json]:
    return [
        item
        for item in items
        if any(
            o.get("uid") == owner_uid and o.get("controller")
            for o in item["metadata"].get("ownerReferences", [])
        )
    ]


def _pods_and_events(api: ApiClient, ns: str) -> tuple[list[Json], list[Json]]:
    pods = [
        _clean(p, "Pod", "v1")
        for p in api.get(f"/api/v1/namespaces/{ns}/pods?labelSelector=app%3D{NAME}")["items"]
    ]
    events = [_clean(e, "Event", "v1") for e in api.get(f"/api/v1/namespaces/{ns}/events")["items"]]
    events.sort(
        key=lambda e: (e.get("lastTimestamp") or e.get("eventTime") or "", e["metadata"]["name"])
    )
    pods.sort(key=lambda p: p["metadata"]["name"])
    return pods, events


def set_snapshot(api: ApiClient, ns: str, kind: str) -> Json:
    """A StatefulSet or DaemonSet, its ControllerRevisions (by revision), Pods, Events."""
    key = kind.lower()
    obj = _clean(api.get(f"/apis/apps/v1/namespaces/{ns}/{key}s/{NAME}"), kind, "apps/v1")
    revisions = [
        _clean(r, "ControllerRevision", "apps/v1")
        for r in _controlled(
            api.get(f"/apis/apps/v1/namespaces/{ns}/controllerrevisions")["items"],
            obj["metadata"]["uid"],
        )
    ]
    revisions.sort(key=lambda r: int(r.get("revision", 0)))
    pods, events = _pods_and_events(api, ns)
    return {key: obj, "controllerrevisions": revisions, "pods": pods, "events": events}


def snapshot(api: ApiClient, ns: str, kind: str = "Deployment") -> Json:
    """Deployment, its ReplicaSets (by controller UID), Pods and Events of NS."""
    if kind != "Deployment":
        return set_snapshot(api, ns, kind)
    dep = _clean(
        api.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{NAME}"), "Deployment", "apps/v1"
    )
    rs = [
        _clean(r, "ReplicaSet", "apps/v1")
        for r in _controlled(
            api.get(f"/apis/apps/v1/namespaces/{ns}/replicasets")["items"], dep["metadata"]["uid"]
        )
    ]
    pods, events = _pods_and_events(api, ns)
    rs.sort(
        key=lambda r: int(
            r["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision", "0")
        )
    )
    return {"deployment": dep, "replicasets": rs, "pods": pods, "events": events}


def kubectl_rollout_status(kube: Kube, ns: str, kind: str) -> Json:
    """What the real ``kubectl rollout status`` prints for the object, read once."""
    args = ["rollout", "status", f"{kind.lower()}/{NAME}", "--watch=false"]
    proc = kube.run(*args, "-n", ns, check=False)
    return {
        "command": " ".join(["kubectl", *args]),
        "exit_code": proc.returncode,
        "stdout": proc.stdout,
        "stderr": proc.stderr,
    }


def _resource_version(snap: Json, kind: str) -> str:
    return str(snap[kind.lower()]["metadata"]["resourceVersion"])


def wait_for(
    api: ApiClient,
    ns: str,
    check: Callable[[Json], bool],
    what: str,
    timeout: float = 60,
    *,
    kind: str = "Deployment",
    kube: Kube | None = None,
) -> Json:
    """Poll snapshots (fast: raw API, ~10 ms each) until CHECK holds; return that one.

    With KUBE (StatefulSets, DaemonSets), kubectl's verdict is read after the snapshot and
    kept only when a second snapshot shows the workload unchanged (same resourceVersion)
    and CHECK still holding: kubectl then saw exactly the recorded object.
    """
    deadline = time.monotonic() + timeout
    while True:
        snap = snapshot(api, ns, kind)
        if check(snap):
            if kube is None:
                return snap
            said = kubectl_rollout_status(kube, ns, kind)
            again = snapshot(api, ns, kind)
            if check(again) and _resource_version(again, kind) == _resource_version(snap, kind):
                return {"kind": kind, "kubectl_rollout_status": said, **snap}
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{ns}: timed out waiting for {what}; last {kind} status "
                f"{json.dumps(snap[kind.lower()].get('status'))}"
            )
        time.sleep(0.05)


def write(scenario: Scenario, snap: Json, server_version: str, suffix: str = "") -> Path:
    name = scenario.name + suffix
    snap = dict(snap)
    kind = {"kind": snap.pop("kind")} if "kind" in snap else {}
    doc: dict[str, Any] = {
        "scenario": name,
        **kind,
        "description": scenario.description,
        "cases": list(scenario.cases),
        "captured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "server_version": server_version,
        **snap,
    }
    path = OUT_DIR / f"{name}.json"
    path.write_text(json.dumps(doc, indent=1, sort_keys=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", help="scenario names to capture (default: all)")
    parser.add_argument("--keep", action="store_true", help="leave the cluster running")
    args = parser.parse_args(argv)
    known = {s.name for s in (*SCENARIOS, *SET_SCENARIOS)}
    unknown = sorted(set(args.only or ()) - known)
    if unknown:
        sys.stderr.write(
            f"unknown scenarios: {' '.join(unknown)}; known: {' '.join(sorted(known))}\n"
        )
        return 2
    kubectl = find_kubectl()
    if kubectl is None:
        sys.stderr.write("kubectl not found (run `uv sync`)\n")
        return 2
    cp = ControlPlane("fixtures", nodes=2).up()
    try:
        kube = Kube(kubectl, cp.kubeconfig)
        api = cp.api()
        server_version = api.get("/version")["gitVersion"]
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        for scenario in (*SCENARIOS, *SET_SCENARIOS):
            if args.only and scenario.name not in args.only:
                continue
            waiter: WaitFor = wait_for
            if isinstance(scenario, SetScenario):
                waiter = partial(wait_for, kind=scenario.kind, kube=kube)
            t0 = time.monotonic()
            ns = f"fx-{scenario.name}"[:63]
            kube.run("create", "namespace", ns)
            wait_for_sa(kube, ns)
            for suffix, snap in scenario.run(Ctx(cp, kube, api, ns, waiter)):
                path = write(scenario, snap, server_version, suffix)
                print(f"captured {path.relative_to(REPO_ROOT)} ({time.monotonic() - t0:.1f}s)")
    finally:
        if not args.keep:
            cp.down()
    return 0


def wait_for_sa(kube: Kube, ns: str) -> None:
    # Pods created before the default ServiceAccount exists fail with FailedCreate.
    for _ in range(150):
        if kube.run("get", "sa", "default", "-n", ns, check=False).returncode == 0:
            return
        time.sleep(0.2)
    raise TimeoutError(f"no default ServiceAccount in {ns}")


if __name__ == "__main__":
    sys.exit(main())
