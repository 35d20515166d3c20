"""The board as plain data: groups of cards and banners (built by ``frontend.board.builder``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from frontend.cluster.kinds import WORKLOAD_KINDS, card_anchor
from frontend.cluster.snapshot import ObjectSnapshot
from frontend.environments.view import EMPTY, EnvironmentsView
from frontend.probes.results import ProbeSnapshot
from frontend.status.card import DeploymentCard
from frontend.status.durations import human_duration, rfc3339
from frontend.status.gitops import GitOpsStatus
from frontend.status.health import HealthCode
from frontend.status.nodes import NodeState
from servicekit.redaction import redact_url


@dataclass(frozen=True)
class Banner:
    level: str  # "error", "warning" or "info"
    title: str
    text: str
    # When the text says for how long something has lasted: when it began, and the text
    # before and after that duration, so the page counts it on (board.js) between versions.
    since: datetime | None = None
    around: tuple[str, str] = ("", "")

    @property
    def duration(self) -> str:
        lead, tail = self.around
        return self.text[len(lead) : len(self.text) - len(tail)]

    @property
    def since_iso(self) -> str:
        return rfc3339(self.since) if self.since else ""


@dataclass(frozen=True)
class Entry:
    card: DeploymentCard
    gitops: tuple[GitOpsStatus, ...]

    @cached_property  # entries outlive many versions (``BoardBuilder``): worked out once
    def anchor(self) -> str:
        return card_anchor(self.card.kind, self.card.namespace, self.card.name)


@dataclass(frozen=True)
class Group:
    namespace: str
    environment: str | None
    entries: tuple[Entry, ...]

    @cached_property  # an unchanged namespace keeps its group, and so its counts
    def health_counts(self) -> Counter[HealthCode]:
        return Counter(e.card.health.code for e in self.entries)


@dataclass(frozen=True)
class Board:
    generated_at: datetime
    objects: ObjectSnapshot
    backend: ProbeSnapshot
    backend_stale: bool
    banners: tuple[Banner, ...]
    groups: tuple[Group, ...]
    # Each application across the environments Flux delivers (``frontend.environments``).
    environments: EnvironmentsView = EMPTY
    # When this board would change with no event: a Flux check's grace ends and the entry
    # turns stale (``frontend.status.staleness``). The app moves the version then.
    next_change: datetime | None = None
    # The nodes listed (``frontend.status.nodes.shown_nodes``), and how many are not.
    nodes: tuple[NodeState, ...] = ()
    nodes_left_out: int = 0

    @property
    def health_counts(self) -> dict[str, int]:
        """Cards per health code, worst first (Argo CD's order, reversed)."""
        counts: Counter[HealthCode] = Counter()
        for group in self.groups:
            counts.update(group.health_counts)
        ordered = sorted(counts, key=lambda code: -code.severity)
        return {code.value: counts[code] for code in ordered}


# What the ServiceAccount needs: every kind the cache always watches (not the GitOps CRDs).
_WATCHED = " and ".join(
    (", ".join(kind.plural for kind in WORKLOAD_KINDS[:-1]), WORKLOAD_KINDS[-1].plural)
)


def _ago(since: datetime, now: datetime) -> str:
    return human_duration(now - since)


def _lasting(title: str, since: datetime, now: datetime, *, lead: str, tail: str) -> Banner:
    """A warning saying for how long something has lasted, counted on by the page."""
    return Banner("warning", title, f"{lead}{_ago(since, now)}{tail}", since, (lead, tail))


# Node banners shown one by one; past this, one more says how many others there are.
NODE_BANNERS = 3


def _node_banners(nodes: tuple[NodeState, ...], now: datetime) -> list[Banner]:
    """A warning per node that is not Ready: its pods' statuses are their last report."""
    unready = [node for node in nodes if node.ready is not True]
    found = []
    for node in unready[:NODE_BANNERS]:
        lead = f"Node {node.name} is {node.status}"
        if node.message:
            lead += f" ({node.message})"
        tail = "; its pods' status is what its kubelet last reported."
        if node.since is None:
            found.append(Banner("warning", "Node not Ready", lead + tail))
        else:
            found.append(_lasting(
                "Node not Ready", node.since, now, lead=f"{lead} for ",
                tail=f" (since {node.since:%H:%M:%S} UTC){tail}",
            ))  # fmt: skip
    if len(unready) > NODE_BANNERS:
        more = len(unready) - NODE_BANNERS
        text = f"{more} more node{'s are' if more != 1 else ' is'} not Ready (see the JSON API)."
        found.append(Banner("warning", "Node not Ready", text))
    return found


def banners(
    objects: ObjectSnapshot, backend: ProbeSnapshot, stale: bool, now: datetime,
    nodes: tuple[NodeState, ...] = (),
) -> list[Banner]:  # fmt: skip
    found: list[Banner] = []
    if not objects.configured:
        found.append(
            Banner(
                "info",
                "No cluster configured",
                "Set FRONTEND_KUBECONFIG to a kubeconfig file, or run the board "
                f"in-cluster with a ServiceAccount that may get/list/watch {_WATCHED}.",
            )
        )
    for problem in objects.problems:
        level = (
            "error"
            if problem.startswith(("forbidden", "unauthorized", "cannot load"))
            else "warning"
        )
        found.append(Banner(level, "Cluster access problem", problem))
    since = objects.stale_since
    if since is not None:
        lead = "The Kubernetes API has not answered for "
        if objects.api_state == "not-ready":  # it answers, but cannot read or write (etcd)
            lead = "The Kubernetes API server has not been ready for "
        found.append(_lasting(
            "Stale cluster data", since, now, lead=lead,
            tail=f" (since {since:%H:%M:%S} UTC); showing the last-known state.",
        ))  # fmt: skip
    elif objects.configured and not objects.settled:
        found.append(
            Banner("info", "Loading", "Waiting for the first list from the Kubernetes API.")
        )
    found.extend(_node_banners(nodes, now))
    if stale:
        last = backend.service.last_success
        error = backend.service.last_error or "no probe has succeeded"
        url = redact_url(backend.service.url)
        title = "Stale backend data"
        if last is None:
            found.append(
                Banner("warning", title, f"{url} is not answering (no answer yet): {error}.")
            )
        else:
            lead = f"{url} is not answering (last answer "
            found.append(_lasting(title, last, now, lead=lead, tail=f" ago): {error}."))
    return found
