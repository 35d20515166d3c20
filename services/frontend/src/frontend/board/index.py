"""The board's index of the watch cache, followed change by change (pure: no I/O).

Objects by uid, the owned kinds (ReplicaSets, Pods, ControllerRevisions) by their
controller, workloads and events by namespace, nodes by name. ``follow(snapshot)``
applies only what changed since the snapshot it saw last: for the watch cache, the uids
each stream's journal names since then, so one pod's change costs one pod's update
whatever the cluster's size. A stream it cannot follow (new, re-listed, or further ahead than its
journal reaches) and a snapshot without journals (fixed objects in tests) are compared
with what it held, object by object. It answers which workloads' cards that touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from frontend.cluster.kinds import CARD_KINDS, GITOPS_KINDS
from frontend.cluster.snapshot import JournalView, Json, ObjectSnapshot
from frontend.status.objects import controller_ref, name, namespace, text

# The workload kinds the board has cards for: REST plural -> API kind.
WORKLOADS = {kind.plural: kind.name for kind in CARD_KINDS}
# Indexed by their controller's uid: what a workload's card gathers from below it.
OWNED = ("replicasets", "pods", "controllerrevisions")
BY_NAMESPACE = (*WORKLOADS, "events")
GITOPS = tuple(kind.plural for kind in GITOPS_KINDS)
NODES = "nodes"  # cluster-scoped: by name, which is what a pod's spec.nodeName says
_EMPTY: Mapping[str, Json] = {}


@dataclass
class Touched:
    """What one ``follow`` changed, as the board's builder needs it."""

    everything: bool = False  # nothing was known before: every card is new
    workloads: set[str] = field(default_factory=set)  # uids whose cards read something changed
    events: set[str] = field(default_factory=set)  # namespaces whose events changed
    pods: set[tuple[str, str]] = field(default_factory=set)  # (namespace, name) of changed pods
    gitops: bool = False
    nodes: set[str] = field(default_factory=set)  # names of changed nodes


def _key(obj: Json) -> str:
    return text(obj, "metadata", "uid") or f"{namespace(obj)}/{name(obj)}"


def _version(obj: Json) -> str:
    return text(obj, "metadata", "resourceVersion")


def _views(snapshot: ObjectSnapshot) -> Iterable[JournalView]:
    """One view per kind of a snapshot without journals: always compared whole."""
    for plural, objects in snapshot.objects.items():
        yield JournalView(plural, "", 0, 0, 0, (), {_key(obj): obj for obj in objects})


