"""The environments view, from a board built over ``rollout(...)`` workloads in up to three
namespaces and the Kustomizations recorded from the real Flux controllers
(tests/fixtures/flux), deep-copied so their inventories list the workloads of each case.

dev is ``ready.json`` (``gitops-platform-dev``), staging ``dependency-not-ready.json``
(``gitops-platform-staging``, depending on dev), prod a copy of ``ready.json`` renamed
``gitops-platform-prod`` and depending on staging; each delivers ``capflux-<env>``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from delivery.report import Event, EventKind, Report
from frontend.board.builder import build_board
from frontend.board.model import Board
from frontend.delivery.panel import DeliveryPanel
from frontend.environments.changes import Change
from frontend.environments.view import (
    EMPTY,
    SCHEMA,
    Cell,
    EnvironmentsView,
    Row,
    environments_view,
)
from frontend.routes.environments import environments_document
from frontend.status.health import HealthCode
from tests.frontend.status.fixtures import FluxCapture, load_flux
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import IMAGE_V1, NOW, event, mid_rollout, rollout, warning_event

Obj = dict[str, Any]
Layout = Mapping[str, Sequence[str]]  # environment -> the apps its inventory lists

NAMESPACES = {"dev": "capflux-dev", "staging": "capflux-staging", "prod": "capflux-prod"}
RECORDED = {  # environment -> (scenario, Kustomization name, dependsOn)
    "dev": ("ready", "gitops-platform-dev", []),
    "staging": ("dependency-not-ready", "gitops-platform-staging", ["gitops-platform-dev"]),
    "prod": ("ready", "gitops-platform-prod", ["gitops-platform-staging"]),
}
DIGEST = "c3" * 32
TWO = {"dev": ["backend"], "staging": ["backend"]}
THREE = {"dev": ["backend"], "staging": ["backend"], "prod": ["backend"]}


@cache
def _capture(scenario: str) -> FluxCapture:
    return load_flux(scenario)


def _kustomization(environment: str, apps: Iterable[str]) -> Obj:
    """The recorded Kustomization of ENVIRONMENT, its inventory listing APPS' Deployments."""
    scenario, name, depends = RECORDED[environment]
    found: Obj = copy.deepcopy(_capture(scenario).kustomization)
    recorded_ns = "capflux-staging" if scenario == "dependency-not-ready" else "capflux-dev"
    ns = NAMESPACES[environment]
    found["metadata"]["name"] = name
    found["spec"]["dependsOn"] = [{"name": dep} for dep in depends]
    entries = [
        {**entry, "id": entry["id"].replace(recorded_ns, ns)}
        for entry in found["status"]["inventory"]["entries"]
        if not entry["id"].endswith("_apps_Deployment")
    ]
    entries += [{"id": f"{ns}_{app}_apps_Deployment", "v": "v1"} for app in apps]
    found["status"]["inventory"]["entries"] = entries
    return found


def _deployed(layout: Layout) -> list[tuple[str, str]]:
    return [(app, env) for env, apps in layout.items() for app in apps]


def _rollouts(deployed: Iterable[tuple[str, str]], **options: Any) -> list[Obj]:
    return [obj for app, env in deployed for obj in rollout(app, NAMESPACES[env], **options)]


def _board(
    layout: Layout,
    objects: Sequence[Obj],
    verifications: Mapping[str, Event] | None = None,
) -> Board:
    """The board of OBJECTS and LAYOUT's Kustomizations, holding their environments view."""
    kustomizations = [_kustomization(env, apps) for env, apps in layout.items()]
    cluster = StaticCluster([*objects, *kustomizations], tuple(NAMESPACES.values()))
    board = build_board(cluster.snapshot(), PROBES, NOW)
    deployments = [obj for obj in objects if obj["kind"] == "Deployment"]
    view = environments_view(board.groups, kustomizations, deployments, verifications)
    return replace(board, environments=view)


def _view(
    layout: Layout,
    objects: Sequence[Obj],
    verifications: Mapping[str, Event] | None = None,
) -> EnvironmentsView:
    return _board(layout, objects, verifications).environments


def _find(objects: Sequence[Obj], kind: str, app: str, env: str) -> list[Obj]:
    ns = NAMESPACES[env]
    return [
        obj
        for obj in objects
        if obj["kind"] == kind
        and obj["metadata"]["namespace"] == ns
        and obj["metadata"]["name"].startswith(app)
    ]


