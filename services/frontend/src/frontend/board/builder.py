"""Each version of the board built from the last: only the cards whose inputs changed.

A card reads its workload, its ReplicaSets (and their pods) or its ControllerRevisions
(and its pods), the Warning events of its namespace, its GitOps objects, and ``/meta``
when it is the backend's card. ``BoardIndex`` says which of those each snapshot changed,
so a single pod's change rebuilds one card and re-sorts one namespace, whatever the
board's size. Each card is also rebuilt once per ``refresh_seconds`` (for what depends
on the clock: ages in the API, "unschedulable for"), at a slot hashed from its uid, so
the refresh is spread over the period instead of rebuilding the board at once.
The GitOps entries are attached again when a GitOps object changed, and when a Flux
check's grace ends (``Board.next_change``: a reconcile turns stale with no event).
A node's change rebuilds only the cards with pods on it, and only when what the board
says about the node changed (not on a heartbeat or an image pulled).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime

from frontend.board.index import WORKLOADS, BoardIndex, Touched
from frontend.board.model import Board, Entry, Group, banners
from frontend.cluster.kinds import CARD_KINDS
from frontend.cluster.snapshot import Json, ObjectSnapshot
from frontend.probes.results import ProbeSnapshot
from frontend.status.card import DeploymentCard, deployment_card, on_nodes
from frontend.status.events import EventIndex
from frontend.status.gitops import GitOpsStatus, gitops_index
from frontend.status.nodes import NodeState, node_state, node_states, shown_nodes
from frontend.status.objects import controller_ref, label, mapping, name, namespace, text, uid
from frontend.status.set_card import set_card
from frontend.status.staleness import next_due

ENVIRONMENT_LABELS = ("app.kubernetes.io/environment", "environment", "env")
_KIND_ORDER = {kind.name: order for order, kind in enumerate(CARD_KINDS)}
_NO_EVENTS = EventIndex(())


def environment_of(workload: Json) -> str | None:
    for key in ENVIRONMENT_LABELS:
        if label(workload, key):
            return label(workload, key)
    return None


def selects(workload: Json, selector: Mapping[str, str]) -> bool:
    """The workload's pod template carries every label of the selector."""
    labels = mapping(workload, "spec", "template", "metadata", "labels")
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def selected_workloads(index: BoardIndex, selector: Mapping[str, str]) -> set[str]:
    """The uids of the workloads whose pod template the selector matches."""
    return {
        key for plural in WORKLOADS
        for key, workload in index.of_kind(plural).items() if selects(workload, selector)
    }  # fmt: skip


def meta_subjects(index: BoardIndex, meta: Json | None, selected: Iterable[str]) -> frozenset[str]:
    """The uids of the workloads whose pods the backend's ``/meta`` describes.

    The pod ``/meta`` names, when it is on the board, decides: its ReplicaSet's
    Deployment, or the StatefulSet or DaemonSet that owns it. Otherwise the workloads
    the backend pod selector matches (``selected``, kept by the caller). Only those
    cards compare their images with ``/meta``; every other card shows its own chain
    (declared image, pods' digests), so the frontend's card is not judged by what the
    backend says about itself.
    """
    if meta is None:
        return frozenset()
    pod_name, pod_namespace = text(meta, "pod", "name"), text(meta, "pod", "namespace")
    if pod_name:
        for ns in [pod_namespace] if pod_namespace else sorted(index.namespaces()):
            pod = index.pod_named(ns, pod_name)
            if pod is not None:
                controller = text(controller_ref(pod), "uid")
                owner = index.owner("replicasets", controller) or controller
                return frozenset({owner} if owner else ())
    return frozenset(selected)


