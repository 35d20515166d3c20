"""Each board from the last: only the cards whose inputs changed are built again."""

from __future__ import annotations

import copy
import dataclasses
from datetime import timedelta

from frontend.board.builder import BoardBuilder, build_board
from frontend.board.model import Board
from frontend.cluster.journal import Journal
from frontend.cluster.snapshot import Json, ObjectSnapshot
from tests.frontend.status.fixtures import load_flux
from tests.frontend.status.flux_sources import gitrepository, token
from tests.frontend.status.node_objects import lost, node
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import NOW, rollout, warning_event


def _cards(board: Board) -> dict[str, object]:
    return {e.card.name: e.card for g in board.groups for e in g.entries}


def _with_pod(snapshot: ObjectSnapshot, position: int, ready: bool) -> ObjectSnapshot:
    pods = list(snapshot.of_kind("pods"))
    changed = copy.deepcopy(pods[position])
    changed["metadata"]["resourceVersion"] = f"9{position}{int(ready)}"
    changed["status"]["containerStatuses"][0]["ready"] = ready
    pods[position] = changed
    return dataclasses.replace(snapshot, objects={**snapshot.objects, "pods": tuple(pods)})


def test_one_changed_pod_rebuilds_only_its_card() -> None:
    snapshot = StaticCluster([o for n in range(10) for o in rollout(f"web{n}")]).snapshot()
    builder = BoardBuilder(refresh_seconds=3600)
    first = build_board(snapshot, PROBES, NOW, builder=builder)
    assert builder.built == 10

    second = build_board(_with_pod(snapshot, 4, ready=False), PROBES, NOW, builder=builder)

    assert builder.built == 11
    before, after = _cards(first), _cards(second)
    assert after["web0"] is before["web0"]
    assert after["web1"] is not before["web1"]
    assert after["web1"].pods[1].ready != before["web1"].pods[1].ready  # type: ignore[attr-defined]
    assert after == _cards(build_board(_with_pod(snapshot, 4, ready=False), PROBES, NOW))


def test_the_same_snapshot_again_builds_nothing_and_keeps_the_groups() -> None:
    snapshot = StaticCluster(rollout("web")).snapshot()
    builder = BoardBuilder(refresh_seconds=3600)
    first = builder.build(snapshot, PROBES, NOW)
    second = builder.build(snapshot, PROBES, NOW)
    assert builder.built == 1
    assert second.groups[0] is first.groups[0]


def test_added_and_removed_workloads_and_a_namespaces_events_are_followed() -> None:
    web, api = rollout("web"), rollout("api")
    builder = BoardBuilder(refresh_seconds=3600)
    builder.build(StaticCluster(web).snapshot(), PROBES, NOW)
    board = builder.build(StaticCluster([*web, *api]).snapshot(), PROBES, NOW)
    assert list(_cards(board)) == ["api", "web"]
    assert builder.built == 2

    event = warning_event(web[-1], "BackOff", "Back-off restarting container")
    board = builder.build(StaticCluster([*web, *api, event]).snapshot(), PROBES, NOW)
    assert builder.built == 4  # a namespace's events are an input of each of its cards
    assert [e.reason for e in _cards(board)["web"].events] == ["BackOff"]  # type: ignore[attr-defined]

    board = builder.build(StaticCluster(api).snapshot(), PROBES, NOW)
    assert list(_cards(board)) == ["api"]
    assert builder.build(StaticCluster([]).snapshot(), PROBES, NOW).groups == ()


def test_every_card_is_rebuilt_once_per_refresh_period_at_its_own_slot() -> None:
    snapshot = StaticCluster([o for n in range(20) for o in rollout(f"web{n}")]).snapshot()
    builder = BoardBuilder(refresh_seconds=30)
    builder.build(snapshot, PROBES, NOW)
    per_second = []
    for second in range(1, 31):
        before = builder.built
        builder.build(snapshot, PROBES, NOW + timedelta(seconds=second))
        per_second.append(builder.built - before)
    assert sum(per_second) == 20  # each card once in the period
    assert max(per_second) < 20  # spread over it, not all at once

    builder.build(snapshot, PROBES, NOW + timedelta(seconds=100))  # idle for longer
    assert builder.built == 60


def _journalled(journals: dict[str, Journal]) -> ObjectSnapshot:
    views = tuple(j.view for j in journals.values())
    return ObjectSnapshot(
        configured=True, source="test", server=None, namespaces=("default",),
        objects={v.plural: tuple(v.items.values()) for v in views}, journals=views,
    )  # fmt: skip