def _set_image(objects: Sequence[Obj], app: str, env: str, image: str) -> None:
    (dep,) = _find(objects, "Deployment", app, env)
    dep["spec"]["template"]["spec"]["containers"][0]["image"] = image


def _row(view: EnvironmentsView, app: str) -> Row:
    (row,) = [r for r in view.rows if r.application == app]
    return row


def _present(view: EnvironmentsView, app: str) -> list[Cell]:
    """APP's cells, each environment running it."""
    cells = _row(view, app).cells
    present = [cell for cell in cells if cell is not None]
    assert len(present) == len(cells)
    return present


# --- rows and cells --------------------------------------------------------------------


ROW_CASES = [
    pytest.param(
        {"dev": ["backend", "frontend"], "staging": ["backend", "frontend"]},
        None,
        ["dev", "staging"],
        {"backend": ["dev", "staging"], "frontend": ["dev", "staging"]},
        id="two-environments-same-apps",
    ),
    pytest.param(
        {"prod": ["backend"], "staging": ["backend", "api"], "dev": ["web", "backend"]},
        None,
        ["dev", "staging", "prod"],
        {
            "api": [None, "staging", None],
            "backend": ["dev", "staging", "prod"],
            "web": ["dev", None, None],
        },
        id="three-environments-given-out-of-order-apps-sorted-gaps-none",
    ),
    pytest.param(
        {"dev": ["backend", "frontend"], "staging": ["backend", "frontend"]},
        [("backend", "dev"), ("backend", "staging"), ("frontend", "staging")],
        ["dev", "staging"],
        {"backend": ["dev", "staging"], "frontend": [None, "staging"]},
        id="inventory-entry-without-a-card-gives-no-cell",
    ),
    pytest.param(
        TWO,
        [("backend", "dev"), ("backend", "staging"), ("worker", "dev")],
        ["dev", "staging"],
        {"backend": ["dev", "staging"]},
        id="card-outside-every-inventory-gives-no-row",
    ),
    pytest.param(
        {"dev": ["backend"], "staging": [], "prod": ["backend"]},
        None,
        ["dev", "prod"],
        {"backend": ["dev", "prod"]},
        id="kustomization-without-workloads-has-no-column",
    ),
]


@pytest.mark.parametrize(("layout", "deployed", "environments", "expected"), ROW_CASES)
def test_rows_per_application_with_a_cell_per_environment(
    layout: Layout,
    deployed: list[tuple[str, str]] | None,
    environments: list[str],
    expected: dict[str, list[str | None]],
) -> None:
    view = _view(layout, _rollouts(_deployed(layout) if deployed is None else deployed))

    assert view.schema == SCHEMA
    assert [env.name for env in view.environments] == environments
    assert [row.application for row in view.rows] == list(expected)
    for row in view.rows:
        assert len(row.cells) == len(view.environments)
        found = [
            None if cell is None else (cell.environment, cell.namespace, cell.anchor)
            for cell in row.cells
        ]
        assert found == [
            None
            if env is None
            else (env, NAMESPACES[env], f"d-{NAMESPACES[env]}-{row.application}")
            for env in expected[row.application]
        ]


def test_a_cell_says_what_its_environment_runs_and_since_when() -> None:
    view = _view(TWO, _rollouts(_deployed(TWO)))
    dev, staging = _present(view, "backend")
    revision = _capture("ready").revisions["applied"]
    assert dev.config_revision == view.environments[0].applied_revision
    assert staging.config_revision == view.environments[1].applied_revision
    assert dev.config_revision == "main@sha1:" + revision.rpartition(":")[2][:12]
    assert dev.version == IMAGE_V1.rpartition(":")[2] == "1.0.0"
    assert dev.since == NOW - timedelta(seconds=1800)  # rollout()'s ReplicaSet
    assert dev.commit is None  # no /meta from the backend
    assert (dev.health, dev.moving, dev.failure, dev.warnings) == (
        HealthCode.HEALTHY, False, None, 0
    )  # fmt: skip
    assert (dev.verified, dev.verified_at) == (None, None)


VERSIONS = [
    pytest.param("registry.local/backend:1.2", "1.2", id="tag"),
    pytest.param(f"registry.local/backend:1.2@sha256:{DIGEST}", "1.2", id="tag-and-digest"),
    pytest.param(f"registry.local/backend@sha256:{DIGEST}", DIGEST[:12], id="digest-only"),
    pytest.param("registry.local/backend", "latest", id="no-tag"),
    pytest.param("registry.local:5000/backend", "latest", id="no-tag-registry-port"),
    pytest.param("registry.local:5000/team/backend:2.0-rc.1", "2.0-rc.1", id="tag-registry-port"),
    pytest.param("backend:3", "3", id="bare-name-and-tag"),
]