class BoardBuilder:
    """The board's previous version, and what it takes to make the next one."""

    def __init__(self, refresh_seconds: float = 60.0) -> None:
        self.period = max(int(refresh_seconds), 1)
        self.index = BoardIndex()
        self.built = 0  # cards built (the others were the previous version's)
        self._entries: dict[str, Entry] = {}  # workload uid -> its entry
        self._environments: dict[str, str | None] = {}  # workload uid -> its label
        self._groups: dict[str, Group] = {}
        self._order: dict[str, list[str]] = {}  # namespace -> its workloads, in board order
        self._events: dict[str, EventIndex] = {}
        self._gitops: dict[tuple[str, str], tuple[GitOpsStatus, ...]] = {}
        self._gitops_due: datetime | None = None  # when a GitOps entry turns stale by itself
        self._selector: dict[str, str] | None = None
        self._selected: set[str] = set()
        self._meta: Json | None = None
        self._subjects: frozenset[str] = frozenset()
        self._slots: dict[int, set[str]] = {}
        self._second: int | None = None
        self._nodes: dict[str, NodeState] = {}  # node name -> what the board says of it
        self._on_node: dict[str, set[str]] = {}  # node name -> workloads with pods on it
        self._placed: dict[str, frozenset[str]] = {}  # workload uid -> its pods' nodes
        self._shown: tuple[tuple[NodeState, ...], int] = ((), 0)
        self._replaced = True  # the nodes, or which of them run board pods, changed

    def build(
        self, objects: ObjectSnapshot, backend: ProbeSnapshot, now: datetime,
        selector: Mapping[str, str] | None = None,
    ) -> Board:  # fmt: skip
        touched = self.index.follow(objects)
        selector = dict(selector or {})
        everything = touched.everything or selector != self._selector
        self._selector = selector
        dirty = self._dirty(touched, everything, backend.service.meta, now)
        for node in self._follow_nodes(touched.nodes, everything):
            dirty |= self._on_node.get(node, set())
        namespaces, resort = self._rebuild(dirty, now)
        due = self._gitops_due is not None and now >= self._gitops_due
        if touched.gitops or everything or due:
            namespaces |= self._regitops(now)
        for ns in namespaces:
            self._regroup(ns, everything or ns in resort)
        groups = tuple(self._groups[ns] for ns in sorted(self._groups))
        stale = backend.is_stale(now)
        if self._replaced:
            self._shown = shown_nodes(self._nodes, self._on_node.keys())
            self._replaced = False
        nodes, left_out = self._shown
        found = banners(objects, backend, stale, now, nodes)
        return Board(
            now, objects, backend, stale, tuple(found), groups, next_change=self._gitops_due,
            nodes=nodes, nodes_left_out=left_out,
        )  # fmt: skip

    def _follow_nodes(self, touched: set[str], everything: bool) -> set[str]:
        """Keep what the board says of each node: the names whose state changed."""
        if everything:
            before, self._nodes = self._nodes, node_states(self.index.of_kind("nodes").values())
            self._replaced = True
            return {
                n for n in before.keys() | self._nodes.keys() if before.get(n) != self._nodes.get(n)
            }
        moved = set()
        for node in touched:
            obj = self.index.node_named(node)
            state = None if obj is None else node_state(obj)
            if state != self._nodes.get(node):
                moved.add(node)
                if state is None:
                    del self._nodes[node]
                else:
                    self._nodes[node] = state
        self._replaced |= bool(moved)
        return moved

    def _place(self, key: str, card: DeploymentCard | None) -> None:
        """Note which nodes the workload's pods run on now."""
        nodes = frozenset(p.node for p in card.pods if p.node) if card else frozenset()
        before = self._placed.get(key, frozenset())
        if nodes == before:
            return
        for node in before - nodes:
            keys = self._on_node.get(node, set())
            keys.discard(key)
            if not keys:
                self._on_node.pop(node, None)
        for node in nodes - before:
            self._on_node.setdefault(node, set()).add(key)
        if nodes:
            self._placed[key] = nodes
        else:
            self._placed.pop(key, None)
        self._replaced = True

    def _all(self) -> set[str]:
        return {key for plural in WORKLOADS for key in self.index.of_kind(plural)}

    def _dirty(
        self, touched: Touched, everything: bool, meta: Json | None, now: datetime
    ) -> set[str]:
        """The workloads whose cards must be built again."""
        if everything:
            self._events.clear()
        for ns in touched.events:  # indexed again when a card of the namespace is built
            self._events.pop(ns, None)
        if everything:
            self._selected = selected_workloads(self.index, self._selector or {})
        else:
            for key in touched.workloads:
                (self._selected.add if self._selects(key) else self._selected.discard)(key)
        subjects = meta_subjects(self.index, meta, self._selected)
        if everything:
            dirty = self._all()
        else:
            dirty = touched.workloads | self._due(now)
            for ns in touched.events:
                for plural in WORKLOADS:
                    dirty.update(self.index.in_namespace(plural, ns))
            # A new /meta changes every card it goes to; else only the cards it moved between.
            if meta != self._meta:
                dirty |= self._subjects | subjects
            else:
                dirty |= self._subjects ^ subjects
        self._second = int(now.timestamp())
        self._meta, self._subjects = meta, subjects
        return dirty

    def _selects(self, key: str) -> bool:
        found = self.index.workload(key)
        return found is not None and selects(found[1], self._selector or {})

    def _due(self, now: datetime) -> set[str]:
        """The cards whose refresh slot came up since the last build."""
        second, last = int(now.timestamp()), self._second
        if last is None or second - last >= self.period:
            return set(self._entries)
        due: set[str] = set()
        for moment in range(last + 1, second + 1):
            due |= self._slots.get(moment % self.period, set())
        return due

    def _slot(self, key: str) -> set[str]:
        return self._slots.setdefault(zlib.crc32(key.encode()) % self.period, set())

    def _rebuild(self, dirty: Iterable[str], now: datetime) -> tuple[set[str], set[str]]:
        """Build the cards of ``dirty`` again: the namespaces whose groups changed, and
        those whose workloads came or went."""
        namespaces: set[str] = set()
        resort: set[str] = set()
        for key in dirty:
            found = self.index.workload(key)
            old = self._entries.get(key)
            if found is None:
                if old is not None:
                    del self._entries[key]
                    self._environments.pop(key, None)
                    self._slot(key).discard(key)
                    self._place(key, None)
                    namespaces.add(old.card.namespace)
                    resort.add(old.card.namespace)
                continue
            kind, workload = found
            ns = namespace(workload)
            card = self._card(kind, workload, now)
            self._place(key, card)
            self._entries[key] = Entry(card, self._gitops.get((ns, name(workload)), ()))
            self._environments[key] = environment_of(workload)
            self._slot(key).add(key)
            self.built += 1
            namespaces.add(ns)
            if old is None:
                resort.add(ns)
        return namespaces, resort

    def _card(self, kind: str, workload: Json, now: datetime) -> DeploymentCard:
        key, ns = uid(workload), namespace(workload)
        meta = self._meta if key in self._subjects else None
        events = self._events.get(ns)
        if events is None:
            found = self.index.in_namespace("events", ns).values()
            events = self._events[ns] = EventIndex(found) if found else _NO_EVENTS
        if kind == "Deployment":
            owned = self.index.owned("replicasets", key)
            pods = [pod for rs in owned for pod in self.index.owned("pods", uid(rs))]
            card = deployment_card(workload, owned, pods, events, now, meta=meta)
        else:
            revisions = self.index.owned("controllerrevisions", key)
            pods = self.index.owned("pods", key)
            card = set_card(workload, revisions, pods, events, now, kind=kind, meta=meta)
        return on_nodes(card, self._nodes)

    def _regitops(self, now: datetime) -> set[str]:
        """Attach the GitOps objects again; the namespaces whose entries changed."""
        kustomizations = self.index.of_kind("kustomizations").values()
        sources = self.index.of_kind("gitrepositories").values()
        self._gitops = gitops_index(
            self.index.of_kind("applications").values(), kustomizations, sources, now
        )
        self._gitops_due = next_due(kustomizations, sources, now)
        namespaces = set()
        for key, entry in self._entries.items():
            gitops = self._gitops.get((entry.card.namespace, entry.card.name), ())
            if gitops != entry.gitops:
                self._entries[key] = Entry(entry.card, gitops)
                namespaces.add(entry.card.namespace)
        return namespaces

    def _regroup(self, ns: str, resort: bool) -> None:
        """The namespace's group again; sorted again only when its workloads came or went."""
        order = self._order.get(ns)
        if resort or order is None:
            keys = [key for plural in WORKLOADS for key in self.index.in_namespace(plural, ns)]
            order = sorted(
                (key for key in keys if key in self._entries),
                key=lambda k: (
                    self._entries[k].card.name,
                    _KIND_ORDER.get(self._entries[k].card.kind, 9),
                ),
            )
            self._order[ns] = order
        if not order:
            self._groups.pop(ns, None)
            self._order.pop(ns, None)
            return
        entries = tuple(self._entries[key] for key in order)
        environment = next((env for key in order if (env := self._environments.get(key))), None)
        self._groups[ns] = Group(ns, environment, entries)


def build_board(
    objects: ObjectSnapshot,
    backend: ProbeSnapshot,
    now: datetime,
    backend_selector: Mapping[str, str] | None = None,
    builder: BoardBuilder | None = None,
) -> Board:
    """The board of ``objects``: every card built, or with a ``builder``, only the changed.

    Only tests and benchmarks call this; the app keeps one ``BoardBuilder`` and calls its
    ``build``.
    """
    return (builder or BoardBuilder()).build(objects, backend, now, backend_selector)
