"""``EnvironmentsMemo``: the view is rebuilt only when what it shows may have changed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from frontend.board.builder import build_board
from frontend.board.model import Board, Group
from frontend.environments.view import EMPTY, EnvironmentsMemo, environments_view
from tests.frontend.status.fixtures import load_flux
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import NOW, edited, rollout

DEV, STAGING, OTHER = "capflux-dev", "capflux-staging", "other"
FLUX = [load_flux("ready").kustomization, load_flux("dependency-not-ready").kustomization]


def _groups() -> tuple[Group, ...]:
    objects = rollout("backend", DEV) + rollout("backend", STAGING) + rollout("web", OTHER)
    return build_board(StaticCluster(objects, (DEV, STAGING, OTHER)).snapshot(), PROBES, NOW).groups


def _swapped(groups: tuple[Group, ...], namespace: str) -> tuple[Group, ...]:
    """The same groups, NAMESPACE's replaced by an equal new object (the builder's change)."""
    return tuple(replace(g) if g.namespace == namespace else g for g in groups)


def test_the_view_is_kept_while_its_inputs_are_the_same_objects() -> None:
    memo, groups = EnvironmentsMemo(), _groups()
    first = memo.view(groups, FLUX, lambda _ns: ())
    assert first.rows
    assert memo.view(groups, FLUX, lambda _ns: ()) is first
    assert memo.view(_swapped(groups, OTHER), FLUX, lambda _ns: ()) is first  # not delivered
    assert memo.builds == 1


def test_a_change_in_a_delivered_namespace_or_to_a_kustomization_rebuilds_it() -> None:
    memo, groups = EnvironmentsMemo(), _groups()
    first = memo.view(groups, FLUX, lambda _ns: ())
    second = memo.view(_swapped(groups, DEV), FLUX, lambda _ns: ())
    assert second is not first
    third = memo.view(_swapped(groups, DEV), [dict(FLUX[0]), FLUX[1]], lambda _ns: ())
    assert third is not second
    assert memo.builds == 3


def test_new_delivery_records_rebuild_it() -> None:
    memo, groups = EnvironmentsMemo(), _groups()
    first = memo.view(groups, FLUX, lambda _ns: (), {})
    assert memo.view(groups, FLUX, lambda _ns: (), {}) is not first  # another records dict


def test_without_kustomizations_it_is_empty_and_reads_no_workloads() -> None:
    def no_reads(_namespaces: object) -> tuple[()]:
        raise AssertionError("workloads read without Kustomizations")

    assert EnvironmentsMemo().view(_groups(), [], no_reads) is EMPTY


def _image(objects: list[dict[str, Any]], image: str) -> list[dict[str, Any]]:
    def set_image(obj: dict[str, Any]) -> None:
        if obj["kind"] == "Deployment":
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = image

    return [edited(obj, set_image) for obj in objects]


def test_redoing_only_the_changed_namespace_gives_the_view_a_full_build_gives() -> None:
    staging = rollout("backend", STAGING) + rollout("frontend", STAGING)
    dev_before = rollout("backend", DEV) + rollout("frontend", DEV)
    dev_after = _image(rollout("backend", DEV, ready=2), "registry.local/backend:2.0.0")
    dev_after += rollout("frontend", DEV)
    namespaces = (DEV, STAGING)
    first = build_board(StaticCluster(dev_before + staging, namespaces).snapshot(), PROBES, NOW)
    second = build_board(StaticCluster(dev_after + staging, namespaces).snapshot(), PROBES, NOW)
    # The builder keeps an unchanged namespace's group: staging's is the first board's.
    mixed = tuple(g if g.namespace == DEV else _group(first, g.namespace) for g in second.groups)
    workloads_after = [o for o in dev_after + staging if o["kind"] == "Deployment"]

    memo = EnvironmentsMemo()
    memo.view(first.groups, FLUX, lambda _ns: list(dev_before + staging))
    kept = {row.application: row for row in memo.view(first.groups, FLUX, lambda _ns: ()).rows}
    incremental = memo.view(mixed, FLUX, lambda _ns: workloads_after)
    assert incremental == environments_view(mixed, FLUX, workloads_after)
    rows = {row.application: row for row in incremental.rows}
    assert rows["frontend"] is kept["frontend"]  # untouched application: the same row object
    assert rows["backend"] is not kept["backend"]
    (step,) = rows["backend"].steps
    assert ("image app", "registry.local/backend:2.0.0") in [
        (c.setting, c.then) for c in step.changes
    ]


def _group(board: Board, namespace: str) -> Group:
    return next(g for g in board.groups if g.namespace == namespace)