@pytest.mark.parametrize(("image", "version"), VERSIONS)
def test_version_is_the_image_tag_or_its_digest(image: str, version: str) -> None:
    objects = _rollouts(_deployed(TWO))
    _set_image(objects, "backend", "dev", image)
    dev, staging = _present(_view(TWO, objects), "backend")
    assert dev.version == version
    assert staging.version == "1.0.0"


def _no_image_id(objects: Sequence[Obj]) -> None:
    for pod in _find(objects, "Pod", "backend", "dev"):
        for status in pod["status"]["containerStatuses"]:
            status["imageID"] = ""


def _other_digest(objects: Sequence[Obj]) -> None:
    for pod in _find(objects, "Pod", "backend", "dev"):
        for status in pod["status"]["containerStatuses"]:
            status["imageID"] = f"ghcr.io/acme/backend@sha256:{DIGEST}"


DIGESTS = [
    pytest.param(lambda _objects: None, "a1" * 6, id="pods-report-rollouts-digest"),
    pytest.param(_other_digest, DIGEST[:12], id="pods-report-another-digest"),
    pytest.param(_no_image_id, None, id="pods-report-none"),
]


@pytest.mark.parametrize(("edit", "digest"), DIGESTS)
def test_digest_is_the_short_sha_the_pods_run(
    edit: Callable[[Sequence[Obj]], None], digest: str | None
) -> None:
    objects = _rollouts(_deployed(TWO))
    edit(objects)
    dev, staging = _present(_view(TWO, objects), "backend")
    assert dev.digest == digest
    assert staging.digest == "a1" * 6


HEALTH_CASES = [
    pytest.param({}, HealthCode.HEALTHY, False, False, id="rolled-out"),
    pytest.param({"ready": 1}, HealthCode.PROGRESSING, True, False, id="rollout-in-flight"),
    pytest.param(
        {"ready": 1, "waiting": "CrashLoopBackOff"},
        HealthCode.DEGRADED,
        False,
        True,
        id="degraded-is-a-failure-not-moving",
    ),
]


@pytest.mark.parametrize(("options", "health", "moving", "failed"), HEALTH_CASES)
def test_moving_and_failure_follow_the_cards_health(
    options: dict[str, Any], health: HealthCode, moving: bool, failed: bool
) -> None:
    objects = _rollouts([("backend", "dev")], **options) + _rollouts([("backend", "staging")])
    dev, staging = _present(_view(TWO, objects), "backend")
    assert (dev.health, dev.moving) == (health, moving)
    if failed:
        assert dev.failure == dev.health_message
        assert "CrashLoopBackOff" in dev.health_message
    else:
        assert dev.failure is None
    assert (staging.health, staging.moving, staging.failure) == (HealthCode.HEALTHY, False, None)


def _pod_warning(objects: Sequence[Obj]) -> Obj:
    return warning_event(_find(objects, "Pod", "backend", "dev")[-1], "BackOff", "back-off")


def _deployment_warning(objects: Sequence[Obj], count: int | None) -> Obj:
    (dep,) = _find(objects, "Deployment", "backend", "dev")
    found = event("Deployment", "backend", "FailedCreate", "quota", namespace=NAMESPACES["dev"],
                  uid=dep["metadata"]["uid"], count=count or 1)  # fmt: skip
    if count is None:
        del found["count"]
    return found


WARNINGS = [
    pytest.param(lambda _objects: [], 0, id="none"),
    pytest.param(lambda objects: [_pod_warning(objects)], 3, id="one-seen-three-times"),
    pytest.param(
        lambda objects: [_pod_warning(objects), _deployment_warning(objects, 2)],
        5,
        id="pod-and-deployment-counts-summed",
    ),
    pytest.param(
        lambda objects: [_deployment_warning(objects, None)], 1, id="without-a-count-counts-once"
    ),
    pytest.param(
        lambda objects: [
            {**_deployment_warning(objects, 4), "type": "Normal"},
        ],
        0,
        id="normal-events-are-not-warnings",
    ),
]


