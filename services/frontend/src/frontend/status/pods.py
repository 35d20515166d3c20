"""A pod as ``kubectl get pods -o wide`` shows it, plus what it actually runs (``imageID``).

``pod_status`` ports kubectl's ``printPod`` (pkg/printers/internalversion/printers.go): the
STATUS, READY and RESTARTS columns come out character for character.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from frontend.status.durations import human_duration, since
from frontend.status.objects import (
    HASH_LABEL,
    Obj,
    aware,
    condition,
    deleting,
    items,
    label,
    mapping,
    name,
    namespace,
    number,
    text,
    timestamp,
)

# node.NodeUnreachablePodReason: the node controller's mark on pods of a lost node.
NODE_LOST = "NodeLost"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class ContainerRow:
    name: str
    init: bool
    image: str  # as requested in the spec
    image_id: str  # as resolved by the runtime
    digest: str | None  # sha256:<64 hex> from image_id, when the runtime reported one
    ready: bool
    restarts: int
    state: str  # "waiting", "running", "terminated" or "" before the kubelet reports
    reason: str
    message: str


@dataclass(frozen=True)
class PodStatus:
    status: str  # the STATUS column
    ready: str  # the READY column, "n/m"
    ready_containers: int
    total_containers: int
    restarts: int
    restarts_text: str  # the RESTARTS column, "3 (5m2s ago)"
    last_restart: str | None  # newest lastState.terminated.finishedAt counted in restarts


@dataclass(frozen=True)
class PodRow:
    name: str
    namespace: str
    status: str
    ready: str
    restarts: int
    # Texts that depend on the clock are left out of equality: a card that changed only
    # because time passed is the same card (the browser counts them, from the timestamps).
    restarts_text: str = field(compare=False)
    last_restart: str | None
    age: str = field(compare=False)
    created: str
    phase: str
    node: str | None
    pod_ip: str | None
    images: tuple[str, ...]
    digests: tuple[str, ...]  # distinct, in container order
    pod_template_hash: str
    deleting: bool
    containers: tuple[ContainerRow, ...]
    # Set by the card: whether the pod belongs to the Deployment's current ReplicaSet.
    current: bool = False
    # Set from the pod's Node (``status.card.on_nodes``): its Ready condition, None when
    # Unknown (the kubelet stopped posting), not seen, or the pod is not scheduled.
    node_ready: bool | None = None


def digest(image_id: str) -> str | None:
    """``sha256:...`` from an imageID such as ``docker-pullable://nginx@sha256:...``."""
    # The digest after "@" is the repository digest; a bare "sha256:" is what the runtime had.
    found = _DIGEST.findall(image_id.rpartition("@")[2])
    return found[-1] if found else None


def _restartable(spec_init: Obj | None) -> bool:
    """A sidecar: an init container with ``restartPolicy: Always``."""
    return text(spec_init, "restartPolicy") == "Always"


def _exit_reason(terminated: Obj, prefix: str = "") -> str:
    if text(terminated, "reason"):
        return prefix + text(terminated, "reason")
    if number(terminated, "signal") != 0:
        return f"{prefix}Signal:{number(terminated, 'signal')}"
    return f"{prefix}ExitCode:{number(terminated, 'exitCode')}"


def _finished(status: Obj) -> datetime | None:
    return timestamp(mapping(status, "lastState", "terminated").get("finishedAt"))


def _newest(*moments: datetime | None) -> datetime | None:
    return max((m for m in moments if m is not None), default=None)


@dataclass
class _Tally:
    """printPod's running state while it walks the container statuses."""

    reason: str
    ready: int = 0
    restarts: int = 0
    last_restart: datetime | None = None
    sidecar_restarts: int = 0
    last_sidecar_restart: datetime | None = None
    initializing: bool = False


def _present(state: Obj, key: str) -> bool:
    """A state Go decodes to a non-nil pointer: present and not null, even when empty."""
    return state.get(key) is not None


def _walk_init(pod: Obj, tally: _Tally) -> None:
    """Init containers in order, stopping at the first that has not finished."""
    spec_inits = {text(c, "name"): c for c in items(pod, "spec", "initContainers")}
    for index, status in enumerate(items(pod, "status", "initContainerStatuses")):
        tally.restarts += number(status, "restartCount")
        tally.last_restart = _newest(tally.last_restart, _finished(status))
        sidecar = _restartable(spec_inits.get(text(status, "name")))
        if sidecar:
            tally.sidecar_restarts += number(status, "restartCount")
            tally.last_sidecar_restart = _newest(tally.last_sidecar_restart, _finished(status))
        state = mapping(status, "state")
        terminated = mapping(state, "terminated")
        waiting_reason = text(state, "waiting", "reason")
        if _present(state, "terminated") and number(terminated, "exitCode") == 0:
            continue
        if sidecar and status.get("started") is True:
            if status.get("ready") is True:
                tally.ready += 1
            continue
        if _present(state, "terminated"):
            tally.reason = _exit_reason(terminated, "Init:")
        elif waiting_reason and waiting_reason != "PodInitializing":
            tally.reason = f"Init:{waiting_reason}"
        else:
            tally.reason = f"Init:{index}/{len(spec_inits)}"
        tally.initializing = True
        return