def test_a_watch_cache_snapshot_is_followed_through_the_journals() -> None:
    objects = [o for n in range(5) for o in rollout(f"web{n}")]
    plurals = {"Deployment": "deployments", "ReplicaSet": "replicasets", "Pod": "pods"}
    journals = {p: Journal(p, "default") for p in plurals.values()}
    for plural in plurals.values():
        journals[plural].replace(
            {o["metadata"]["uid"]: o for o in objects if plurals[o["kind"]] == plural}
        )
    builder = BoardBuilder(refresh_seconds=3600)
    first = builder.build(_journalled(journals), PROBES, NOW)
    assert builder.built == 5

    pod: Json = copy.deepcopy(next(o for o in objects if o["kind"] == "Pod"))
    pod["status"]["containerStatuses"][0]["ready"] = False
    journals["pods"].put(pod["metadata"]["uid"], pod)
    second = builder.build(_journalled(journals), PROBES, NOW)
    assert builder.built == 6
    owner = pod["metadata"]["name"].rsplit("-", 2)[0]
    assert _cards(second)[owner] != _cards(first)[owner]

    journals["pods"].delete(pod["metadata"]["uid"])
    third = builder.build(_journalled(journals), PROBES, NOW)
    assert builder.built == 7
    assert len(_cards(third)[owner].pods) == len(_cards(first)[owner].pods) - 1  # type: ignore[attr-defined]

    journals["pods"].replace(dict(journals["pods"].items))  # a re-list of the same objects
    builder.build(_journalled(journals), PROBES, NOW)
    assert builder.built == 7


def test_pods_seen_before_their_replicaset_land_on_the_card_when_it_arrives() -> None:
    objects = rollout("web")
    without_rs = [o for o in objects if o["kind"] != "ReplicaSet"]
    builder = BoardBuilder(refresh_seconds=3600)
    early = _cards(builder.build(StaticCluster(without_rs).snapshot(), PROBES, NOW))
    assert early["web"].pods == ()  # type: ignore[attr-defined]

    later = _cards(builder.build(StaticCluster(objects).snapshot(), PROBES, NOW))
    assert later == _cards(build_board(StaticCluster(objects).snapshot(), PROBES, NOW))
    assert len(later["web"].pods) == 3  # type: ignore[attr-defined]


def test_a_gitops_object_appearing_reattaches_without_rebuilding_cards() -> None:
    ns = "capflux-dev"  # the recorded Kustomization manages backend and frontend there
    objects = [*rollout("backend", ns), *rollout("frontend", ns), *rollout("other", ns)]
    builder = BoardBuilder(refresh_seconds=3600)
    builder.build(StaticCluster(objects, (ns,)).snapshot(), PROBES, NOW)
    kustomization = load_flux("ready").kustomization
    board = builder.build(StaticCluster([*objects, kustomization], (ns,)).snapshot(), PROBES, NOW)
    assert builder.built == 3
    gitops = {e.card.name: e.gitops for g in board.groups for e in g.entries}
    assert gitops["backend"] != ()
    assert gitops["other"] == ()


def test_a_stream_that_goes_takes_its_objects_with_it() -> None:
    objects = rollout("web")
    plurals = {"Deployment": "deployments", "ReplicaSet": "replicasets", "Pod": "pods"}
    journals = {p: Journal(p, "default") for p in plurals.values()}
    for plural, stream in journals.items():
        stream.replace({o["metadata"]["uid"]: o for o in objects if plurals[o["kind"]] == plural})
    builder = BoardBuilder(refresh_seconds=3600)
    assert len(_cards(builder.build(_journalled(journals), PROBES, NOW))["web"].pods) == 3  # type: ignore[attr-defined]
    del journals["pods"]
    assert _cards(builder.build(_journalled(journals), PROBES, NOW))["web"].pods == ()  # type: ignore[attr-defined]


def test_events_seen_before_their_workload_are_on_its_card_when_it_arrives() -> None:
    web = rollout("web")
    event = warning_event(web[-1], "BackOff", "Back-off restarting container")
    builder = BoardBuilder(refresh_seconds=3600)
    builder.build(StaticCluster([event]).snapshot(), PROBES, NOW)
    board = builder.build(StaticCluster([*web, event]).snapshot(), PROBES, NOW)
    assert [e.reason for e in _cards(board)["web"].events] == ["BackOff"]  # type: ignore[attr-defined]


