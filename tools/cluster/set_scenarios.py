"""StatefulSet and DaemonSet scenarios captured as fixtures (tests/fixtures/k8s/README.md).

Each drives a workload named ``web`` of its ``kind`` (pods labelled ``app=web``, one
container ``app``) in its own namespace and yields (file-suffix, snapshot) pairs once the
state it documents holds. Updates change the image and add the ``slow-ready`` fault label,
so every new pod turns Ready 2.5 s after it is scheduled and mid-rollout states last.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from tools.cluster.scenario_kit import IMAGE_V2, Ctx, Scenario, Steps
from tools.platformkit.cluster.faults import fault_labels
from tools.platformkit.kube import Json
from tools.platformkit.objects import IMAGE

STS, DS = "StatefulSet", "DaemonSet"
HOLD = "gitops-platform.test/hold"


@dataclass(frozen=True)
class SetScenario(Scenario):
    """A scenario whose workload is a StatefulSet or a DaemonSet, not a Deployment."""

    kind: str = STS


def set_manifest(kind: str, *, on_delete: bool = False, partition: int | None = None) -> Json:
    strategy: Json = {"type": "OnDelete" if on_delete else "RollingUpdate"}
    if partition is not None:
        strategy["rollingUpdate"] = {"partition": partition}
    spec: Json = {
        "selector": {"matchLabels": {"app": "web"}},
        "updateStrategy": strategy,
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": IMAGE}]},
        },
    }
    if kind == STS:
        spec |= {"replicas": 3, "serviceName": "web"}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "web"}, "spec": spec}


def workload(snap: Json) -> Json:
    found: Json = snap.get("statefulset") or snap["daemonset"]
    return found


def st(snap: Json) -> Json:
    status: Json = workload(snap).get("status", {})
    return status


def observed(snap: Json, generation: int) -> bool:
    current: int = workload(snap)["metadata"]["generation"]
    return current == st(snap).get("observedGeneration") == generation


def _ready(pod: Json) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def pods_settled(snap: Json, count: int) -> bool:
    """COUNT live pods, all Ready, none terminating."""
    pods = snap["pods"]
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    return len(pods) == len(live) == count and all(_ready(p) for p in pods)


def sts_complete(snap: Json) -> bool:
    s = st(snap)
    return (
        observed(snap, workload(snap)["metadata"]["generation"])
        and s.get("readyReplicas") == s.get("updatedReplicas") == s.get("currentReplicas") == 3
        and s.get("updateRevision") == s.get("currentRevision")
        and pods_settled(snap, 3)
    )


def ds_complete(snap: Json) -> bool:
    s = st(snap)
    desired = s.get("desiredNumberScheduled", 0)
    return (
        observed(snap, workload(snap)["metadata"]["generation"])
        and desired >= 1
        and s.get("currentNumberScheduled")
        == s.get("updatedNumberScheduled")
        == s.get("numberReady")
        == s.get("numberAvailable")
        == desired
        and pods_settled(snap, desired)
    )


def revisions(snap: Json) -> int:
    return len(snap["controllerrevisions"])


def update(c: Ctx, kind: str) -> None:
    """Revision 2: a new image, and pods that turn Ready 2.5 s after scheduling."""
    template = {
        "metadata": {"labels": fault_labels("slow-ready")},
        "spec": {"containers": [{"name": "app", "image": IMAGE_V2}]},
    }
    patch = json.dumps({"spec": {"template": template}})
    c.kube.run("patch", kind.lower(), "web", "-n", c.ns, "-p", patch)


def _complete(kind: str) -> Callable[[Json], bool]:
    return sts_complete if kind == STS else ds_complete


def run_complete(kind: str) -> Callable[[Ctx], Steps]:
    def run(c: Ctx) -> Steps:
        c.kube.apply(set_manifest(kind), namespace=c.ns)
        yield "", c.wait(_complete(kind), f"{kind} rolled out")

    return run


def run_sts_rolling_update(c: Ctx) -> Steps:
    c.kube.apply(set_manifest(STS), namespace=c.ns)
    c.wait(sts_complete, "revision 1 complete")
    update(c, STS)

    def updating(s: Json) -> bool:
        status = st(s)
        return (
            observed(s, 2)
            and status.get("updateRevision") != status.get("currentRevision")
            and 1 <= status.get("updatedReplicas", 0) < 3
            and status.get("readyReplicas", 0) < 3
        )

    yield "-updating", c.wait(updating, "an updated pod not Ready yet")
    yield (
        "-complete-revision-2",
        c.wait(lambda s: sts_complete(s) and revisions(s) == 2, "revision 2 complete"),
    )


def run_sts_pod_terminating(c: Ctx) -> Steps:
    # partition 0 set explicitly: kubectl judges by the partition, not the revisions.
    c.kube.apply(set_manifest(STS, partition=0), namespace=c.ns)
    c.wait(sts_complete, "revision 1 complete")
    hold = json.dumps({"metadata": {"finalizers": [HOLD]}})
    c.kube.run("patch", "pod", "web-2", "-n", c.ns, "-p", hold)
    update(c, STS)

    def held(s: Json) -> bool:
        terminating = [p for p in s["pods"] if p["metadata"].get("deletionTimestamp")]
        status = st(s)
        return (
            observed(s, 2)
            and [p["metadata"]["name"] for p in terminating] == ["web-2"]
            and status.get("readyReplicas") == 3
            and status.get("updatedReplicas", 0) == 0
        )

    try:
        yield "", c.wait(held, "web-2 held Terminating by a finalizer")
    finally:
        unhold = '[{"op":"remove","path":"/metadata/finalizers"}]'
        c.kube.run("patch", "pod", "web-2", "-n", c.ns, "--type=json", "-p", unhold, check=False)


def run_sts_partition(c: Ctx) -> Steps:
    c.kube.apply(set_manifest(STS, partition=2), namespace=c.ns)
    c.wait(sts_complete, "revision 1 complete")
    update(c, STS)

    def held(s: Json) -> bool:
        status = st(s)
        new = [p for p in s["pods"] if p["metadata"]["labels"].get("controller-revision-hash")
               == status.get("updateRevision")]  # fmt: skip
        return (
            observed(s, 2)
            and status.get("updateRevision") != status.get("currentRevision")
            and status.get("updatedReplicas") == 1
            and status.get("readyReplicas") == 3
            and [p["metadata"]["name"] for p in new] == ["web-2"]
            and pods_settled(s, 3)
        )

    yield "", c.wait(held, "web-2 updated, web-0 and web-1 held by partition 2")


def run_on_delete(kind: str) -> Callable[[Ctx], Steps]:
    def run(c: Ctx) -> Steps:
        c.kube.apply(set_manifest(kind, on_delete=True), namespace=c.ns)
        first = c.wait(_complete(kind), "revision 1 complete")
        count = len(first["pods"])
        update(c, kind)
        updated = "updatedReplicas" if kind == STS else "updatedNumberScheduled"

        def waiting(s: Json) -> bool:
            return (
                observed(s, 2)
                and revisions(s) == 2
                and st(s).get(updated, 0) == 0
                and pods_settled(s, count)
            )

        yield "", c.wait(waiting, "revision 2 waiting for pods to be deleted")

    return run


def run_ds_rolling_update(c: Ctx) -> Steps:
    c.kube.apply(set_manifest(DS), namespace=c.ns)
    c.wait(ds_complete, "revision 1 complete")
    update(c, DS)

    def updating(s: Json) -> bool:
        status = st(s)
        desired = status.get("desiredNumberScheduled", 0)
        return (
            observed(s, 2)
            and 1 <= status.get("updatedNumberScheduled", 0) < desired
            and status.get("numberAvailable", 0) < desired
        )

    yield "-updating", c.wait(updating, "one node's pod updated, not available yet")
    yield (
        "-complete-revision-2",
        c.wait(lambda s: ds_complete(s) and revisions(s) == 2, "revision 2 complete"),
    )


def _set(kind: str, name: str, description: str, run: Callable[[Ctx], Steps]) -> SetScenario:
    return SetScenario(name, description, (), run, kind=kind)


SET_SCENARIOS: tuple[SetScenario, ...] = (
    _set(STS, "statefulset-complete", "3/3 replicas at revision 1", run_complete(STS)),
    _set(
        STS,
        "statefulset-rolling-update",
        "RollingUpdate (no rollingUpdate block) to a new image with slow-ready pods; "
        "suffixes: -updating (web-2 updated, not Ready), -complete-revision-2",
        run_sts_rolling_update,
    ),
    _set(
        STS,
        "statefulset-rolling-update-pod-terminating",
        "partition 0; web-2 held Terminating (still Ready) by a finalizer, so no pod is "
        "updated yet while all 3 are Ready",
        run_sts_pod_terminating,
    ),
    _set(
        STS,
        "statefulset-partition-held",
        "partition 2: web-2 at revision 2, web-0 and web-1 held at revision 1",
        run_sts_partition,
    ),
    _set(
        STS,
        "statefulset-on-delete-waiting",
        "OnDelete: template changed, no pod deleted, all 3 at revision 1",
        run_on_delete(STS),
    ),
    _set(DS, "daemonset-complete", "one Ready pod per node at revision 1", run_complete(DS)),
    _set(
        DS,
        "daemonset-rolling-update",
        "RollingUpdate (maxUnavailable 1) to a new image with slow-ready pods; "
        "suffixes: -updating (one node's pod replaced, not Ready), -complete-revision-2",
        run_ds_rolling_update,
    ),
    _set(
        DS,
        "daemonset-on-delete-waiting",
        "OnDelete: template changed, no pod deleted, all at revision 1",
        run_on_delete(DS),
    ),
)