def _walk_main(pod: Obj, tally: _Tally) -> None:
    """Main containers in reverse, so the first container's reason is the one left standing."""
    # Once past init, only sidecars' restarts still count next to the main containers'.
    tally.restarts, tally.last_restart = tally.sidecar_restarts, tally.last_sidecar_restart
    has_running = False
    # The reason of the first container (in spec order) that exited non-zero: a pod whose
    # last word is "Completed" shows it instead (kubernetes#124766, printPod since v1.31).
    error_reason = ""
    for status in reversed(items(pod, "status", "containerStatuses")):
        tally.restarts += number(status, "restartCount")
        tally.last_restart = _newest(tally.last_restart, _finished(status))
        state = mapping(status, "state")
        terminated = mapping(state, "terminated")
        if text(state, "waiting", "reason"):
            tally.reason = text(state, "waiting", "reason")
        elif _present(state, "terminated"):
            tally.reason = _exit_reason(terminated)
            if number(terminated, "exitCode") != 0:
                error_reason = tally.reason
        elif status.get("ready") is True and _present(state, "running"):
            has_running = True
            tally.ready += 1
    if tally.reason == "Completed":
        if has_running and _any_condition_true(pod, "Ready"):
            tally.reason = "Running"
        elif error_reason:
            tally.reason = error_reason
        elif has_running:
            tally.reason = "NotReady"


def _any_condition_true(pod: Obj, kind: str) -> bool:
    """printPod's hasPodReadyCondition: any condition of the type, not only the first."""
    conditions = items(pod, "status", "conditions")
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def pod_status(pod: Mapping[str, Any], now: datetime) -> PodStatus:
    """kubectl's STATUS, READY and RESTARTS columns for one pod."""
    tally = _Tally(reason=text(pod, "status", "reason") or text(pod, "status", "phase"))
    if any(
        c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
        for c in items(pod, "status", "conditions")
    ):
        tally.reason = "SchedulingGated"

    _walk_init(pod, tally)
    initialized = condition(pod, "Initialized")
    if not tally.initializing or (initialized is not None and initialized.get("status") == "True"):
        _walk_main(pod, tally)

    # The typed Pod's pointer: set even when it holds the zero time, unlike deleting().
    marked = bool(text(pod, "metadata", "deletionTimestamp"))
    if marked and text(pod, "status", "reason") == NODE_LOST:
        tally.reason = "Unknown"
    elif marked and text(pod, "status", "phase") not in ("Succeeded", "Failed"):
        tally.reason = "Terminating"

    sidecars = sum(map(_restartable, items(pod, "spec", "initContainers")))
    total = len(items(pod, "spec", "containers")) + sidecars
    restarts_text = str(tally.restarts)
    if tally.restarts and tally.last_restart is not None:
        ago = human_duration(aware(now) - tally.last_restart)
        restarts_text = f"{tally.restarts} ({ago} ago)"
    return PodStatus(
        status=tally.reason,
        ready=f"{tally.ready}/{total}",
        ready_containers=tally.ready,
        total_containers=total,
        restarts=tally.restarts,
        restarts_text=restarts_text,
        last_restart=tally.last_restart.isoformat() if tally.last_restart else None,
    )


def _container_rows(pod: Obj) -> tuple[ContainerRow, ...]:
    rows = []
    for key, init in (("initContainerStatuses", True), ("containerStatuses", False)):
        for status in items(pod, "status", key):
            state = mapping(status, "state")
            current = next((k for k in ("waiting", "running", "terminated") if k in state), "")
            image_id = text(status, "imageID")
            rows.append(
                ContainerRow(
                    name=text(status, "name"),
                    init=init,
                    image=text(status, "image"),
                    image_id=image_id,
                    digest=digest(image_id),
                    ready=status.get("ready") is True,
                    restarts=number(status, "restartCount"),
                    state=current,
                    reason=text(state, current, "reason") if current else "",
                    message=text(state, current, "message") if current else "",
                )
            )
    return tuple(rows)


def pod_row(pod: Mapping[str, Any], now: datetime) -> PodRow:
    """Everything the board shows for one pod."""
    columns = pod_status(pod, now)
    containers = _container_rows(pod)
    spec_images = tuple(text(c, "image") for c in items(pod, "spec", "containers"))
    digests = tuple(dict.fromkeys(c.digest for c in containers if c.digest and not c.init))
    return PodRow(
        name=name(pod),
        namespace=namespace(pod),
        status=columns.status,
        ready=columns.ready,
        restarts=columns.restarts,
        restarts_text=columns.restarts_text,
        last_restart=columns.last_restart,
        age=since(text(pod, "metadata", "creationTimestamp"), now),
        created=text(pod, "metadata", "creationTimestamp"),
        phase=text(pod, "status", "phase"),
        node=text(pod, "spec", "nodeName") or None,
        pod_ip=text(pod, "status", "podIP") or None,
        images=spec_images,
        digests=digests,
        pod_template_hash=label(pod, HASH_LABEL),
        deleting=deleting(pod),
        containers=containers,
    )
