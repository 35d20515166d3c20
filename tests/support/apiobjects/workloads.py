"""Deployments, ReplicaSets, StatefulSets and DaemonSets as the v1.36 apiserver returns them.

Specs carry the defaults of pkg/apis/apps/v1/defaults.go. Status counters keep to what the
status validation accepts (non-negative; for the first three kinds none above
``status.replicas`` and available never above ready) and vanish at 0 where Go's omitempty drops
them; within those limits they take every relation to ``spec.replicas`` and to each other,
since controllers report transient states. ``odd=True`` adds what only a hand-written object
carries: no ``spec.replicas``, updated above replicas, an observedGeneration ahead of the
generation, an older apiVersion, a revision annotation that is not a plain decimal.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.support.apiobjects.common import (
    HASH_LABEL,
    STATUSES,
    Json,
    ages,
    annotation_maps,
    api_versions,
    at,
    chance,
    condition,
    counts,
    dns_labels,
    dns_subdomains,
    metadata,
    observed_generations,
    owner_reference,
    template_hashes,
    uids,
)
from tests.support.apiobjects.containers import templates

_INT_OR_PERCENT = st.sampled_from(("25%", "25%", "0%", "50%", "100%", 0, 1, 2))
# RollingUpdateDaemonSet: exactly one of the two is non-zero; the first is the default.
_DAEMONSET_ROLLING: st.SearchStrategy[Json] = st.sampled_from(
    (
        {"maxUnavailable": 1, "maxSurge": 0},
        {"maxUnavailable": 1, "maxSurge": 0},
        {"maxUnavailable": "10%", "maxSurge": 0},
        {"maxUnavailable": 0, "maxSurge": 1},
        {"maxUnavailable": 0, "maxSurge": "25%"},
    )
)
_TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"
_REPLICA_KEYS = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
_QUOTA = 'pods "{rs}-x7k2p" is forbidden: exceeded quota: compute, requested: cpu=1, limited: cpu=4'
# (status, reason, message) per type, as the deployment controller writes them; {rs} is the
# new ReplicaSet. The timed-out reason, the one kubectl fails a rollout on, is drawn twice as
# often as the others.
_TIMED_OUT = ("False", "ProgressDeadlineExceeded", 'ReplicaSet "{rs}" has timed out progressing.')
_DEPLOYMENT_CONDITIONS = {
    "Available": (
        ("True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        ("False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
    ),
    "Progressing": (
        ("True", "NewReplicaSetAvailable", 'ReplicaSet "{rs}" has successfully progressed.'),
        ("True", "ReplicaSetUpdated", 'ReplicaSet "{rs}" is progressing.'),
        ("True", "NewReplicaSetCreated", 'Created new replica set "{rs}"'),
        ("True", "FoundNewReplicaSet", 'Found new replica set "{rs}"'),
        _TIMED_OUT,
        _TIMED_OUT,
    ),
    "ReplicaFailure": (("True", "FailedCreate", _QUOTA),),
}
# Which types a status carries, in the controller's order: none before the first sync.
_CONDITION_SETS = (
    ("Available", "Progressing"),
    ("Available", "Progressing"),
    ("Available", "Progressing", "ReplicaFailure"),
    ("Progressing", "ReplicaFailure"),
    ("Progressing",),
    (),
)


@st.composite
def _deployment_conditions(draw: st.DrawFn, rs: str, created: int) -> list[Json]:
    kinds, doubled = list(draw(st.sampled_from(_CONDITION_SETS))), draw(chance(6))
    if kinds and doubled:
        # Two of a type: accepted on update; the Go helpers take the first.
        kinds.insert(draw(st.integers(0, len(kinds))), draw(st.sampled_from(kinds)))
    out = []
    for kind in kinds:
        usual, reason, template = draw(st.sampled_from(_DEPLOYMENT_CONDITIONS[kind]))
        # kubectl reads the Progressing reason alone, whatever the status says.
        status = draw(st.sampled_from(STATUSES)) if draw(chance(5)) else usual
        message = "" if draw(chance(8)) else template.format(rs=rs)
        changed = draw(ages(created))
        times = {
            "lastUpdateTime": at(draw(st.integers(0, changed))),
            "lastTransitionTime": at(changed),
        }
        out.append(condition(kind, status, reason, message, **times))
    return out


@st.composite
def _replica_counts(draw: st.DrawFn, desired: int, odd: bool) -> dict[str, int]:
    """Settled at DESIRED; mid-rollout (old replicas still serving beside the new ones);
    starting (all new, not all available yet); or anything the validation allows."""
    mode = draw(st.sampled_from(("settled", "settled", "rolling", "starting", "free")))
    if mode == "settled":
        return dict.fromkeys(_REPLICA_KEYS, desired)
    replicas = draw(st.integers(0, desired + 2))
    ready = draw(st.integers(0, replicas))
    available, updated = draw(st.integers(0, ready)), draw(st.integers(0, replicas))
    if mode == "rolling":
        updated = draw(st.integers(0, desired))
        replicas = updated + draw(st.integers(1, 2))
        ready = draw(st.integers(updated, replicas))
        available = draw(st.integers(min(updated + 1, ready), ready))
    if mode == "starting":
        replicas = updated = max(desired, 1)
        ready = draw(st.integers(0, updated))
        available = draw(st.integers(0, min(ready, updated - 1)))
    if odd and draw(chance(4)):
        updated = replicas + draw(st.integers(1, 2))
    return dict(zip(_REPLICA_KEYS, (replicas, updated, ready, available), strict=True))


def _workload_meta(
    draw: st.DrawFn, name: str, labels: dict[str, str], odd: bool, **extra: Any
) -> tuple[Json, int]:
    """Metadata and its age: generation 1 to 12, annotations as EXTRA["notes"] or hooks."""
    created, generation = draw(ages()), draw(st.integers(1, 12))
    extra.setdefault("notes", annotation_maps(odd=odd))
    meta = metadata(name, created=created, generation=generation, labels=labels, odd=odd, **extra)
    return draw(meta), created


def _observed(meta: Json, draw: st.DrawFn, odd: bool, terminating: bool = False) -> Json:
    """observedGeneration, and what a controller adds on its first sync (omitted before)."""
    observed = draw(observed_generations(meta["generation"], odd))
    if not observed:
        return {}
    # DeploymentReplicaSetTerminatingReplicas, beta and on by default since v1.35.
    extra = {"terminatingReplicas": draw(st.sampled_from((0, 0, 1)))} if terminating else {}
    return {"observedGeneration": observed, **extra}


def _spec(draw: st.DrawFn, desired: int, labels: dict[str, str], odd: bool) -> Json:
    spec = {"replicas": desired, "selector": {"matchLabels": labels}}
    spec["template"] = draw(templates(labels))
    if odd and draw(chance(3)):
        # Off-server: defaulting always sets it; both readers then skip the desired check.
        del spec["replicas"]
    return spec


@st.composite
def _deployment(draw: st.DrawFn, odd: bool) -> Json:
    name = draw(dns_subdomains())
    labels = {"app": name}
    notes = annotation_maps(revision=True, odd=odd)
    meta, created = _workload_meta(draw, name, labels, odd, notes=notes)
    desired = draw(st.integers(0, 4))
    spec = _spec(draw, desired, labels, odd)
    spec["strategy"] = {"type": "Recreate"}
    if not draw(chance(4)):
        surge, unavailable = draw(_INT_OR_PERCENT), draw(_INT_OR_PERCENT)
        # Validation: maxSurge and maxUnavailable may not both be zero.
        unavailable = "25%" if {surge, unavailable} <= {0, "0%"} else unavailable
        rolling = {"maxUnavailable": unavailable, "maxSurge": surge}
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling}
    spec["revisionHistoryLimit"] = draw(st.sampled_from((10, 10, 0, 3)))
    spec["progressDeadlineSeconds"] = draw(st.sampled_from((600, 600, 60, 30)))
    if draw(chance(5)):
        spec["minReadySeconds"] = 10  # below every progressDeadlineSeconds drawn, as required
    if draw(chance(4)):
        spec["paused"] = True
    replicas = draw(_replica_counts(desired, odd))
    unavailable = max(desired - replicas["availableReplicas"], 0)
    status = counts(replicas)
    status |= counts({"unavailableReplicas": draw(st.sampled_from((unavailable, 0, 1)))})
    status |= _observed(meta, draw, odd, terminating=True)
    rs = f"{name}-{draw(template_hashes())}"
    if conditions := draw(_deployment_conditions(rs, created)):
        status["conditions"] = conditions
    return _object(draw, odd, "Deployment", meta, spec, status)


@st.composite
def _replicaset(draw: st.DrawFn, odd: bool) -> Json:
    app, hash_, desired = draw(dns_subdomains()), draw(template_hashes()), draw(st.integers(0, 4))
    labels = {"app": app, HASH_LABEL: hash_}
    owner = None if draw(chance(4)) else owner_reference("Deployment", app, draw(uids()))
    sizes = {
        "deployment.kubernetes.io/desired-replicas": str(desired),
        "deployment.kubernetes.io/max-replicas": str(desired + 1),
    }
    notes = annotation_maps(revision=True, odd=odd).map(lambda found: found | sizes)
    meta, created = _workload_meta(draw, f"{app}-{hash_}", labels, odd, notes=notes, owner=owner)
    spec = _spec(draw, desired, labels, odd)
    replicas = draw(_replica_counts(desired, odd=False))
    del replicas["updatedReplicas"]
    replicas["fullyLabeledReplicas"] = draw(st.sampled_from((replicas["replicas"], 0)))
    status = counts(replicas, always=("replicas",)) | _observed(meta, draw, odd, terminating=True)
    if not draw(chance(3)):
        failing = draw(st.sampled_from(("True", "False", "Unknown")))
        message = "" if draw(st.booleans()) else _QUOTA.format(rs=meta["name"])
        changed = at(draw(ages(created)))
        failure = condition(
            "ReplicaFailure", failing, "FailedCreate", message, lastTransitionTime=changed
        )
        status["conditions"] = [failure]
    return _object(draw, odd, "ReplicaSet", meta, spec, status)


@st.composite
def _statefulset(draw: st.DrawFn, odd: bool) -> Json:
    name, desired = draw(dns_labels()), draw(st.integers(0, 4))
    labels = {"app": name}
    meta, _ = _workload_meta(draw, name, labels, odd)
    spec = _spec(draw, desired, labels, odd)
    strategy = draw(st.sampled_from(("partition", "partition", "bare", "OnDelete")))
    # Only a defaulted (untyped) strategy gets rollingUpdate; an explicit type keeps it absent.
    update: Json = {"type": "OnDelete" if strategy == "OnDelete" else "RollingUpdate"}
    if strategy == "partition" or (odd and strategy == "OnDelete" and draw(chance(3))):
        partition = draw(st.sampled_from((0, 0, 1, desired, desired + 1)))
        update["rollingUpdate"] = {"partition": partition}
    spec |= {
        "serviceName": name,
        "podManagementPolicy": draw(st.sampled_from(("OrderedReady", "Parallel"))),
        "updateStrategy": update,
        "revisionHistoryLimit": 10,
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
    }
    replicas = draw(_replica_counts(desired, odd=False))
    current = draw(st.integers(0, replicas["replicas"]))
    replicas["currentReplicas"] = draw(st.sampled_from((replicas["updatedReplicas"], current)))
    status = counts(replicas, always=("replicas", "availableReplicas"))
    # The controller's first sync writes the revisions with observedGeneration.
    if observed := _observed(meta, draw, odd):
        revision = f"{name}-{draw(template_hashes())}"
        update_revision = draw(st.sampled_from((revision, f"{name}-{draw(template_hashes())}")))
        status |= {"currentRevision": revision, "updateRevision": update_revision}
        status |= observed | {"collisionCount": 0}
    return _object(draw, odd, "StatefulSet", meta, spec, status)


@st.composite
def _daemonset(draw: st.DrawFn, odd: bool) -> Json:
    name = draw(dns_subdomains())
    labels = {"app": name}
    meta, _ = _workload_meta(draw, name, labels, odd)
    # The apiserver counts template changes here; each also bumps the generation.
    template_generation = str(draw(st.integers(1, meta["generation"])))
    meta["annotations"] = meta.get("annotations", {}) | {_TEMPLATE_GENERATION: template_generation}
    spec: Json = {"selector": {"matchLabels": labels}, "template": draw(templates(labels))}
    update: Json = {"type": "OnDelete"}
    if not draw(chance(4)):
        update = {"type": "RollingUpdate", "rollingUpdate": draw(_DAEMONSET_ROLLING)}
    spec |= {"updateStrategy": update, "revisionHistoryLimit": 10}
    desired = draw(st.integers(0, 4))
    mode = draw(st.sampled_from(("settled", "starting", "free", "free")))
    if mode == "settled":
        scheduled = updated = ready = available = desired
    elif mode == "starting":
        # Every node runs the new pod; some are not available yet.
        desired = scheduled = updated = max(desired, 1)
        ready = draw(st.integers(0, desired))
        available = draw(st.integers(0, min(ready, desired - 1)))
    else:
        scheduled, updated = draw(st.integers(0, desired + 1)), draw(st.integers(0, desired + 1))
        ready = draw(st.integers(0, scheduled))
        available = draw(st.integers(0, ready))
    numbers = {
        "currentNumberScheduled": scheduled,
        "numberMisscheduled": draw(st.sampled_from((0, 0, 1))),
        "desiredNumberScheduled": desired,
        "numberReady": ready,
        "updatedNumberScheduled": updated,
        "numberAvailable": available,
        "numberUnavailable": draw(st.sampled_from((max(desired - available, 0), 0, 1))),
    }
    status = counts(numbers, always=tuple(numbers)[:4]) | _observed(meta, draw, odd)
    return _object(draw, odd, "DaemonSet", meta, spec, status)


def _object(draw: st.DrawFn, odd: bool, kind: str, meta: Json, spec: Json, status: Json) -> Json:
    api_version = draw(api_versions("apps/v1", odd))
    return {"apiVersion": api_version, "kind": kind, "metadata": meta, "spec": spec} | {
        "status": status
    }


def deployments(odd: bool = False) -> st.SearchStrategy[Json]:
    """apps/v1 Deployments; ODD mixes in the off-server values in the module docstring."""
    return _deployment(odd)


def replicasets(odd: bool = False) -> st.SearchStrategy[Json]:
    """apps/v1 ReplicaSets, mostly owned by a Deployment; ODD as for ``deployments``."""
    return _replicaset(odd)


def statefulsets(odd: bool = False) -> st.SearchStrategy[Json]:
    """apps/v1 StatefulSets; ODD as for ``deployments``."""
    return _statefulset(odd)


def daemonsets(odd: bool = False) -> st.SearchStrategy[Json]:
    """apps/v1 DaemonSets; ODD as for ``deployments``."""
    return _daemonset(odd)
