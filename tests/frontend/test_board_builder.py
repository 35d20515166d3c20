"""Cards kept between builds: rebuilt when an input's resourceVersion moves, or in their turn."""

from __future__ import annotations

import copy
import dataclasses
from datetime import timedelta

from frontend.board import build_board
from frontend.card_cache import CardCache
from frontend.snapshot import ProbeResult, ProbeSnapshot
from tests.frontend.support.fakes import StaticCluster
from tests.support.objects import NOW, rollout

PROBES = ProbeSnapshot(service=ProbeResult(target="service", url="http://backend"))


def test_one_changed_pod_rebuilds_only_its_card() -> None:
    snapshot = StaticCluster([o for n in range(10) for o in rollout(f"web{n}")]).snapshot()
    cache = CardCache(refresh_seconds=3600)
    first = build_board(snapshot, PROBES, NOW, cache=cache)
    assert (cache.built, cache.reused) == (10, 0)

    pods = list(snapshot.of_kind("pods"))
    changed = copy.deepcopy(pods[4])  # a pod of web1
    changed["metadata"]["resourceVersion"] = "999999"
    changed["status"]["containerStatuses"][0]["ready"] = False
    pods[4] = changed
    later = dataclasses.replace(snapshot, objects={**snapshot.objects, "pods": tuple(pods)})
    second = build_board(later, PROBES, NOW, cache=cache)

    assert (cache.built, cache.reused) == (11, 9)
    before = {e.card.name: e.card for e in first.groups[0].entries}
    after = {e.card.name: e.card for e in second.groups[0].entries}
    assert after["web0"] is before["web0"]
    assert after["web1"] is not before["web1"]
    assert after["web1"].pods[1].ready != before["web1"].pods[1].ready


def test_every_card_is_rebuilt_once_per_refresh_period_and_gone_ones_are_forgotten() -> None:
    cache = CardCache(refresh_seconds=30)
    builds: list[str] = []

    def build(key: str) -> object:
        builds.append(key)
        return object()

    for second in range(0, 61):
        moment = NOW + timedelta(seconds=second)
        cache.card("a", ("same",), moment, lambda: build("a"))  # type: ignore[arg-type, return-value]
    assert 2 <= builds.count("a") <= 3  # once per 30 s, at the card's own offset

    cache.retain([])
    cache.card("a", ("same",), NOW, lambda: build("a"))  # type: ignore[arg-type, return-value]
    assert builds[-1] == "a"
    assert len(builds) >= 3