def test_a_relist_of_unchanged_objects_keeps_the_cards_and_holds_only_the_new_copies() -> None:
    objects = rollout("web")
    builder = BoardBuilder(refresh_seconds=3600)
    builder.build(StaticCluster(objects).snapshot(), PROBES, NOW)
    copies = copy.deepcopy(objects)  # what a re-list brings: same resourceVersions
    builder.build(StaticCluster(copies).snapshot(), PROBES, NOW)
    assert builder.built == 1
    pods = [o for o in copies if o["kind"] == "Pod"]
    replicaset = next(o for o in copies if o["kind"] == "ReplicaSet")
    held = builder.index.owned("pods", replicaset["metadata"]["uid"])
    assert all(any(h is p for p in pods) for h in held)
    deployment = copies[0]
    assert (
        builder.index.in_namespace("deployments", "shop")[deployment["metadata"]["uid"]]
        is deployment
    )


def test_a_flux_entry_turns_stale_when_its_grace_ends_without_an_event() -> None:
    ns = "capflux-dev"
    asked_at = NOW - timedelta(seconds=4)  # a fetch asked of the GitRepository, not handled
    source = gitrepository(requested=token(asked_at))
    objects = [*rollout("backend", ns), load_flux("ready").kustomization, source]
    snapshot = StaticCluster(objects, (ns,)).snapshot()
    builder = BoardBuilder(refresh_seconds=3600)

    first = builder.build(snapshot, PROBES, NOW)
    (entry,) = first.groups[0].entries
    assert not entry.gitops[0].stale
    assert first.next_change == asked_at + timedelta(seconds=10)  # the app wakes then

    early = builder.build(snapshot, PROBES, NOW + timedelta(seconds=5))  # grace not over
    assert early.groups[0] is first.groups[0]

    later = builder.build(snapshot, PROBES, NOW + timedelta(seconds=7))  # the same objects
    (entry,) = later.groups[0].entries
    assert (entry.gitops[0].stale, entry.gitops[0].stale_since) == (True, asked_at)
    assert later.next_change is None  # nothing more turns stale by itself
    assert builder.built == 1  # the card itself was not built again, only its GitOps line


def test_a_node_going_not_ready_rebuilds_only_the_cards_with_pods_on_it() -> None:
    workloads = [o for n in range(3) for o in rollout(f"web{n}")]
    for obj in workloads:  # web0's pods on node-1, the others' on node-2
        if obj["kind"] == "Pod" and not obj["metadata"]["name"].startswith("web0-"):
            obj["spec"]["nodeName"] = "node-2"
    builder = BoardBuilder(refresh_seconds=3600)
    first = builder.build(
        StaticCluster([*workloads, node("node-1"), node("node-2")]).snapshot(), PROBES, NOW
    )
    assert [(s.name, s.ready) for s in first.nodes] == [("node-1", True), ("node-2", True)]
    assert all(p.node_ready is True for c in _cards(first).values() for p in c.pods)  # type: ignore[attr-defined]
    built = builder.built

    beat = node("node-2", rv="101", heartbeat="2026-12-07T10:05:00Z")
    builder.build(StaticCluster([*workloads, node("node-1"), beat]).snapshot(), PROBES, NOW)
    assert builder.built == built  # a heartbeat says nothing new: no card is rebuilt

    second = builder.build(
        StaticCluster([*workloads, lost("node-1"), beat]).snapshot(), PROBES, NOW
    )
    assert builder.built == built + 1
    web0 = _cards(second)["web0"]
    assert {p.node_ready for p in web0.pods} == {None}  # type: ignore[attr-defined]
    assert [s.reason for s in web0.nodes_not_ready] == ["NodeStatusUnknown"]  # type: ignore[attr-defined]
    assert _cards(second)["web1"] is _cards(first)["web1"]
    assert [s.name for s in second.nodes] == ["node-1", "node-2"]  # not Ready first
    assert [b.title for b in second.banners] == ["Node not Ready"]
    assert second.banners[0].text.startswith("Node node-1 is NotReady (Kubelet stopped posting")

    third = builder.build(
        StaticCluster([*workloads, node("node-1", rv="300"), beat]).snapshot(), PROBES, NOW
    )
    assert _cards(third)["web0"] == _cards(first)["web0"]
    assert third.banners == ()
