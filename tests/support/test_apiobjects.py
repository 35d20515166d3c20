"""The API object strategies: server-shaped, JSON-clean, and varied enough for every branch.

The coverage test searches (derandomized) for each feature a compared function branches on,
so a strategy change that makes a branch unreachable, or one in a million, fails here rather
than silently weakening the differential tests. Each pinned pod scenario must show its mark
in every pod, so the combinations it exists for stay common.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from tests.support.apiobjects import (
    NOW,
    SCENARIOS,
    daemonsets,
    deployments,
    pods,
    replicasets,
    statefulsets,
)
from tests.support.apiobjects.common import (
    EPOCH,
    HOOK_FINALIZER,
    IGNORE_RESTART_POLICY,
    REVISION,
    STATUSES,
    ZERO_TIME,
    Json,
)

SAMPLE = settings(max_examples=200, derandomize=True, database=None, deadline=None)
# Each feature gets its own search, which stops at the first object that has it.
REACH = settings(SAMPLE, phases=[Phase.generate])
Features = Callable[[Json], Iterable[str]]
KINDS: dict[str, Callable[..., st.SearchStrategy[Json]]] = {
    "Pod": pods,
    "Deployment": deployments,
    "ReplicaSet": replicasets,
    "StatefulSet": statefulsets,
    "DaemonSet": daemonsets,
}
WORKLOADS = st.one_of(deployments(), replicasets(), statefulsets(), daemonsets())
SERVER = st.one_of(pods(), WORKLOADS)
ODD = st.one_of([strategy(odd=True) for strategy in KINDS.values()])
LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
SUBDOMAIN = re.compile(rf"{LABEL.pattern}(\.{LABEL.pattern})*")
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
TIME_KEYS = {"creationTimestamp", "deletionTimestamp", "lastTransitionTime", "lastUpdateTime"}
TIME_KEYS |= {"lastProbeTime", "startedAt", "finishedAt", "startTime"}
# Status counters Go marshals at 0 (no omitempty, or a set pointer); the others vanish at 0.
ALWAYS = {
    "Deployment": {"terminatingReplicas"},
    "ReplicaSet": {"replicas", "terminatingReplicas"},
    "StatefulSet": {"replicas", "availableReplicas", "collisionCount"},
    "DaemonSet": {
        "currentNumberScheduled",
        "numberMisscheduled",
        "desiredNumberScheduled",
        "numberReady",
    },
}


def features(*lines: str) -> set[str]:
    """A feature set written as lines of ";"-separated features."""
    return {feature.strip() for line in lines for feature in line.split(";")}


def leaves(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, (*path, key))
    elif isinstance(node, list):
        for value in node:
            yield from leaves(value, path)
    else:
        yield path, node


@SAMPLE
@given(st.one_of(SERVER, ODD))
def test_every_object_round_trips_through_json(obj: Json) -> None:
    assert json.loads(json.dumps(obj, allow_nan=False)) == obj


@SAMPLE
@given(SERVER)
def test_objects_are_server_shaped(obj: Json) -> None:
    for path, value in leaves(obj):
        if isinstance(value, int) and not isinstance(value, bool):
            assert 0 <= value < 2**31, path
        if path[-1] in TIME_KEYS and value is not None:
            assert TIME.fullmatch(value), (path, value)
            assert value == EPOCH or datetime.fromisoformat(value) <= NOW, (path, value)
        # omitempty drops "": only annotation values and imageID (no omitempty) keep it.
        assert value != "" or "annotations" in path or path[-1] == "imageID", path
        # Only a PodCondition's lastProbeTime is a zero metav1.Time, which marshals as null.
        assert value is not None or path[-1] == "lastProbeTime", path
    meta = obj["metadata"]
    assert SUBDOMAIN.fullmatch(meta["name"])
    assert LABEL.fullmatch(meta["namespace"])
    graceful = obj["kind"] == "Pod" and "nodeName" in obj["spec"]
    if "deletionTimestamp" in meta and (not graceful or meta["deletionGracePeriodSeconds"] == 0):
        # Deleted at once, unless a finalizer holds it.
        assert meta["finalizers"]
    template = obj["spec"].get("template", obj)
    selector = obj["spec"].get("selector", {}).get("matchLabels", {})
    assert selector.items() <= template["metadata"]["labels"].items()
    spec = template["spec"]
    names = [c["name"] for c in spec.get("initContainers", []) + spec["containers"]]
    assert all(LABEL.fullmatch(name) for name in names)
    assert len(set(names)) == len(names)


@SAMPLE
@given(pods())
def test_pod_statuses_follow_the_spec(pod: Json) -> None:
    spec, status = pod["spec"], pod["status"]
    mains = [c["name"] for c in spec["containers"]]
    inits = [c["name"] for c in spec.get("initContainers", [])]
    reported = [s["name"] for s in status.get("containerStatuses", [])]
    walked = [s["name"] for s in status.get("initContainerStatuses", [])]
    assert reported == [name for name in mains if name in reported]
    assert walked == inits[: len(walked)]
    assert 1 <= len(mains) <= 3
    assert len(inits) <= 3
    for entry in status.get("containerStatuses", []) + status.get("initContainerStatuses", []):
        assert len(entry["state"]) <= 1
        assert len(entry["lastState"]) <= 1
        assert {"ready", "restartCount", "image", "imageID"} <= entry.keys()
    assert all(c["status"] in STATUSES for c in status.get("conditions", []))
    assert spec["restartPolicy"] in ("Always", "OnFailure", "Never")
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert not (spec.get("nodeName") and spec.get("schedulingGates"))
    assert all("restartPolicy" not in c for c in spec["containers"])


@SAMPLE
@given(WORKLOADS)
def test_workloads_have_defaults_and_valid_status(obj: Json) -> None:
    kind, spec, status = obj["kind"], obj["spec"], obj["status"]
    assert obj["apiVersion"] == "apps/v1"
    assert spec["template"]["spec"]["restartPolicy"] == "Always"
    count = status.get
    for key in ("updatedReplicas", "readyReplicas", "availableReplicas", "currentReplicas"):
        assert count(key, 0) <= count("replicas", 0), key
    assert count("availableReplicas", 0) <= count("readyReplicas", 0)
    assert count("observedGeneration", 0) <= obj["metadata"]["generation"]
    assert all(value != 0 for key, value in status.items() if key not in ALWAYS.get(kind, ()))
    assert all(c["status"] in STATUSES for c in status.get("conditions", []))
    strategy = spec.get("strategy") or spec.get("updateStrategy") or {}
    if kind == "Deployment":
        assert "replicas" in spec
        assert spec["progressDeadlineSeconds"] > spec.get("minReadySeconds", 0)
        assert ("rollingUpdate" in strategy) == (strategy["type"] == "RollingUpdate")
        if "rollingUpdate" in strategy:
            assert {*strategy["rollingUpdate"].values()} - {0, "0%"}
    if kind == "StatefulSet":
        assert spec["podManagementPolicy"] in ("OrderedReady", "Parallel")
        assert strategy["type"] == "RollingUpdate" or "rollingUpdate" not in strategy
    if kind == "DaemonSet" and strategy["type"] == "RollingUpdate":
        # Exactly one of maxSurge and maxUnavailable is non-zero.
        assert len({*strategy["rollingUpdate"].values()} - {0, "0%"}) == 1


def _state(entry: Json, key: str = "state") -> tuple[str, Json]:
    return next(iter(entry[key].items()), ("", {}))


def _container_features(entry: Json, where: str) -> Iterator[str]:
    kind, state = _state(entry)
    reason = state.get("reason", "")
    yield f"{where} {kind or 'no state'}"
    if kind == "" or (kind == "waiting" and reason in ("", "ContainerCreating")):
        yield f"{where} not created"
    failing = kind == "terminated" and state["exitCode"] != 0
    if kind == "terminated":
        yield f"{where} terminated {'non-zero' if failing else 'zero'}"
        yield f"{where} terminated {reason or ('signal' if state.get('signal') else 'code')}"
    if kind == "waiting":
        yield f"{where} waiting {reason or 'no reason'}"
        # The board's rule for a reason that will not recover: Argo CD's, plus InvalidImageName.
        failing = bool(re.fullmatch(r"Err.*|.*Error|.*BackOff|InvalidImageName", reason))
        yield f"{where} waiting failing" if failing else ""
    yield f"{where} failing" if failing else ""
    if _state(entry, "lastState")[0] == "terminated":
        yield f"{where} lastState terminated"


def _pod_features(pod: Json) -> Iterator[str]:
    spec, status, meta = pod["spec"], pod["status"], pod["metadata"]
    mains, inits = status.get("containerStatuses", []), status.get("initContainerStatuses", [])
    yield f"phase {status['phase']}"
    yield f"restartPolicy {spec['restartPolicy']}"
    for entry in inits:
        yield from _container_features(entry, "init")
    for entry in mains:
        yield from _container_features(entry, "main")
    states = [_state(s) for s in mains]
    running = any(kind == "running" for kind, _ in states)
    sidecars = {c["name"] for c in spec.get("initContainers", []) if c.get("restartPolicy")}
    for entry in inits:
        if entry["name"] in sidecars and entry.get("started") and running:
            yield "sidecar started beside running mains"
            yield "sidecar started and ready beside running mains" if entry["ready"] else ""
    completed = [state.get("reason") for _, state in states[:1]] == ["Completed"]
    failed = len(states) > 1 and states[1][0] == "terminated" and states[1][1]["exitCode"] != 0
    ready = [c["status"] for c in status.get("conditions", []) if c["type"] == "Ready"]
    if completed and failed and spec["restartPolicy"] == "Never":
        yield "Never: Completed then failed"
    if completed and running:
        yield "Completed beside running"
        yield "Completed, failed, running, Ready False" if failed and ready[:1] == ["False"] else ""
    kinds = [c["type"] for c in status.get("conditions", [])]
    for c in status.get("conditions", []):
        yield f"condition {c['type']} {c['status']} {c.get('reason', '')}".strip()
    yield "duplicate condition types" if len(set(kinds)) < len(kinds) else ""
    if len(mains) < len(spec["containers"]):
        yield "fewer container statuses than containers"
    if len(inits) < len(spec.get("initContainers", [])):
        yield "fewer init statuses than init containers"
    if "deletionTimestamp" in meta:
        yield f"deleting, reason {status.get('reason', 'none')}"
    yield f"ignore-restart-policy {meta.get('annotations', {}).get(IGNORE_RESTART_POLICY)!r}"
    yield from (f"spec {key}" for key in ("schedulingGates", "readinessGates") if key in spec)


# What every pod of a pinned scenario shows ("free" promises nothing).
SCENARIO_MARKS = {
    "completed-error": "Never: Completed then failed",
    "completed-error-running": "Completed beside running",
    "sidecar-running": "sidecar started beside running mains",
    "init-failed": "init failing",
    "pod-initializing": "main waiting PodInitializing",
    "node-lost": "deleting, reason NodeLost",
    "scheduling-gated": "condition PodScheduled False SchedulingGated",
    "unschedulable": "condition PodScheduled False Unschedulable",
    "crashloop": "main waiting failing",
    "creating": "main not created",
    "healthy": "condition Ready True",
}


def test_every_pinned_scenario_has_a_mark() -> None:
    assert set(SCENARIO_MARKS) == set(SCENARIOS) - {"free"}


@SAMPLE
@given(
    st.sampled_from(sorted(SCENARIO_MARKS)).flatmap(
        lambda scenario: st.tuples(st.just(scenario), pods(scenario=scenario))
    )
)
def test_a_pinned_scenario_always_has_its_mark(case: tuple[str, Json]) -> None:
    scenario, pod = case
    assert SCENARIO_MARKS[scenario] in set(_pod_features(pod))


def test_an_unknown_scenario_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown pod scenario"):
        pods(scenario="nope")


def _deployment_features(deployment: Json) -> Iterator[str]:
    spec, status, meta = deployment["spec"], deployment["status"], deployment["metadata"]
    conditions = status.get("conditions", [])
    replicas, updated = status.get("replicas", 0), status.get("updatedReplicas", 0)
    available, observed = status.get("availableReplicas", 0), status.get("observedGeneration", 0)
    yield "paused" if spec.get("paused") else "not paused"
    yield spec["strategy"]["type"]
    yield "observed behind" if observed < meta["generation"] else "observed caught up"
    yield "observed absent" if not observed else "observed present"
    progressing = [c for c in conditions if c["type"] == "Progressing"][:1]
    for first in progressing:
        reason = first.get("reason")
        yield f"first Progressing {reason if reason == 'ProgressDeadlineExceeded' else 'other'}"
        yield f"first Progressing {reason} {first['status']}"
    if "deletionTimestamp" in meta:
        yield f"deleting, hook finalizer {HOOK_FINALIZER in meta['finalizers']}"
    kinds = [c["type"] for c in conditions]
    yield "duplicate condition types" if len(set(kinds)) < len(kinds) else ""
    failing = any(c["type"] == "ReplicaFailure" and c["status"] == "True" for c in conditions)
    yield "ReplicaFailure True" if failing else ""
    # replicas_waiting's checks, in its order.
    if updated < spec["replicas"]:
        yield "updated < desired"
    elif replicas > updated:
        yield "old replicas pending"
    else:
        yield "available < updated" if available < updated else "rolled out"
    yield "available > updated" if available > updated else ""
    yield "revision annotation" if REVISION in meta.get("annotations", {}) else "no revision"
    yield "dotted name" if "." in meta["name"] else ""


def _statefulset_features(sts: Json) -> Iterator[str]:
    spec, status = sts["spec"], sts["status"]
    strategy = spec["updateStrategy"]
    yield f"{strategy['type']} {'with' if 'rollingUpdate' in strategy else 'without'} rollingUpdate"
    desired, partition = spec["replicas"], strategy.get("rollingUpdate", {}).get("partition", 0)
    yield "observed absent" if "observedGeneration" not in status else "observed present"
    yield "ready < desired" if status.get("readyReplicas", 0) < desired else ""
    yield (
        "updated < desired - partition"
        if status.get("updatedReplicas", 0) < desired - partition
        else ""
    )
    yield "partition > replicas" if partition > desired else ""
    if "currentRevision" in status:
        same = status["currentRevision"] == status["updateRevision"]
        yield "revisions equal" if same else "revisions differ"


def _daemonset_features(ds: Json) -> Iterator[str]:
    status, strategy = ds["status"], ds["spec"]["updateStrategy"]
    desired = status["desiredNumberScheduled"]
    yield strategy["type"]
    yield "surge" if strategy.get("rollingUpdate", {}).get("maxSurge") else ""
    if status.get("observedGeneration", 0) < ds["metadata"]["generation"]:
        yield "observed behind"
    if status.get("updatedNumberScheduled", 0) < desired:
        yield "updated < desired"
    else:
        yield "available < desired" if status.get("numberAvailable", 0) < desired else "rolled out"


def _replicaset_features(rs: Json) -> Iterator[str]:
    status = rs["status"]
    for c in status.get("conditions", []):
        yield f"{c['type']} {c['status']}"
        yield "" if c.get("message") else f"{c['type']} {c['status']} without message"
    yield (
        "available < desired" if status.get("availableReplicas", 0) < rs["spec"]["replicas"] else ""
    )
    yield "no owner" if "ownerReferences" not in rs["metadata"] else ""


def _odd_features(obj: Json) -> Iterator[str]:
    kind, meta, spec, status = obj["kind"], obj["metadata"], obj["spec"], obj["status"]
    yield "old apiVersion" if obj["apiVersion"] not in ("v1", "apps/v1") else ""
    yield "zero deletionTimestamp" if meta.get("deletionTimestamp") == ZERO_TIME else ""
    revision = meta.get("annotations", {}).get(REVISION)
    if revision is not None and not re.fullmatch(r"[1-9][0-9]*", revision):
        yield "odd revision"
    if kind in ("Deployment", "ReplicaSet", "StatefulSet") and "replicas" not in spec:
        yield "without spec.replicas"
    yield "without restartPolicy" if kind == "Pod" and "restartPolicy" not in spec else ""
    yield (
        "updated > replicas" if status.get("updatedReplicas", 0) > status.get("replicas", 0) else ""
    )
    yield "observed ahead" if status.get("observedGeneration", 0) > meta["generation"] else ""


# The rarer pod states are looked for in the scenario that makes them.
POD_FEATURES = {
    "all": features(
        "init waiting PodInitializing; init running; init failing",
        "main waiting PodInitializing; main no state; main lastState terminated",
        "condition Initialized True; condition Ready True",
        "condition Ready False ContainersNotReady",
        "fewer container statuses than containers; ignore-restart-policy 'true'",
        "spec schedulingGates; phase Pending; phase Running; phase Failed; phase Unknown",
        "restartPolicy Always; restartPolicy OnFailure; restartPolicy Never",
    ),
    "init-failed": features(
        "init terminated code; init terminated signal; init terminated Error",
        "init waiting CrashLoopBackOff; init terminated non-zero",
    ),
    "completed-error": features(
        "main terminated code; main terminated signal; main terminated OOMKilled",
        "main terminated Error",
    ),
    "crashloop": features(
        "main waiting CrashLoopBackOff; main waiting ImagePullBackOff; main waiting ErrImagePull",
        "main waiting CreateContainerConfigError; main waiting InvalidImageName",
        "main lastState terminated",
    ),
    "creating": features("main waiting ContainerCreating; main waiting no reason; main no state"),
    "completed-error-running": features(
        "Completed, failed, running, Ready False; condition Ready True"
    ),
    "sidecar-running": features("sidecar started and ready beside running mains"),
    "pod-initializing": features("init no state; init running; init waiting no reason"),
    "free": features(
        "duplicate condition types; spec readinessGates; phase Succeeded",
        "fewer init statuses than init containers",
    ),
}
ODD_COMMON = features("zero deletionTimestamp; observed ahead; old apiVersion")
ODD_FEATURES = {
    "Pod": features("zero deletionTimestamp; without restartPolicy"),
    "Deployment": ODD_COMMON | features("odd revision; without spec.replicas; updated > replicas"),
    "ReplicaSet": ODD_COMMON | features("odd revision; without spec.replicas"),
    "StatefulSet": ODD_COMMON | features("without spec.replicas"),
    "DaemonSet": ODD_COMMON,
}
COVERAGE: dict[str, tuple[st.SearchStrategy[Json], Features, set[str]]] = {
    **{
        f"{scenario} pod": (pods(scenario=scenario), _pod_features, wanted)
        for scenario, wanted in POD_FEATURES.items()
        if scenario != "all"
    },
    "pod": (pods(), _pod_features, POD_FEATURES["all"]),
    "deployment": (
        deployments(),
        _deployment_features,
        features(
            "paused; not paused; RollingUpdate; Recreate; dotted name",
            "observed behind; observed caught up; observed absent",
            "first Progressing ProgressDeadlineExceeded False; first Progressing other",
            "deleting, hook finalizer True; deleting, hook finalizer False",
            "duplicate condition types; ReplicaFailure True; revision annotation; no revision",
            "updated < desired; old replicas pending; available < updated; rolled out",
            "available > updated",
        ),
    ),
    "replicaset": (
        replicasets(),
        _replicaset_features,
        features(
            "ReplicaFailure True; ReplicaFailure True without message; ReplicaFailure False",
            "available < desired; no owner",
        ),
    ),
    "statefulset": (
        statefulsets(),
        _statefulset_features,
        features(
            "RollingUpdate with rollingUpdate; RollingUpdate without rollingUpdate",
            "OnDelete without rollingUpdate; observed absent; observed present",
            "ready < desired; updated < desired - partition; partition > replicas",
            "revisions differ; revisions equal",
        ),
    ),
    "daemonset": (
        daemonsets(),
        _daemonset_features,
        features(
            "RollingUpdate; OnDelete; surge; observed behind",
            "updated < desired; available < desired; rolled out",
        ),
    ),
    **{
        f"odd {kind}": (KINDS[kind](odd=True), _odd_features, wanted)
        for kind, wanted in ODD_FEATURES.items()
    },
}


@pytest.mark.parametrize(
    ("kind", "feature"),
    [(kind, feature) for kind, (_, _, wanted) in COVERAGE.items() for feature in sorted(wanted)],
)
def test_the_strategies_reach_every_branch(kind: str, feature: str) -> None:
    strategy, features_of, _ = COVERAGE[kind]
    try:
        find(strategy, lambda obj: feature in set(features_of(obj)), settings=REACH)
    except NoSuchExample:
        pytest.fail(f"no {kind} in {REACH.max_examples} draws has {feature!r}")
