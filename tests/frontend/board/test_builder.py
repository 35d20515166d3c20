"""The board built whole: cards grouped by namespace with their own pods and events, and
which cards the backend's ``/meta`` describes."""

from __future__ import annotations

import pytest

from frontend.board.builder import BoardBuilder, build_board, meta_subjects, selected_workloads
from frontend.cluster.snapshot import Json
from frontend.probes.results import ProbeResult, ProbeSnapshot
from frontend.status.card import DeploymentCard
from frontend.status.health import HealthCode
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import DIGEST_V1, DIGEST_V2, NOW, edited, rollout, warning_event


def test_build_board_groups_deployments_by_namespace_with_their_own_pods() -> None:
    objects = rollout("web", "shop") + rollout("api", "shop", ready=1) + rollout("db", "data")
    board = build_board(StaticCluster(objects, ("shop", "data")).snapshot(), PROBES, NOW)

    assert [g.namespace for g in board.groups] == ["data", "shop"]
    shop = {e.card.name: e.card for e in board.groups[1].entries}
    assert sorted(shop) == ["api", "web"]
    assert len(shop["web"].pods) == 3
    assert all(p.name.startswith("web-") for p in shop["web"].pods)
    assert shop["web"].health.code == HealthCode.HEALTHY
    assert shop["api"].health.code != HealthCode.HEALTHY


def test_build_board_attaches_warning_events_to_their_deployment() -> None:
    web = rollout("web", "shop", ready=2, waiting="CrashLoopBackOff")
    event = warning_event(web[-1], "BackOff", "Back-off restarting failed container")
    other = rollout("webshop", "shop")
    board = build_board(StaticCluster([*web, *other, event]).snapshot(), PROBES, NOW)

    cards = {e.card.name: e.card for e in board.groups[0].entries}
    assert [e.reason for e in cards["web"].events] == ["BackOff"]
    assert cards["webshop"].events == ()
    assert cards["web"].health.code == HealthCode.DEGRADED


def test_build_board_names_a_namespace_environment_from_its_deployments_labels() -> None:
    web, api = rollout("web", "shop"), rollout("api", "shop")
    api[0]["metadata"]["labels"]["app.kubernetes.io/environment"] = "staging"

    (group,) = build_board(StaticCluster([*web, *api]).snapshot(), PROBES, NOW).groups

    assert group.environment == "staging"


def test_build_board_gives_each_card_only_the_events_about_it() -> None:
    web, web_api = rollout("web", "shop"), rollout("web-api", "shop")
    about_web = warning_event(web[-1], "BackOff", "web's pod")
    about_web_api = warning_event(web_api[-1], "BackOff", "web-api's pod")
    elsewhere = warning_event(rollout("web", "data")[-1], "BackOff", "another namespace")
    objects = StaticCluster([*web, *web_api, about_web, about_web_api, elsewhere]).snapshot()

    cards = {e.card.name: e.card for e in build_board(objects, PROBES, NOW).groups[0].entries}

    assert [e.message for e in cards["web"].events] == ["web's pod"]
    assert [e.message for e in cards["web-api"].events] == ["web-api's pod"]


def _service(name: str, namespace: str = "dev") -> list[Json]:
    """A rollout of NAME whose pods carry app.kubernetes.io/name=NAME and its own image."""
    image = f"ghcr.io/acme/{name}:1.0.0"

    def own(obj: Json) -> None:
        spec = obj.get("spec", {})
        for holder in (spec.get("template"), obj if obj["kind"] == "Pod" else None):
            if holder is None:
                continue
            holder["metadata"]["labels"]["app.kubernetes.io/name"] = name
            for container in holder["spec"]["containers"]:
                container["image"] = image
        for status in obj.get("status", {}).get("containerStatuses", []):
            status["image"] = image
            status["imageID"] = f"ghcr.io/acme/{name}@{DIGEST_V1}"

    return [edited(obj, own) for obj in rollout(name, namespace)]


def _meta(digest: str, pod: str | None) -> ProbeSnapshot:
    body: Json = {"git_sha": "0" * 40, "image": {"ref": "ghcr.io/acme/backend:1.0.0",
                                                   "digest": digest}}  # fmt: skip
    if pod is not None:
        body["pod"] = {"name": pod, "namespace": "dev"}
    return ProbeSnapshot(service=ProbeResult(target="service", url="http://backend", meta=body))


@pytest.mark.parametrize("names_its_pod", [True, False], ids=["pod-named", "by-selector"])
def test_meta_is_compared_with_the_backend_card_only(names_its_pod: bool) -> None:
    backend, frontend = _service("backend"), _service("frontend")
    objects = StaticCluster([*backend, *frontend], ("dev",)).snapshot()
    pod = backend[-1]["metadata"]["name"] if names_its_pod else None
    selector = {"app.kubernetes.io/name": "backend"}

    def cards(probes: ProbeSnapshot) -> dict[str, DeploymentCard]:
        board = build_board(objects, probes, NOW, selector)
        return {e.card.name: e.card for e in board.groups[0].entries}

    agreeing = cards(_meta(DIGEST_V1, pod))
    # The frontend's card shows its own chain: not judged by the backend's /meta.
    assert agreeing["frontend"].provenance.mismatch is False
    assert agreeing["frontend"].provenance.meta_image is None
    assert agreeing["frontend"].provenance.running == (DIGEST_V1,)
    assert agreeing["backend"].provenance.mismatch is False
    assert agreeing["backend"].provenance.meta_image == "ghcr.io/acme/backend:1.0.0"

    # A real mismatch on the backend is still flagged, and only there.
    lying = cards(_meta(DIGEST_V2, pod))
    assert lying["backend"].provenance.mismatch is True
    assert any("/meta reports" in r for r in lying["backend"].provenance.reasons)
    assert lying["frontend"].provenance.mismatch is False


def test_meta_naming_a_pod_elsewhere_falls_back_to_the_selector() -> None:
    backend = _service("backend")
    index = BoardBuilder().index
    index.follow(StaticCluster(backend, ("dev",)).snapshot())
    elsewhere = {"pod": {"name": "backend-elsewhere", "namespace": "prod"}}
    selected = selected_workloads(index, {"app.kubernetes.io/name": "backend"})
    assert meta_subjects(index, elsewhere, selected) == {backend[0]["metadata"]["uid"]}
    no_selector = selected_workloads(index, {})
    assert meta_subjects(index, {"pod": {"name": "x"}}, no_selector) == frozenset()
    assert meta_subjects(index, None, selected) == frozenset()  # no /meta: no subject


def test_meta_naming_a_pod_without_its_namespace_finds_it_in_any_namespace() -> None:
    backend = _service("backend")
    index = BoardBuilder().index
    index.follow(StaticCluster(backend, ("dev",)).snapshot())
    pod = backend[-1]["metadata"]["name"]
    named = meta_subjects(index, {"pod": {"name": pod}}, ())
    assert named == {backend[0]["metadata"]["uid"]}
