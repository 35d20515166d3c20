"""A Node as ``kubectl get nodes`` shows it, and which nodes the board lists.

When a kubelet stops renewing its lease, the node lifecycle controller sets the Ready
condition to ``Unknown`` (reason ``NodeStatusUnknown``, "Kubelet stopped posting node
status.") after ``node-monitor-grace-period`` and taints the node
``node.kubernetes.io/unreachable``; a kubelet that reports itself not ready sets
``False`` and the controller taints ``node.kubernetes.io/not-ready``. Pods on such a node
keep their last reported status, so only the node says that they may not be running.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontend.status.objects import flag, items, name, text, timestamp

# The taints the node lifecycle controller manages for the Ready condition
# (pkg/controller/nodelifecycle): the ones that say the node is lost or not ready.
LIFECYCLE_TAINTS = ("node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready")
_EFFECTS = ("NoExecute", "NoSchedule")
# The JSON lists every node up to this many; beyond, only those running a board pod.
NODES_SHOWN = 50


@dataclass(frozen=True)
class NodeState:
    name: str
    # ``kubectl get nodes``' STATUS: Ready, NotReady (Ready is False or Unknown) or
    # Unknown (no Ready condition), then ",SchedulingDisabled" when cordoned.
    status: str
    ready: bool | None  # the Ready condition: True, False, or None when Unknown or absent
    reason: str  # the Ready condition's reason, e.g. NodeStatusUnknown
    message: str  # e.g. "Kubelet stopped posting node status."
    since: datetime | None  # the Ready condition's lastTransitionTime
    unschedulable: bool  # cordoned (spec.unschedulable)
    taints: tuple[str, ...]  # the lifecycle taints it carries, as "key:Effect"


def _ready_condition(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
    # printNode keeps conditions in a map by type: the last one of a type wins.
    found = [c for c in items(node, "status", "conditions") if c.get("type") == "Ready"]
    return found[-1] if found else None


def node_state(node: Mapping[str, Any]) -> NodeState:
    """What the board says about one node."""
    ready = _ready_condition(node)
    value = text(ready, "status")
    unschedulable = flag(node, "spec", "unschedulable")
    # kubectl's printNode, for the Ready condition only (the others are not printed).
    status = "Unknown" if ready is None else "Ready" if value == "True" else "NotReady"
    if unschedulable:
        status += ",SchedulingDisabled"
    taints = tuple(
        f"{text(t, 'key')}:{text(t, 'effect')}"
        for t in items(node, "spec", "taints")
        if text(t, "key") in LIFECYCLE_TAINTS and text(t, "effect") in _EFFECTS
    )
    return NodeState(
        name=name(node),
        status=status,
        ready=True if value == "True" else False if value == "False" else None,
        reason=text(ready, "reason"),
        message=text(ready, "message"),
        since=timestamp(text(ready, "lastTransitionTime")),
        unschedulable=unschedulable,
        taints=taints,
    )


def node_states(nodes: Iterable[Mapping[str, Any]]) -> dict[str, NodeState]:
    return {state.name: state for state in map(node_state, nodes)}


def shown_nodes(
    states: Mapping[str, NodeState], on_board: Collection[str], limit: int = NODES_SHOWN
) -> tuple[tuple[NodeState, ...], int]:
    """The nodes the JSON lists, not Ready first, and how many it leaves out.

    Every node when there are at most ``limit``; else those running a pod shown on the
    board (``on_board``), capped at ``limit``: a big cluster's other nodes say nothing
    about the board's workloads.
    """
    chosen = list(states.values())
    if len(chosen) > limit:
        chosen = [state for state in chosen if state.name in on_board]
    chosen.sort(key=lambda state: (state.ready is True, state.name))
    shown = tuple(chosen[:limit])
    return shown, len(states) - len(shown)
