"""The board's index: what each followed snapshot touched, and the lookups cards make."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from frontend.board.index import BoardIndex, Touched
from frontend.cluster.journal import Journal
from frontend.cluster.snapshot import Json, ObjectsByKind, ObjectSnapshot
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.objects import edited, rollout, warning_event

WEB = rollout("web")  # the Deployment, its ReplicaSet, then its three pods
DEP, RS, PODS = WEB[0], WEB[1], WEB[2:]
API = rollout("api", "data")
KUSTOMIZATION: Json = {
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "kind": "Kustomization",
    "metadata": {"name": "apps", "namespace": "flux-system", "uid": "ks-1", "resourceVersion": "1"},
}


def uid(obj: Json) -> str:
    return str(obj["metadata"]["uid"])


def where(obj: Json) -> tuple[str, str]:
    return obj["metadata"]["namespace"], obj["metadata"]["name"]


def unready(pod: Json) -> Json:
    def edit(obj: Json) -> None:
        obj["metadata"]["resourceVersion"] = "4301"
        obj["status"]["containerStatuses"][0]["ready"] = False

    return edited(pod, edit)


def follow(*states: list[Json]) -> tuple[BoardIndex, Touched]:
    """The index after following each state in turn, and what the last one touched."""
    index = BoardIndex()
    touched = Touched()
    for objects in states:
        touched = index.follow(StaticCluster(objects, ("shop", "data")).snapshot())
    return index, touched


CHANGES: list[tuple[str, list[Json], Callable[[], Touched]]] = [
    (
        "a pod's new version touches its Deployment's card and the pod",
        [DEP, RS, unready(PODS[0]), *PODS[1:]],
        lambda: Touched(workloads={uid(DEP)}, pods={where(PODS[0])}),
    ),
    (
        "copies at the same resourceVersion (a re-list) touch nothing",
        copy.deepcopy(WEB),
        Touched,
    ),
    (
        "a Warning event touches its namespace's events only",
        [*WEB, warning_event(PODS[0], "BackOff", "Back-off restarting failed container")],
        lambda: Touched(events={"shop"}),
    ),
    (
        "a ReplicaSet gone touches the Deployment that owned it",
        [DEP, *PODS],
        lambda: Touched(workloads={uid(DEP)}),
    ),
    (
        "a workload in another namespace touches its own card",
        [*WEB, *API],
        lambda: Touched(workloads={uid(API[0])}, pods={where(p) for p in API[2:]}),
    ),
    (
        "a GitOps object touches the GitOps attachments",
        [*WEB, KUSTOMIZATION],
        lambda: Touched(gitops=True),
    ),
    (
        "a Deployment deleted with everything it owned",
        [],
        # The pods go after their ReplicaSet, so they name it: no card has that uid.
        lambda: Touched(workloads={uid(DEP), uid(RS)}, pods={where(p) for p in PODS}),
    ),
]


@pytest.mark.parametrize(
    ("after", "expected"), [c[1:] for c in CHANGES], ids=[c[0] for c in CHANGES]
)
def test_follow_says_what_a_change_touched(
    after: list[Json], expected: Callable[[], Touched]
) -> None:
    _, touched = follow(WEB, after)

    assert touched == expected()


def test_the_first_follow_touches_everything() -> None:
    _, touched = follow(WEB)

    assert touched.everything
    assert touched.workloads == {uid(DEP)}
    assert touched.pods == {where(p) for p in PODS}


LOOKUPS: list[tuple[str, Callable[[BoardIndex], object], object]] = [
    ("a workload by uid", lambda i: i.workload(uid(DEP)), ("Deployment", DEP)),
    ("a ReplicaSet is no workload", lambda i: i.workload(uid(RS)), None),
    ("a Deployment's ReplicaSets", lambda i: i.owned("replicasets", uid(DEP)), [RS]),
    ("a ReplicaSet's pods, in order", lambda i: i.owned("pods", uid(RS)), PODS),
    ("a ReplicaSet's owner", lambda i: i.owner("replicasets", uid(RS)), uid(DEP)),
    ("an unknown owner", lambda i: i.owner("replicasets", "nope"), ""),
    ("a pod by name", lambda i: i.pod_named(*where(PODS[1])), PODS[1]),
    ("a pod in the wrong namespace", lambda i: i.pod_named("data", where(PODS[1])[1]), None),
    ("the namespaces with workloads", lambda i: i.namespaces(), {"shop", "data"}),
    ("a namespace's Deployments", lambda i: dict(i.in_namespace("deployments", "data")),
     {uid(API[0]): API[0]}),
    ("the objects of a kind", lambda i: set(i.of_kind("pods")),
     {uid(p) for p in [*PODS, *API[2:]]}),
    ("a kind never seen", lambda i: dict(i.of_kind("statefulsets")), {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("lookup", "expected"), [c[1:] for c in LOOKUPS], ids=[c[0] for c in LOOKUPS]
)
def test_lookups_answer_what_the_cards_read(
    lookup: Callable[[BoardIndex], object], expected: object
) -> None:
    index, _ = follow([*WEB, *API])

    assert lookup(index) == expected


def _journalled(journals: list[Journal]) -> ObjectSnapshot:
    views = tuple(journal.view for journal in journals)
    base = StaticCluster().snapshot()
    return ObjectSnapshot(
        configured=True, source=base.source, server=None, namespaces=base.namespaces,
        objects=ObjectsByKind(views), streams=base.streams, journals=views,
    )  # fmt: skip


def test_a_journalled_stream_applies_only_the_uids_its_journal_names() -> None:
    journals = {
        plural: Journal(plural, "shop") for plural in ("deployments", "replicasets", "pods")
    }
    journals["deployments"].replace({uid(DEP): DEP})
    journals["replicasets"].replace({uid(RS): RS})
    journals["pods"].replace({uid(p): p for p in PODS})
    index = BoardIndex()
    index.follow(_journalled(list(journals.values())))

    journals["pods"].put(uid(PODS[2]), unready(PODS[2]))
    touched = index.follow(_journalled(list(journals.values())))

    assert touched == Touched(workloads={uid(DEP)}, pods={where(PODS[2])})
    assert index.pod_named(*where(PODS[2])) == unready(PODS[2])


def test_a_relisted_stream_is_compared_whole() -> None:
    pods = Journal("pods", "shop")
    pods.replace({uid(p): p for p in PODS})
    index = BoardIndex()
    index.follow(_journalled([pods]))

    pods.replace({uid(p): copy.deepcopy(p) for p in PODS[:2]})  # a new listing, one pod gone
    touched = index.follow(_journalled([pods]))

    assert touched.pods == {where(PODS[2])}
    assert index.pod_named(*where(PODS[2])) is None
