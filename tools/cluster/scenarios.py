"""Rollout scenarios captured as fixtures (see tests/fixtures/k8s/README.md).

Each scenario drives a Deployment named ``web`` in its own namespace and yields
(file-suffix, snapshot) pairs once the state it documents really holds. ``cases``
name the test vectors of docs/specs/rollout-semantics.md a fixture exercises.
StatefulSet and DaemonSet scenarios: tools/cluster/set_scenarios.py.
"""

from __future__ import annotations

import json
import time

from tools.cluster.scenario_kit import (
    IMAGE_V2,
    Ctx,
    Run,
    Scenario,
    Steps,
    apply_web,
    complete,
    cond,
    patch_template,
    reason,
    settled,
    status,
    waiting,
)
from tools.platformkit.cluster.faults import fault_annotations, fault_labels
from tools.platformkit.kube import Json
from tools.platformkit.objects import IMAGE


def run_complete(c: Ctx) -> Steps:
    apply_web(c)
    yield "", c.wait(complete, "rollout complete")


def run_rolling_update(c: Ctx) -> Steps:
    # maxSurge 1 / maxUnavailable 0 with slow-ready new pods: each step lasts ~2.5 s.
    apply_web(c, max_surge=1, max_unavailable=0)
    c.wait(complete, "revision 1 complete")
    patch_template(c, IMAGE_V2, fault_labels("slow-ready"))

    def updating(s: Json) -> bool:
        return (
            status(s).get("observedGeneration") == 2 and 0 < status(s).get("updatedReplicas", 0) < 3
        )

    def draining(s: Json) -> bool:
        return status(s).get("updatedReplicas") == 3 and status(s).get("replicas", 0) > 3

    def rolled_back(s: Json) -> bool:
        annotations = s["deployment"]["metadata"]["annotations"]
        return complete(s) and annotations.get("deployment.kubernetes.io/revision") == "3"

    yield "-updating", c.wait(updating, "new RS scaling up")
    yield "-old-pending-termination", c.wait(draining, "old replicas pending termination")
    yield "-complete-revision-2", c.wait(complete, "revision 2 complete")
    c.kube.run("rollout", "undo", "deployment/web", "-n", c.ns)
    yield "-rolled-back", c.wait(rolled_back, "rollback to revision 3 complete")


def run_updated_unavailable(c: Ctx) -> Steps:
    apply_web(c, max_surge=0, max_unavailable=1)
    c.wait(complete, "revision 1 complete")
    patch_template(c, IMAGE_V2, fault_labels("slow-ready"))

    def check(s: Json) -> bool:
        st = status(s)
        return (
            st.get("observedGeneration") == 2
            and st.get("replicas") == st.get("updatedReplicas") == 3
            and st.get("availableReplicas", 0) < 3
        )

    yield "", c.wait(check, "updated but not all available")


def run_generation_not_observed(c: Ctx) -> Steps:
    apply_web(c)
    c.wait(complete, "rollout complete")
    c.cp.stop("kube-controller-manager")  # nobody observes the new generation meanwhile
    try:
        patch_template(c, IMAGE_V2, {})
        yield "", c.wait(lambda s: s["deployment"]["metadata"]["generation"] == 2, "generation 2")
    finally:
        c.cp.start("kube-controller-manager")


def run_paused(c: Ctx) -> Steps:
    apply_web(c)
    c.wait(complete, "rollout complete")
    c.kube.run("rollout", "pause", "deployment/web", "-n", c.ns)
    yield (
        "",
        c.wait(
            lambda s: reason(s, "Progressing") == "DeploymentPaused" and settled(s),
            "DeploymentPaused",
        ),
    )


def run_deadline(c: Ctx) -> Steps:
    apply_web(c, pod_labels=fault_labels("never-ready"), progress_deadline=10)
    yield (
        "",
        c.wait(
            lambda s: reason(s, "Progressing") == "ProgressDeadlineExceeded",
            "deadline",
            timeout=90,
        ),
    )


def run_scaled_to_zero(c: Ctx) -> Steps:
    apply_web(c)
    c.wait(complete, "rollout complete")
    c.kube.run("scale", "deployment/web", "--replicas=0", "-n", c.ns)
    yield (
        "",
        c.wait(lambda s: not s["pods"] and settled(s, 0), "scaled to zero"),
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
    apply_web(c)
    yield (
        "",
        c.wait(lambda s: cond(s["deployment"], "ReplicaFailure").get("status") == "True", "quota"),
    )


def _fault(mode: str, want: str, init: bool = False) -> Run:
    def run(c: Ctx) -> Steps:
        apply_web(c, pod_labels=fault_labels(mode), init_image="busybox:1.36" if init else None)

        def check(s: Json) -> bool:
            all_waiting = all(waiting(p, init) == want for p in s["pods"])
            return len(s["pods"]) == 3 and all_waiting and settled(s)

        yield "", c.wait(check, f"all pods {want}")

    return run


def run_restarts(c: Ctx) -> Steps:
    apply_web(c, pod_labels=fault_labels("restarting"), pod_annotations=fault_annotations(3))

    def check(s: Json) -> bool:
        restarts = [
            (p["status"].get("containerStatuses") or [{}])[0].get("restartCount") for p in s["pods"]
        ]
        return complete(s) and restarts == [3, 3, 3]

    yield "", c.wait(check, "restarted pods ready")


def run_new_rs_pull_backoff(c: Ctx) -> Steps:
    apply_web(c)
    c.wait(complete, "revision 1 complete")
    patch_template(
        c, IMAGE.rsplit(":", 1)[0] + ":does-not-exist", fault_labels("image-pull-backoff")
    )

    def check(s: Json) -> bool:
        pulling = any(waiting(p) == "ImagePullBackOff" for p in s["pods"])
        return len(s["replicasets"]) == 2 and pulling and settled(s, 4)

    yield "", c.wait(check, "new RS pod in ImagePullBackOff")


def run_unschedulable(c: Ctx) -> Steps:
    apply_web(c, extra_pod_spec={"nodeSelector": {"disktype": "no-such-node"}})

    def check(s: Json) -> bool:
        pods = s["pods"]
        unschedulable = all(cond(p, "PodScheduled").get("reason") == "Unschedulable" for p in pods)
        failed = any(e["reason"] == "FailedScheduling" for e in s["events"])
        return len(pods) == 3 and unschedulable and failed and settled(s)

    yield "", c.wait(check, "Unschedulable pods")


def run_terminating(c: Ctx) -> Steps:
    apply_web(c)
    victim = c.wait(complete, "rollout complete")["pods"][0]["metadata"]["name"]
    hold = json.dumps({"metadata": {"finalizers": ["gitops-platform.test/hold"]}})
    c.kube.run("patch", "pod", victim, "-n", c.ns, "-p", hold)
    c.kube.run("delete", "pod", victim, "-n", c.ns, "--wait=false")

    def check(s: Json) -> bool:
        held = [p for p in s["pods"] if p["metadata"].get("deletionTimestamp")]
        return len(s["pods"]) == 4 and len(held) == 1 and status(s).get("availableReplicas") == 3

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
