"""Rollout scenarios captured as fixtures (see tests/fixtures/k8s/README.md).

Each scenario drives a Deployment named ``web`` in its own namespace and yields
(file-suffix, snapshot) pairs once the state it documents really holds. ``cases``
name the rows of rollout-semantics §8.5 a fixture exercises.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tests.support.controlplane import ControlPlane
from tests.support.faults import fault_annotations, fault_labels
from tests.support.kube import ApiClient, Json, Kube
from tests.support.manifests import IMAGE, deployment

WaitFor = Callable[..., Json]
Steps = Iterator[tuple[str, Json]]


@dataclass(frozen=True)
class Ctx:
    """What a scenario drives: the cluster, kubectl, the raw API, its namespace."""

    cp: ControlPlane
    kube: Kube
    api: ApiClient
    ns: str
    wait_for: WaitFor

    def wait(self, check: Callable[[Json], bool], what: str, timeout: float = 60) -> Json:
        return self.wait_for(self.api, self.ns, check, what, timeout)


Run = Callable[[Ctx], Steps]
IMAGE_V2 = IMAGE.rsplit(":", 1)[0] + ":6.9.1"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    cases: tuple[str, ...]
    run: Run


def cond(dep: Json, kind: str) -> Json:
    found: Json = next(
        (c for c in dep.get("status", {}).get("conditions", []) if c["type"] == kind), {}
    )
    return found


def complete(snap: Json) -> bool:
    dep = snap["deployment"]
    st, want = dep.get("status", {}), dep["spec"]["replicas"]
    return (
        st.get("observedGeneration", 0) >= dep["metadata"]["generation"]
        and st.get("updatedReplicas", 0)
        == st.get("replicas", 0)
        == st.get("availableReplicas", 0)
        == want
        and cond(dep, "Progressing").get("reason") == "NewReplicaSetAvailable"
        and len(snap["pods"]) == want
    )


def _waiting(pod: Json, init: bool = False) -> str:
    key = "initContainerStatuses" if init else "containerStatuses"
    statuses = pod.get("status", {}).get(key) or [{}]
    reason: str = statuses[0].get("state", {}).get("waiting", {}).get("reason", "")
    return reason


def _apply(c: Ctx, **kw: Any) -> None:
    c.kube.apply(deployment("web", replicas=kw.pop("replicas", 3), **kw), namespace=c.ns)


def _patch_template(c: Ctx, image: str, labels: dict[str, str]) -> None:
    patch = {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }
    c.kube.run(
        "patch", "deployment", "web", "-n", c.ns, "-p", json.dumps({"spec": {"template": patch}})
    )


def _status(snap: Json) -> Json:
    status: Json = snap["deployment"].get("status", {})
    return status


def settled(snap: Json, replicas: int = 3) -> bool:
    """Controllers caught up: generations observed, status counts the live pods."""
    dep, rs_list = snap["deployment"], snap["replicasets"]
    return (
        _status(snap).get("observedGeneration") == dep["metadata"]["generation"]
        and _status(snap).get("replicas", 0) == replicas
        and all(
            r["status"].get("observedGeneration") == r["metadata"]["generation"] for r in rs_list
        )
        and sum(r["status"].get("replicas", 0) for r in rs_list) == replicas
    )


def _reason(snap: Json, kind: str) -> str:
    return str(cond(snap["deployment"], kind).get("reason", ""))


def run_complete(c: Ctx) -> Steps:
    _apply(c)
    yield "", c.wait(complete, "rollout complete")


def run_rolling_update(c: Ctx) -> Steps:
    # maxSurge 1 / maxUnavailable 0 with slow-ready new pods: each step lasts ~2.5 s.
    _apply(c, max_surge=1, max_unavailable=0)
    c.wait(complete, "revision 1 complete")
    _patch_template(c, IMAGE_V2, fault_labels("slow-ready"))

    def updating(s: Json) -> bool:
        return (
            _status(s).get("observedGeneration") == 2
            and 0 < _status(s).get("updatedReplicas", 0) < 3
        )

    def draining(s: Json) -> bool:
        return _status(s).get("updatedReplicas") == 3 and _status(s).get("replicas", 0) > 3

    def rolled_back(s: Json) -> bool:
        annotations = s["deployment"]["metadata"]["annotations"]
        return complete(s) and annotations.get("deployment.kubernetes.io/revision") == "3"

    yield "-updating", c.wait(updating, "new RS scaling up")
    yield "-old-pending-termination", c.wait(draining, "old replicas pending termination")
    yield "-complete-revision-2", c.wait(complete, "revision 2 complete")
    c.kube.run("rollout", "undo", "deployment/web", "-n", c.ns)
    yield "-rolled-back", c.wait(rolled_back, "rollback to revision 3 complete")


def run_updated_unavailable(c: Ctx) -> Steps:
    _apply(c, max_surge=0, max_unavailable=1)
    c.wait(complete, "revision 1 complete")
    _patch_template(c, IMAGE_V2, fault_labels("slow-ready"))

    def check(s: Json) -> bool:
        st = _status(s)
        return (
            st.get("observedGeneration") == 2
            and st.get("replicas") == st.get("updatedReplicas") == 3
            and st.get("availableReplicas", 0) < 3
        )

    yield "", c.wait(check, "updated but not all available")


def run_generation_not_observed(c: Ctx) -> Steps:
    _apply(c)
    c.wait(complete, "rollout complete")
    c.cp.stop("kube-controller-manager")  # nobody observes the new generation meanwhile
    try:
        _patch_template(c, IMAGE_V2, {})
        yield "", c.wait(lambda s: s["deployment"]["metadata"]["generation"] == 2, "generation 2")
    finally:
        c.cp.start("kube-controller-manager")


def run_paused(c: Ctx) -> Steps:
    _apply(c)
    c.wait(complete, "rollout complete")
    c.kube.run("rollout", "pause", "deployment/web", "-n", c.ns)
    yield (
        "",
        c.wait(
            lambda s: _reason(s, "Progressing") == "DeploymentPaused" and settled(s),
            "DeploymentPaused",
        ),
    )


def run_deadline(c: Ctx) -> Steps:
    _apply(c, pod_labels=fault_labels("never-ready"), progress_deadline=10)
    yield (
        "",
        c.wait(
            lambda s: _reason(s, "Progressing") == "ProgressDeadlineExceeded",
            "deadline",
            timeout=90,
        ),
    )


def run_scaled_to_zero(c: Ctx) -> Steps:
    _apply(c)
    c.wait(complete, "rollout complete")
    c.kube.run("scale", "deployment/web", "--replicas=0", "-n", c.ns)
    yield (
        "",
        c.wait(
            lambda s: not s["pods"] and _status(s).get("observedGeneration") == 2, "scaled to zero"
        ),
    )


def run_quota(c: Ctx) -> Steps:
    quota = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "pods"}}
    c.kube.apply({**quota, "spec": {"hard": {"pods": "1"}}}, namespace=c.ns)
    # Admission enforces a quota only once the quota controller filled its status.
    deadline = time.monotonic() + 30
    while not c.kube.json("get", "resourcequota", "pods", "-n", c.ns).get("status", {}).get("hard"):
        if time.monotonic() > deadline:
            raise TimeoutError("quota controller never filled the quota status")
        time.sleep(0.1)
    _apply(c)
    yield (
        "",
        c.wait(lambda s: cond(s["deployment"], "ReplicaFailure").get("status") == "True", "quota"),
    )


def _fault(mode: str, reason: str, init: bool = False) -> Run:
    def run(c: Ctx) -> Steps:
        _apply(c, pod_labels=fault_labels(mode), init_image="busybox:1.36" if init else None)

        def check(s: Json) -> bool:
            waiting = all(_waiting(p, init) == reason for p in s["pods"])
            return len(s["pods"]) == 3 and waiting and settled(s)

        yield "", c.wait(check, f"all pods {reason}")

    return run


def run_restarts(c: Ctx) -> Steps:
    _apply(c, pod_labels=fault_labels("restarting"), pod_annotations=fault_annotations(3))

    def check(s: Json) -> bool:
        restarts = [
            (p["status"].get("containerStatuses") or [{}])[0].get("restartCount") for p in s["pods"]
        ]
        return complete(s) and restarts == [3, 3, 3]

    yield "", c.wait(check, "restarted pods ready")


def run_new_rs_pull_backoff(c: Ctx) -> Steps:
    _apply(c)
    c.wait(complete, "revision 1 complete")
    _patch_template(
        c, IMAGE.rsplit(":", 1)[0] + ":does-not-exist", fault_labels("image-pull-backoff")
    )

    def check(s: Json) -> bool:
        pulling = any(_waiting(p) == "ImagePullBackOff" for p in s["pods"])
        return len(s["replicasets"]) == 2 and pulling and settled(s, 4)

    yield "", c.wait(check, "new RS pod in ImagePullBackOff")


def run_unschedulable(c: Ctx) -> Steps:
    _apply(c, extra_pod_spec={"nodeSelector": {"disktype": "no-such-node"}})

    def check(s: Json) -> bool:
        pods = s["pods"]
        unschedulable = all(cond(p, "PodScheduled").get("reason") == "Unschedulable" for p in pods)
        failed = any(e["reason"] == "FailedScheduling" for e in s["events"])
        return len(pods) == 3 and unschedulable and failed and settled(s)

    yield "", c.wait(check, "Unschedulable pods")


def run_terminating(c: Ctx) -> Steps:
    _apply(c)
    victim = c.wait(complete, "rollout complete")["pods"][0]["metadata"]["name"]
    hold = json.dumps({"metadata": {"finalizers": ["gitops-platform.test/hold"]}})
    c.kube.run("patch", "pod", victim, "-n", c.ns, "-p", hold)
    c.kube.run("delete", "pod", victim, "-n", c.ns, "--wait=false")

    def check(s: Json) -> bool:
        held = [p for p in s["pods"] if p["metadata"].get("deletionTimestamp")]
        return len(s["pods"]) == 4 and len(held) == 1 and _status(s).get("availableReplicas") == 3

    try:
        yield "", c.wait(check, "terminating pod + Ready replacement")
    finally:
        unhold = '[{"op":"remove","path":"/metadata/finalizers"}]'
        c.kube.run("patch", "pod", victim, "-n", c.ns, "--type=json", "-p", unhold, check=False)


SCENARIOS = (
    Scenario("complete", "3/3 replicas rolled out, revision 1", ("F",), run_complete),
    Scenario(
        "rolling-update",
        "image change with slow-ready pods (maxSurge 1, maxUnavailable 0); "
        "suffixes: -updating, -old-pending-termination, -complete-revision-2, -rolled-back",
        ("C", "D", "F"),
        run_rolling_update,
    ),
    Scenario(
        "updated-unavailable",
        "all replicas updated, one not yet available (maxSurge 0)",
        ("E",),
        run_updated_unavailable,
    ),
    Scenario(
        "generation-not-observed",
        "spec changed while kube-controller-manager was stopped",
        ("A",),
        run_generation_not_observed,
    ),
    Scenario("paused", "complete rollout then `kubectl rollout pause`", ("G",), run_paused),
    Scenario(
        "progress-deadline-exceeded",
        "pods never Ready, progressDeadlineSeconds 10",
        ("B",),
        run_deadline,
    ),
    Scenario("scaled-to-zero", "complete rollout scaled to 0 replicas", (), run_scaled_to_zero),
    Scenario(
        "replica-failure-quota",
        "ResourceQuota pods=1 blocks 2 of 3 pods: FailedCreate, ReplicaFailure",
        (),
        run_quota,
    ),
    Scenario(
        "crashloop",
        "containers in CrashLoopBackOff (restartCount 4)",
        ("H",),
        _fault("crashloop", "CrashLoopBackOff"),
    ),
    Scenario(
        "image-pull-backoff",
        "all pods ImagePullBackOff",
        ("I",),
        _fault("image-pull-backoff", "ImagePullBackOff"),
    ),
    Scenario(
        "err-image-pull", "all pods ErrImagePull", ("I",), _fault("err-image-pull", "ErrImagePull")
    ),
    Scenario(
        "create-container-config-error",
        "all pods CreateContainerConfigError",
        (),
        _fault("create-container-config-error", "CreateContainerConfigError"),
    ),
    Scenario(
        "invalid-image-name",
        "all pods InvalidImageName",
        (),
        _fault("invalid-image-name", "InvalidImageName"),
    ),
    Scenario(
        "init-crashloop",
        "init container in CrashLoopBackOff, main container PodInitializing",
        (),
        _fault("init-crashloop", "CrashLoopBackOff", init=True),
    ),
    Scenario(
        "new-rs-image-pull-backoff",
        "revision 2's pod in ImagePullBackOff, revision 1 still serving",
        ("C", "I"),
        run_new_rs_pull_backoff,
    ),
    Scenario(
        "unschedulable",
        "nodeSelector matches no node: Pending, Unschedulable, FailedScheduling",
        ("J",),
        run_unschedulable,
    ),
    Scenario(
        "pod-terminating",
        "one pod held Terminating by a finalizer, replacement Ready",
        ("K",),
        run_terminating,
    ),
    Scenario("restarts", "Running and Ready pods with restartCount 3", (), run_restarts),
)