@pytest.mark.parametrize(("events", "warnings"), WARNINGS)
def test_warnings_are_counted_from_the_cards_events(
    events: Callable[[Sequence[Obj]], list[Obj]], warnings: int
) -> None:
    objects = _rollouts(_deployed(TWO))
    dev, staging = _present(_view(TWO, [*objects, *events(objects)]), "backend")
    assert (dev.warnings, staging.warnings) == (warnings, 0)


# --- delivery records ------------------------------------------------------------------


def _event(environment: str, minutes_ago: int, kind: EventKind) -> Event:
    return Event(environment, NOW - timedelta(minutes=minutes_ago), kind, "p" * 40, "s" * 40)


def _outcomes(events: Sequence[Event]) -> Mapping[str, Event] | None:
    """The newest record per environment, as the delivery panel gives the view after
    reading a report of EVENTS (oldest first, as ``delivery.dora`` orders them)."""
    report = Report("delivery-metrics/v1", NOW - timedelta(days=30), NOW, (), tuple(events), "-")

    def read(_repo: Path, _since: Any, _until: Any) -> Report:
        return report

    panel = DeliveryPanel(Path("unused"), 30, 60, read=read, now=lambda: NOW)
    panel.refresh()
    return panel.outcomes()


VERIFICATIONS = [
    pytest.param(None, [None, None, None], id="no-delivery-records"),
    pytest.param([], [None, None, None], id="no-events"),
    pytest.param(
        [_event("dev", 30, "verified")],
        [("verified", 30), None, None],
        id="one-environment-verified",
    ),
    pytest.param(
        [
            _event("dev", 50, "failed"),
            _event("staging", 40, "verified"),
            _event("dev", 30, "verified"),
        ],
        [("verified", 30), ("verified", 40), None],
        id="newest-per-environment-wins-verified",
    ),
    pytest.param(
        [_event("prod", 50, "verified"), _event("prod", 20, "reverted")],
        [None, None, ("reverted", 20)],
        id="newest-per-environment-wins-reverted",
    ),
    pytest.param(
        [_event("staging", 10, "unverified"), _event("qa", 5, "failed")],
        [None, ("unverified", 10), None],
        id="unknown-environment-ignored",
    ),
]


@pytest.mark.parametrize(("events", "expected"), VERIFICATIONS)
def test_verified_is_the_newest_delivery_record_of_each_environment(
    events: list[Event] | None, expected: list[tuple[str, int] | None]
) -> None:
    verifications = _outcomes(events) if events is not None else None
    view = _view(THREE, _rollouts(_deployed(THREE)), verifications)
    found = [
        None if cell is None or cell.verified is None else (cell.verified, cell.verified_at)
        for cell in _row(view, "backend").cells
    ]
    assert found == [
        None if want is None else (want[0], NOW - timedelta(minutes=want[1])) for want in expected
    ]


def test_an_environment_label_names_the_environment_its_records_are_kept_under() -> None:
    objects = _rollouts(_deployed(TWO))
    (dep,) = _find(objects, "Deployment", "backend", "dev")
    dep["metadata"]["labels"]["app.kubernetes.io/environment"] = "development"
    records = [_event("dev", 5, "failed"), _event("development", 10, "verified")]
    view = _view(TWO, objects, _outcomes(records))
    dev, staging = _present(view, "backend")
    assert [env.name for env in view.environments] == ["development", "staging"]
    assert (dev.environment, dev.verified) == ("development", "verified")
    assert (staging.environment, staging.verified) == ("staging", None)


# --- the environments' workloads, and the steps between them ---------------------------


INVENTORY_HEALTH = [
    pytest.param(
        [("backend", "dev"), ("frontend", "dev"), ("backend", "staging")],
        {
            "dev": {"backend": HealthCode.HEALTHY, "frontend": HealthCode.DEGRADED},
            "staging": {"backend": HealthCode.HEALTHY, "frontend": None},
        },
        id="staging-frontend-without-card",
    ),
    pytest.param(
        [],
        {
            "dev": {"backend": None, "frontend": None},
            "staging": {"backend": None, "frontend": None},
        },
        id="no-cards-at-all",
    ),
]