class BoardIndex:
    """The objects the board reads, indexed the ways its cards look them up."""

    def __init__(self) -> None:
        self._objects: dict[str, dict[str, Json]] = {}  # plural -> uid -> object
        self._owner: dict[str, dict[str, str]] = {}  # owned plural -> uid -> controller uid
        self._owned: dict[str, dict[str, dict[str, Json]]] = {}  # plural -> owner -> uid -> obj
        self._in_ns: dict[str, dict[str, dict[str, Json]]] = {}  # plural -> namespace -> ...
        self._pod_names: dict[tuple[str, str], str] = {}  # (namespace, name) -> uid
        self._node_names: dict[str, str] = {}  # name -> uid
        self._streams: dict[tuple[str, str], JournalView] = {}
        self._followed = False

    # What changed -----------------------------------------------------------------
    def follow(self, snapshot: ObjectSnapshot) -> Touched:
        touched = Touched(everything=not self._followed)
        self._followed = True
        journals = bool(snapshot.journals)
        seen: dict[tuple[str, str], JournalView] = {}
        for view in snapshot.journals or _views(snapshot):
            key = (view.plural, view.namespace)
            seen[key] = view
            old = self._streams.get(key)
            uids = view.since(old.listing, old.seq) if old is not None and journals else None
            if uids is None:
                self._compare(view.plural, old.items if old else _EMPTY, view.items, touched)
            else:
                for uid in dict.fromkeys(uids):
                    self._set(view.plural, uid, view.items.get(uid), touched)
        for key, old in self._streams.items():
            if key not in seen:  # the stream is gone (its CRD was deleted)
                self._compare(key[0], old.items, _EMPTY, touched)
        self._streams = seen
        return touched

    def _compare(
        self, plural: str, old: Mapping[str, Json], new: Mapping[str, Json], touched: Touched
    ) -> None:
        """Apply the difference between two listings of one stream.

        An object counts as unchanged when it is the same object, or has the same
        resourceVersion: a re-list brings new copies of mostly unchanged objects.
        """
        for uid in old.keys() - new.keys():
            self._set(plural, uid, None, touched)
        for uid, obj in new.items():
            before = old.get(uid)
            if before is obj:
                continue
            if before is None or not _version(obj) or _version(before) != _version(obj):
                self._set(plural, uid, obj, touched)
            else:
                self._swap(plural, uid, obj)

    def _swap(self, plural: str, uid: str, obj: Json) -> None:
        """Hold the newer copy of an unchanged object, so the older one can be freed."""
        self._objects.setdefault(plural, {})[uid] = obj
        if plural in OWNED:
            owner = self._owner.get(plural, {}).get(uid)
            if owner is not None:
                self._owned[plural][owner][uid] = obj
        elif plural in BY_NAMESPACE:
            self._in_ns[plural][namespace(obj)][uid] = obj

    def _set(self, plural: str, uid: str, obj: Json | None, touched: Touched) -> None:
        objects = self._objects.setdefault(plural, {})
        old = objects.get(uid)
        if old is None and obj is None:
            return
        if obj is None:
            del objects[uid]
        else:
            objects[uid] = obj
        if plural in OWNED:
            self._set_owned(plural, uid, old, obj, touched)
        elif plural in BY_NAMESPACE:
            self._set_in_namespace(plural, uid, old, obj)
            if plural == "events":
                touched.events.add(namespace(obj or old))
            else:
                touched.workloads.add(uid)
        elif plural in GITOPS:
            touched.gitops = True
        elif plural == NODES:
            self._set_node(uid, old, obj, touched)

    def _set_node(self, uid: str, old: Json | None, obj: Json | None, touched: Touched) -> None:
        if old is not None:
            touched.nodes.add(name(old))
            if self._node_names.get(name(old)) == uid:
                del self._node_names[name(old)]
        if obj is not None:
            touched.nodes.add(name(obj))
            self._node_names[name(obj)] = uid

    def _set_in_namespace(self, plural: str, uid: str, old: Json | None, obj: Json | None) -> None:
        by_ns = self._in_ns.setdefault(plural, {})
        if obj is None:
            group = by_ns.get(namespace(old), {})
            group.pop(uid, None)
            if not group:
                by_ns.pop(namespace(old), None)
        else:
            by_ns.setdefault(namespace(obj), {})[uid] = obj

    def _set_owned(
        self, plural: str, uid: str, old: Json | None, obj: Json | None, touched: Touched
    ) -> None:
        owners = self._owner.setdefault(plural, {})
        owned = self._owned.setdefault(plural, {})
        before = owners.get(uid)
        after = None if obj is None else text(controller_ref(obj), "uid")
        if before is not None and before != after:
            group = owned.get(before, {})
            group.pop(uid, None)
            if not group:
                owned.pop(before, None)
        if obj is not None and after is not None:
            owners[uid] = after
            owned.setdefault(after, {})[uid] = obj  # in place: the pods keep their order
        else:
            owners.pop(uid, None)
        for owner in {before, after} - {None, ""}:
            touched.workloads.add(self._workload_of(plural, str(owner)))
        if plural != "pods":
            return
        if old is not None:
            where = (namespace(old), name(old))
            touched.pods.add(where)
            if self._pod_names.get(where) == uid:
                del self._pod_names[where]
        if obj is not None:
            where = (namespace(obj), name(obj))
            touched.pods.add(where)
            self._pod_names[where] = uid

    def _workload_of(self, plural: str, owner: str) -> str:
        """The workload a pod's controller belongs to: a ReplicaSet's Deployment, or itself."""
        if plural == "pods":
            return self._owner.get("replicasets", {}).get(owner, owner)
        return owner

    # What the cards read ----------------------------------------------------------
    def of_kind(self, plural: str) -> Mapping[str, Json]:
        return self._objects.get(plural, _EMPTY)

    def in_namespace(self, plural: str, ns: str) -> Mapping[str, Json]:
        return self._in_ns.get(plural, {}).get(ns, _EMPTY)

    def namespaces(self) -> set[str]:
        """The namespaces that have at least one workload."""
        return {ns for plural in WORKLOADS for ns in self._in_ns.get(plural, {})}

    def owned(self, plural: str, owner: str) -> list[Json]:
        return list(self._owned.get(plural, {}).get(owner, _EMPTY).values())

    def owner(self, plural: str, uid: str) -> str:
        return self._owner.get(plural, {}).get(uid, "")

    def workload(self, uid: str) -> tuple[str, Json] | None:
        """The kind and object of the workload with this uid, if it is one."""
        for plural, kind in WORKLOADS.items():
            found = self._objects.get(plural, {}).get(uid)
            if found is not None:
                return kind, found
        return None

    def node_named(self, node_name: str) -> Json | None:
        uid = self._node_names.get(node_name)
        return self._objects.get(NODES, {}).get(uid) if uid else None

    def pod_named(self, ns: str, pod_name: str) -> Json | None:
        uid = self._pod_names.get((ns, pod_name))
        return self._objects.get("pods", {}).get(uid) if uid else None
