"""One Deployment's card: every status view of it, combined from plain API objects.

The card is the board's unit of rendering and of the JSON API; ``dataclasses.asdict(card)``
gives stable, JSON-serialisable field names (enums serialise as their string values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from frontend.status.events import (
    DEFAULT_MAX_EVENTS,
    EventIndex,
    EventRow,
    Subjects,
    warning_events,
)
from frontend.status.health import Health, deployment_health
from frontend.status.nodes import NodeState
from frontend.status.objects import (
    Obj,
    container_images,
    flag,
    items,
    mapping,
    name,
    namespace,
    number,
    revision,
    text,
)
from frontend.status.pods import PodRow, digest, pod_row
from frontend.status.provenance import Provenance, provenance
from frontend.status.revisions import Revisions, belongs_to, owned_replicasets
from frontend.status.revisions import revisions as revision_history
from frontend.status.rollout import RolloutStatus, rollout_status


@dataclass(frozen=True)
class Counts:
    """kubectl's ``Replicas:`` line, for the progress bar."""

    desired: int  # spec.replicas
    updated: int
    ready: int
    available: int
    total: int  # status.replicas, old and new
    unavailable: int
    # Old replicas still pending termination (status.replicas - updatedReplicas).
    old: int


@dataclass(frozen=True)
class ConditionRow:
    type: str
    status: str
    reason: str
    message: str
    last_transition: str


@dataclass(frozen=True)
class DeploymentCard:
    name: str
    namespace: str
    health: Health
    rollout: RolloutStatus
    counts: Counts
    paused: bool
    revision: int  # the Deployment's deployment.kubernetes.io/revision
    pod_template_hash: str  # of the current ReplicaSet, "" before it exists
    image: str  # first container: declared image, "@<digest>" appended when the pods report it
    images: tuple[str, ...]  # every container's declared image
    conditions: tuple[ConditionRow, ...]
    pods: tuple[PodRow, ...]  # current revision first, then newer revisions, then by name
    events: tuple[EventRow, ...]  # Warning events, newest first
    revisions: Revisions
    provenance: Provenance
    kind: str = "Deployment"  # or StatefulSet, DaemonSet (status.set_card)
    # The nodes its pods run on that are not Ready, by name (``on_nodes``).
    nodes_not_ready: tuple[NodeState, ...] = ()


def on_nodes(card: DeploymentCard, states: Mapping[str, NodeState]) -> DeploymentCard:
    """The card with what the nodes its pods run on say: a pod's status is its kubelet's
    last report, which a lost node's kubelet no longer updates."""
    if not states and not card.nodes_not_ready:  # no node seen (e.g. no RBAC): as built
        return card
    seen = {pod.node: states[pod.node] for pod in card.pods if pod.node and pod.node in states}
    pods = []
    for pod in card.pods:
        state = seen.get(pod.node or "")
        pods.append(replace(pod, node_ready=state.ready if state is not None else None))
    unready = tuple(seen[node] for node in sorted(seen) if seen[node].ready is not True)
    return replace(card, pods=tuple(pods), nodes_not_ready=unready)


def _counts(deployment: Obj) -> Counts:
    total = number(deployment, "status", "replicas")
    updated = number(deployment, "status", "updatedReplicas")
    return Counts(
        desired=number(deployment, "spec", "replicas"),
        updated=updated,
        ready=number(deployment, "status", "readyReplicas"),
        available=number(deployment, "status", "availableReplicas"),
        total=total,
        unavailable=number(deployment, "status", "unavailableReplicas"),
        old=max(total - updated, 0),
    )


def conditions(deployment: Obj) -> tuple[ConditionRow, ...]:
    return tuple(
        ConditionRow(
            type=text(entry, "type"),
            status=text(entry, "status"),
            reason=text(entry, "reason"),
            message=text(entry, "message"),
            last_transition=text(entry, "lastTransitionTime"),
        )
        for entry in items(deployment, "status", "conditions")
    )


def declared_image(deployment: Obj, current_pods: Sequence[Obj]) -> str:
    """``image:tag@sha256:...`` for the first container, from what the current pods run."""
    containers = items(deployment, "spec", "template", "spec", "containers")
    if not containers:
        return ""
    declared, container = text(containers[0], "image"), text(containers[0], "name")
    if digest(declared):
        return declared
    for pod in current_pods:
        for status in items(pod, "status", "containerStatuses"):
            running = digest(text(status, "imageID"))
            if text(status, "name") == container and running:
                return f"{declared}@{running}"
    return declared


def deployment_card(
    deployment: Mapping[str, Any],
    replicasets: Sequence[Mapping[str, Any]],
    pods: Sequence[Mapping[str, Any]],
    events: EventIndex | Iterable[Mapping[str, Any]],
    now: datetime,
    *,
    meta: Mapping[str, Any] | None = None,
    max_events: int = DEFAULT_MAX_EVENTS,
) -> DeploymentCard:
    """Combine every view of one Deployment.

    ``replicasets``, ``pods`` and ``events`` may hold other workloads' objects too (e.g. the
    whole namespace): only the Deployment's own ReplicaSets, their pods and events about them
    are used; ``events`` may be an ``EventIndex`` shared by every card of a namespace.
    ``meta`` is the backend's ``/meta`` JSON when it has been probed.
    """
    # Which ReplicaSets are the Deployment's and which is current: found here, once, and
    # passed down to the health, pod and history views.
    owned = owned_replicasets(deployment, replicasets)
    current = owned.current
    rank = {id(rs): revision(rs) for rs in owned.replicasets}
    placed = [
        (pod, next((rs for rs in owned.replicasets if belongs_to(pod, rs)), None)) for pod in pods
    ]
    mine = [(pod, rs) for pod, rs in placed if rs is not None]
    current_pods = [pod for pod, rs in mine if rs is current]
    ordered = sorted(
        mine, key=lambda pair: (pair[1] is not current, -rank[id(pair[1])], name(pair[0]))
    )
    rows = tuple(replace(pod_row(pod, now), current=rs is current) for pod, rs in ordered)
    own_pods = [pod for pod, _ in mine]
    subjects = Subjects.of(deployment, owned.replicasets, own_pods)
    return DeploymentCard(
        name=name(deployment),
        namespace=namespace(deployment),
        health=deployment_health(deployment, current, current_pods, now),
        rollout=rollout_status(deployment),
        counts=_counts(deployment),
        paused=flag(deployment, "spec", "paused"),
        revision=revision(deployment),
        pod_template_hash=text(current, "metadata", "labels", "pod-template-hash"),
        image=declared_image(deployment, current_pods),
        images=container_images(mapping(deployment, "spec", "template")),
        conditions=conditions(deployment),
        pods=rows,
        events=warning_events(events, subjects, now, max_events),
        revisions=revision_history(owned),
        provenance=provenance(deployment, own_pods, meta),
    )