@pytest.mark.parametrize(("deployed", "expected"), INVENTORY_HEALTH)
def test_inventory_workloads_get_their_cards_health(
    deployed: list[tuple[str, str]], expected: dict[str, dict[str, HealthCode | None]]
) -> None:
    layout = {"dev": ["backend", "frontend"], "staging": ["backend", "frontend"]}
    objects = []
    for app, env in deployed:
        broken = (app, env) == ("frontend", "dev")
        options: dict[str, Any] = {"ready": 1, "waiting": "CrashLoopBackOff"} if broken else {}
        objects += _rollouts([(app, env)], **options)
    # The view is kept between board versions, so the card health (which changes with
    # every pod) is put on its environments' workloads as the API and fragment send them.
    document = environments_document(_board(layout, objects), 1)
    found = {env.name: {w.name: w.health for w in env.workloads} for env in document.environments}
    assert found == expected


STEPS = [
    pytest.param(THREE, [("dev", "staging"), ("staging", "prod")], id="dev-staging-prod"),
    pytest.param(TWO, [("dev", "staging")], id="dev-staging"),
    pytest.param(
        {"dev": ["backend"], "staging": ["other"], "prod": ["backend"]},
        [],
        id="not-across-an-environment-without-it",
    ),
    pytest.param(
        {"dev": ["other"], "staging": ["backend"], "prod": ["backend"]},
        [("staging", "prod")],
        id="only-where-both-run-it",
    ),
    pytest.param({"dev": ["backend"], "staging": ["other"]}, [], id="one-environment-only"),
]


@pytest.mark.parametrize(("layout", "expected"), STEPS)
def test_steps_only_between_adjacent_environments_that_both_run_the_app(
    layout: Layout, expected: list[tuple[str, str]]
) -> None:
    view = _view(layout, _rollouts(_deployed(layout)))
    assert [(s.earlier, s.later) for s in _row(view, "backend").steps] == expected


PROMOTIONS = [
    pytest.param(None, (), id="same-workload-nothing-to-promote"),
    pytest.param(
        "ghcr.io/acme/backend:1.1.0",
        (Change("image app", IMAGE_V1, "ghcr.io/acme/backend:1.1.0"),),
        id="dev-runs-a-newer-image",
    ),
]


@pytest.mark.parametrize(("dev_image", "changes"), PROMOTIONS)
def test_a_step_says_what_promoting_the_earlier_version_would_change(
    dev_image: str | None, changes: tuple[Change, ...]
) -> None:
    objects = _rollouts(_deployed(THREE))
    if dev_image is not None:
        _set_image(objects, "backend", "dev", dev_image)
    first, second = _row(_view(THREE, objects), "backend").steps
    assert (first.earlier, first.later, first.changes) == ("dev", "staging", changes)
    assert (second.earlier, second.later, second.changes) == ("staging", "prod", ())


# --- no environments -------------------------------------------------------------------


def test_without_kustomizations_the_view_is_empty() -> None:
    objects = _rollouts(_deployed(TWO))
    board = build_board(StaticCluster(objects, tuple(NAMESPACES.values())).snapshot(), PROBES, NOW)
    deployments = [obj for obj in objects if obj["kind"] == "Deployment"]
    assert environments_view(board.groups, [], deployments) is EMPTY
    assert environments_view(board.groups, (), deployments, _outcomes([])) is EMPTY
    assert (EMPTY.schema, EMPTY.environments, EMPTY.rows) == (SCHEMA, (), ())


def test_kustomizations_without_workloads_make_an_empty_view() -> None:
    layout: Layout = {"dev": [], "staging": []}
    assert _view(layout, _rollouts(_deployed(TWO))) == EMPTY


def test_digest_is_what_the_current_revisions_pods_run_mid_rollout() -> None:
    deployment, replicasets, pods = mid_rollout()
    ns = deployment["metadata"]["namespace"]
    kustomization = copy.deepcopy(_capture("ready").kustomization)
    kustomization["status"]["inventory"] = {"entries": [{"id": f"{ns}_web_apps_Deployment"}]}
    objects = [deployment, *replicasets, *pods]
    board = build_board(StaticCluster(objects, (ns,)).snapshot(), PROBES, NOW)
    (card,) = [e.card for g in board.groups for e in g.entries]
    current = {d for pod in card.pods if pod.current for d in pod.digests}
    old = {d for pod in card.pods if not pod.current for d in pod.digests}
    assert current
    assert old - current  # the old revision's pods still run another image
    (row,) = environments_view(board.groups, [kustomization], objects).rows
    (cell,) = row.cells
    assert cell is not None
    assert cell.digest is not None
    assert any(d.removeprefix("sha256:").startswith(cell.digest) for d in current)
