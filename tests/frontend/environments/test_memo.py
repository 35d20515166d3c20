"""``EnvironmentsMemo``: the view is rebuilt only when what it shows may have changed."""

from __future__ import annotations

from dataclasses import replace

from frontend.board.builder import build_board
from frontend.board.model import Group
from frontend.environments.view import EMPTY, EnvironmentsMemo
from tests.frontend.status.fixtures import load_flux
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import NOW, rollout

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
