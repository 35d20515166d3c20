"""The board as plain data: objects + probe results -> groups of cards and banners (pure)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from frontend.card_cache import CardCache, versions
from frontend.snapshot import Json, ObjectSnapshot, ProbeSnapshot
from frontend.status.card import DeploymentCard, deployment_card
from frontend.status.durations import human_duration
from frontend.status.events import EventIndex
from frontend.status.gitops import GitOpsStatus, gitops_index
from frontend.status.objects import controller_ref, label, name, namespace, text, uid
from frontend.status.set_card import set_card
from servicekit.redaction import redact_url

ENVIRONMENT_LABELS = ("app.kubernetes.io/environment", "environment", "env")


@dataclass(frozen=True)
class Banner:
    level: str  # "error", "warning" or "info"
    title: str
    text: str


@dataclass(frozen=True)
class Entry:
    card: DeploymentCard
    gitops: tuple[GitOpsStatus, ...]

    @property
    def anchor(self) -> str:
        prefix = _ANCHOR_PREFIX.get(self.card.kind, "d")
        return f"{prefix}-{self.card.namespace}-{self.card.name}"


# Cards are ids in the page: one prefix per kind, so a Deployment and a StatefulSet may
# share a name. Deployments keep "d-" so links to them stay valid.
_ANCHOR_PREFIX = {"Deployment": "d", "StatefulSet": "sts", "DaemonSet": "ds"}
_KIND_ORDER = {"Deployment": 0, "StatefulSet": 1, "DaemonSet": 2}


@dataclass(frozen=True)
class Group:
    namespace: str
    environment: str | None
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Board:
    generated_at: datetime
    objects: ObjectSnapshot
    backend: ProbeSnapshot
    backend_stale: bool
    banners: tuple[Banner, ...]
    groups: tuple[Group, ...]

    @property
    def health_counts(self) -> dict[str, int]:
        """Cards per health code, worst first (Argo CD's order, reversed)."""
        counts = Counter(e.card.health.code for g in self.groups for e in g.entries)
        ordered = sorted(counts, key=lambda code: -code.severity)
        return {code.value: counts[code] for code in ordered}


def _by_controller(objects: Iterable[Json]) -> dict[str, list[Json]]:
    """Objects by their controller's uid ("" for objects without a controller)."""
    grouped: dict[str, list[Json]] = defaultdict(list)
    for obj in objects:
        grouped[text(controller_ref(obj), "uid")].append(obj)
    return grouped


def _by_namespace(objects: Iterable[Json]) -> dict[str, list[Json]]:
    grouped: dict[str, list[Json]] = defaultdict(list)
    for obj in objects:
        grouped[namespace(obj)].append(obj)
    return grouped


def _ago(since: datetime, now: datetime) -> str:
    return human_duration(now - since)


def banners(
    objects: ObjectSnapshot, backend: ProbeSnapshot, stale: bool, now: datetime
) -> list[Banner]:
    found: list[Banner] = []
    if not objects.configured:
        found.append(
            Banner(
                "info",
                "No cluster configured",
                "Set FRONTEND_KUBECONFIG to a kubeconfig file, or run the board "
                "in-cluster with a ServiceAccount that may get/list/watch "
                "deployments, replicasets, pods and events.",
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
        found.append(
            Banner(
                "warning",
                "Stale cluster data",
                f"The Kubernetes API has not answered for {_ago(since, now)} "
                f"(since {since:%H:%M:%S} UTC); showing the last-known state.",
            )
        )
    elif objects.configured and not objects.synced:
        found.append(
            Banner("info", "Loading", "Waiting for the first list from the Kubernetes API.")
        )
    if stale:
        last = backend.service.last_success
        when = f"last answer {_ago(last, now)} ago" if last else "no answer yet"
        error = backend.service.last_error or "no probe has succeeded"
        found.append(
            Banner(
                "warning",
                "Stale backend data",
                f"{redact_url(backend.service.url)} is not answering ({when}): {error}.",
            )
        )
    return found


def _environment(workloads: Iterable[Json]) -> str | None:
    for dep in workloads:
        for key in ENVIRONMENT_LABELS:
            if label(dep, key):
                return label(dep, key)
    return None


def meta_subjects(
    workloads: Iterable[Json],
    replicasets: Iterable[Json],
    pods: Iterable[Json],
    meta: Json | None,
    backend_selector: Mapping[str, str],
) -> frozenset[str]:
    """The uids of the workloads whose pods the backend's ``/meta`` describes.

    The pod ``/meta`` names, when it is on the board, decides: its ReplicaSet's
    Deployment, or the StatefulSet or DaemonSet that owns it. Otherwise every workload
    whose pod template matches the backend pod selector. Only those cards compare their
    images with ``/meta``; every other card shows its own chain (declared image, pods'
    digests), so the frontend's card is not judged by what the backend says about itself.
    """
    if meta is None:
        return frozenset()
    pod_name, pod_namespace = text(meta, "pod", "name"), text(meta, "pod", "namespace")
    if pod_name:
        owner_of = {uid(rs): text(controller_ref(rs), "uid") for rs in replicasets}
        for pod in pods:
            if name(pod) == pod_name and pod_namespace in ("", namespace(pod)):
                controller = text(controller_ref(pod), "uid")
                owner = owner_of.get(controller, controller)
                return frozenset({owner} if owner else ())
    if not backend_selector:
        return frozenset()
    return frozenset(
        uid(dep)
        for dep in workloads
        if all(
            label_value == text(dep, "spec", "template", "metadata", "labels", key)
            for key, label_value in backend_selector.items()
        )
    )


def build_board(
    objects: ObjectSnapshot,
    backend: ProbeSnapshot,
    now: datetime,
    backend_selector: Mapping[str, str] | None = None,
    cache: CardCache | None = None,
) -> Board:
    """Group every Deployment's card by namespace.

    ReplicaSets and pods are indexed by controller, so each card receives its own; events are
    indexed once per namespace, and each card picks the ones about it from that index.
    ``/meta`` goes only to the cards of the backend's own Deployment (``meta_subjects``).
    With a ``cache``, a card whose inputs did not change is the previous build's.
    """
    cards = cache or CardCache()
    fresh = cache is None  # without a cache every card is built, as before
    replicasets = _by_controller(objects.of_kind("replicasets"))
    pods = _by_controller(objects.of_kind("pods"))
    by_ns_events = _by_namespace(objects.of_kind("events"))
    events = {ns: EventIndex(found) for ns, found in by_ns_events.items()}
    event_versions = {ns: versions(found) for ns, found in by_ns_events.items()}
    gitops = gitops_index(objects.of_kind("applications"), objects.of_kind("kustomizations"))
    meta = backend.service.meta
    subjects = meta_subjects(
        [*objects.of_kind("deployments"), *objects.of_kind("statefulsets"),
         *objects.of_kind("daemonsets")],
        objects.of_kind("replicasets"), objects.of_kind("pods"), meta, backend_selector or {},
    )  # fmt: skip

    deployments = _by_namespace(objects.of_kind("deployments"))
    # StatefulSets and DaemonSets own their pods and ControllerRevisions directly.
    sets = {
        kind: _by_namespace(objects.of_kind(plural))
        for kind, plural in (("StatefulSet", "statefulsets"), ("DaemonSet", "daemonsets"))
    }
    revisions = _by_controller(objects.of_kind("controllerrevisions"))
    groups = []
    namespaces = deployments.keys() | sets["StatefulSet"].keys() | sets["DaemonSet"].keys()
    for ns in sorted(namespaces):
        entries = []
        ns_events = event_versions.get(ns, ())
        for dep in deployments.get(ns, []):
            own = replicasets.get(uid(dep), [])
            own_pods = [pod for rs in own for pod in pods.get(uid(rs), [])]
            own_meta = meta if uid(dep) in subjects else None
            inputs = (versions([dep, *own, *own_pods]), ns_events, id(own_meta))

            build = partial(
                deployment_card, dep, own, own_pods, events.get(ns, ()), now, meta=own_meta
            )
            card = build() if fresh else cards.card(f"d/{uid(dep)}", inputs, now, build)
            entries.append(Entry(card, gitops.get((ns, name(dep)), ())))
        for kind, by_namespace in sets.items():
            for workload in by_namespace.get(ns, []):
                own_meta = meta if uid(workload) in subjects else None
                own_revisions = revisions.get(uid(workload), [])
                own_pods = pods.get(uid(workload), [])
                inputs = (versions([workload, *own_revisions, *own_pods]), ns_events, id(own_meta))

                build = partial(
                    set_card, workload, own_revisions, own_pods, events.get(ns, ()), now,
                    kind=kind, meta=own_meta,
                )  # fmt: skip
                key = f"{kind}/{uid(workload)}"
                card = build() if fresh else cards.card(key, inputs, now, build)
                entries.append(Entry(card, gitops.get((ns, name(workload)), ())))
        entries.sort(key=lambda e: (e.card.name, _KIND_ORDER.get(e.card.kind, 9)))
        workloads = [*deployments.get(ns, [])]
        workloads += [w for by_namespace in sets.values() for w in by_namespace.get(ns, [])]
        groups.append(Group(ns, _environment(workloads), tuple(entries)))
    if not fresh:
        cards.retain(
            [f"d/{uid(d)}" for d in objects.of_kind("deployments")]
            + [f"{k}/{uid(w)}" for k, p in (("StatefulSet", "statefulsets"),
               ("DaemonSet", "daemonsets")) for w in objects.of_kind(p)]
        )  # fmt: skip
    stale = backend.is_stale(now)
    return Board(
        now, objects, backend, stale, tuple(banners(objects, backend, stale, now)), tuple(groups)
    )
