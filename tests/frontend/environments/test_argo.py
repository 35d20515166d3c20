"""Argo CD Applications as environments: by sync wave, then name; each with what it
deployed (``status.resources``), its verdict and its revisions."""

from __future__ import annotations

from typing import Any

import pytest

from frontend.board.builder import build_board
from frontend.environments.chain import argo_environments, argo_inventory
from frontend.environments.view import environments_view
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import NOW, rollout

Json = dict[str, Any]
DEV, STAGING = "shop-dev", "shop-staging"
IN_CLUSTER = "https://kubernetes.default.svc"


def _application(
    name: str, namespace: str, wave: str | None = None, sync: str = "Synced", **status: Any
) -> Json:
    """An Application as the argoproj.io/v1alpha1 CRD holds it (Argo CD writes status)."""
    annotations = {"argocd.argoproj.io/sync-wave": wave} if wave is not None else {}
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd", "annotations": annotations},
        "spec": {"project": "default",
                 "destination": {"server": IN_CLUSTER, "namespace": namespace}},
        "status": {
            "sync": {"status": sync, "revision": "c" * 40},
            "history": [{"revision": "b" * 40}],
            "resources": [
                {"group": "apps", "kind": "Deployment", "name": "backend", "status": sync},
                {"group": "", "kind": "Service", "namespace": namespace, "name": "backend"},
            ],
            **status,
        },
    }  # fmt: skip


def test_applications_are_ordered_by_sync_wave_then_name_and_named_without_their_prefix() -> None:
    apps = [
        _application("shop-prod", "shop-prod", wave="2"),
        _application("shop-staging", STAGING, wave="1"),
        _application("shop-dev", DEV),  # no wave: 0
    ]
    envs = argo_environments(apps, {})
    assert [(e.name, e.source, e.tool) for e in envs] == [
        ("dev", "argocd/shop-dev", "Argo CD"),
        ("staging", "argocd/shop-staging", "Argo CD"),
        ("prod", "argocd/shop-prod", "Argo CD"),
    ]
    assert envs[0].anchor == "app-argocd-shop-dev"
    assert envs[0].applied_revision == "b" * 12
    assert all(e.blocked_by == () for e in envs)


@pytest.mark.parametrize(
    ("wave", "position"),
    [
        pytest.param("-1", 0, id="negative-wave-first"),
        pytest.param("x", 0, id="unreadable-wave-is-0-ties-by-name"),
        pytest.param("5", 1, id="later-wave-last"),
    ],
)
def test_sync_wave_decides_the_order(wave: str, position: int) -> None:
    apps = [_application("b-other", STAGING), _application("a-moved", DEV, wave=wave)]
    envs = argo_environments(apps, {})
    assert [e.source for e in envs].index("argocd/a-moved") == position


def test_inventory_takes_apps_workloads_in_the_destination_namespace() -> None:
    (applied,) = argo_inventory(_application("shop-dev", DEV))
    assert (applied.kind, applied.namespace, applied.name) == ("Deployment", DEV, "backend")


def test_a_failed_sync_is_the_environments_message() -> None:
    failed = _application(
        "shop-dev",
        DEV,
        sync="OutOfSync",
        operationState={"phase": "Failed", "message": "one or more objects failed to apply"},
    )
    (env,) = argo_environments([failed], {})
    assert (env.verdict.state, env.verdict.phrase) == ("failed", "sync failed")
    assert env.message == "one or more objects failed to apply"


def test_an_application_without_workloads_is_no_environment() -> None:
    app = _application("config-only", DEV)
    app["status"]["resources"] = [{"group": "", "kind": "ConfigMap", "name": "settings"}]
    assert argo_environments([app], {}) == ()


def test_the_view_lines_up_argo_cd_environments_like_flux_ones() -> None:
    objects = rollout("backend", DEV) + rollout("backend", STAGING)
    board = build_board(StaticCluster(objects, (DEV, STAGING)).snapshot(), PROBES, NOW)
    apps = [_application("shop-staging", STAGING, wave="1"), _application("shop-dev", DEV)]
    view = environments_view(board.groups, [], [], applications=apps)
    assert [e.name for e in view.environments] == ["dev", "staging"]
    (row,) = view.rows
    assert [c.namespace if c else None for c in row.cells] == [DEV, STAGING]
    assert [(s.earlier, s.later) for s in row.steps] == [("dev", "staging")]
