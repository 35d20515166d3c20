"""A Deployment's ReplicaSets as revisions: which one is current, and the rollout history.

``owned_replicasets`` works out, once per card, which ReplicaSets are the Deployment's own and
which of them is current; health, the card and the history all read that one answer.

The current ReplicaSet is found the way the Deployment controller and kubectl's
``findNewReplicaSet`` find it (pod template equal ignoring ``pod-template-hash``, oldest first),
falling back to the revision annotation the way Headlamp does, for the window after a template
change and before the controller has created the new ReplicaSet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from frontend.status.objects import (
    CHANGE_CAUSE_ANNOTATION,
    HASH_LABEL,
    REVISION_HISTORY_ANNOTATION,
    Obj,
    annotation,
    container_images,
    controlled_by,
    controller_ref,
    label,
    mapping,
    name,
    number,
    revision,
    text,
)

MatchedBy = Literal["template", "revision", ""]


@dataclass(frozen=True)
class Revision:
    revision: int
    name: str
    pod_template_hash: str
    change_cause: str
    images: tuple[str, ...]
    desired: int  # spec.replicas
    replicas: int  # status.replicas
    ready: int
    available: int
    created: str  # metadata.creationTimestamp as the API wrote it
    current: bool
    # Old ReplicaSets still holding pods: kubectl's "old replicas pending termination".
    draining: bool
    # Old ReplicaSets scaled to zero are only kept as history; the board folds them away.
    collapsed: bool
    # Earlier revision numbers this ReplicaSet stood for before a rollback reused it.
    revision_history: tuple[int, ...]


@dataclass(frozen=True)
class Revisions:
    current: Revision | None
    matched_by: MatchedBy
    # Newest revision first, as Argo CD's tree and Headlamp list them.
    history: tuple[Revision, ...]


def _normalised(node: Any) -> Any:
    """Drop nulls and empties: Go's semantic DeepEqual treats nil and empty maps as equal."""
    if isinstance(node, Mapping):
        cleaned = {key: _normalised(value) for key, value in node.items()}
        return {key: value for key, value in cleaned.items() if value not in (None, {}, [])}
    if isinstance(node, list):
        return [_normalised(value) for value in node]
    return node


def _template_without_hash(template: Obj) -> Any:
    normalised = _normalised(template)
    labels = normalised.get("metadata", {}).get("labels", {})
    labels.pop(HASH_LABEL, None)
    if not labels:
        normalised.get("metadata", {}).pop("labels", None)
    if not normalised.get("metadata"):
        normalised.pop("metadata", None)
    return normalised


def _age_key(rs: Obj) -> tuple[str, str]:
    # RFC 3339 timestamps in UTC sort lexically; the name breaks ties, as in the controller.
    return (text(rs, "metadata", "creationTimestamp"), name(rs))


def _find_current(deployment: Obj, owned: Sequence[Obj]) -> tuple[Obj | None, MatchedBy]:
    """The current (new) ReplicaSet among the owned ones (oldest first), and how it was found."""
    wanted = _template_without_hash(mapping(deployment, "spec", "template"))
    for rs in owned:
        if _template_without_hash(mapping(rs, "spec", "template")) == wanted:
            return rs, "template"
    deployment_revision = revision(deployment)
    if deployment_revision > 0:
        for rs in owned:
            if revision(rs) == deployment_revision:
                return rs, "revision"
    return None, ""


@dataclass(frozen=True)
class OwnedReplicaSets:
    """A Deployment's own ReplicaSets and which of them is current."""

    replicasets: tuple[Obj, ...]  # whose controller ownerReference is the Deployment, oldest first
    # One of the very objects in ``replicasets`` (compare with ``is``), or None.
    current: Obj | None
    matched_by: MatchedBy


def owned_replicasets(deployment: Obj, replicasets: Iterable[Obj]) -> OwnedReplicaSets:
    """The Deployment's ReplicaSets (``IsControlledBy``) and its current one, found once."""
    owned = sorted((rs for rs in replicasets if controlled_by(rs, deployment)), key=_age_key)
    current, matched_by = _find_current(deployment, owned)
    return OwnedReplicaSets(tuple(owned), current, matched_by)


def belongs_to(pod: Obj, rs: Obj) -> bool:
    """A pod of this ReplicaSet: by controller ownerReference, else by ``pod-template-hash``."""
    if controller_ref(pod) is not None:
        return controlled_by(pod, rs)
    pod_hash = label(pod, HASH_LABEL)
    return bool(pod_hash) and pod_hash == label(rs, HASH_LABEL)


def _history_numbers(rs: Obj) -> tuple[int, ...]:
    numbers = []
    for part in annotation(rs, REVISION_HISTORY_ANNOTATION).split(","):
        if part.strip().isdigit():
            numbers.append(int(part))
    return tuple(numbers)


def _revision_row(rs: Obj, *, current: bool) -> Revision:
    desired = number(rs, "spec", "replicas")
    replicas = number(rs, "status", "replicas")
    holding = desired > 0 or replicas > 0
    return Revision(
        revision=revision(rs),
        name=name(rs),
        pod_template_hash=label(rs, HASH_LABEL),
        change_cause=annotation(rs, CHANGE_CAUSE_ANNOTATION),
        images=container_images(mapping(rs, "spec", "template")),
        desired=desired,
        replicas=replicas,
        ready=number(rs, "status", "readyReplicas"),
        available=number(rs, "status", "availableReplicas"),
        created=text(rs, "metadata", "creationTimestamp"),
        current=current,
        draining=not current and holding,
        collapsed=not current and not holding,
        revision_history=_history_numbers(rs),
    )


def revisions(owned: OwnedReplicaSets) -> Revisions:
    """The current revision and the full history of the Deployment's own ReplicaSets."""
    rows = [_revision_row(rs, current=rs is owned.current) for rs in owned.replicasets]
    rows.sort(key=lambda row: (row.revision, row.created, row.name), reverse=True)
    current_row = next((row for row in rows if row.current), None)
    return Revisions(current=current_row, matched_by=owned.matched_by, history=tuple(rows))
