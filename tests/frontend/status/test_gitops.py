"""GitOps sync status per Deployment, from Argo CD Applications and Flux Kustomizations."""

from __future__ import annotations

from typing import Any

import pytest

from frontend.status.gitops import GitOpsStatus, gitops_index

Obj = dict[str, Any]
SHA = "a" * 40
SYNC_ERROR = {"type": "SyncError", "message": "one"}
COMPARISON_ERROR = {"type": "ComparisonError", "message": "two"}


def _application(*resources: Obj, sync: Obj | None = None, **status: Any) -> Obj:
    return {
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {"destination": {"namespace": "shop"}},
        "status": {"sync": sync or {"status": "OutOfSync", "revision": SHA},
                   "resources": list(resources), **status},
    }  # fmt: skip


def _deployment(name: str = "web", **fields: Any) -> Obj:
    return {"group": "apps", "kind": "Deployment", "name": name, **fields}


def _kustomization(*ids: str, ready: Obj | None = None) -> Obj:
    conditions = [] if ready is None else [{"type": "Ready", **ready}]
    return {
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "status": {
            "lastAppliedRevision": "main@sha1:abc",
            "conditions": [{"type": "Reconciling", "status": "False"}, *conditions],
            "inventory": {"entries": [{"id": entry, "v": "v1"} for entry in ids]},
        },
    }


def _argo(sync: str, health: str | None, message: str | None = None) -> GitOpsStatus:
    return GitOpsStatus("Argo CD", "argocd/shop", sync, health, SHA, message)


ARGO_CASES = [
    pytest.param(
        _application(_deployment(status="Synced", health={"status": "Healthy"})),
        {("shop", "web"): (_argo("Synced", "Healthy"),)},
        id="deployment-resource-with-its-own-sync-and-health",
    ),
    pytest.param(
        _application(_deployment()),
        {("shop", "web"): (_argo("OutOfSync", None),)},
        id="resource-without-status-takes-the-application-sync",
    ),
    pytest.param(
        _application(_deployment(), sync={"revision": SHA}),
        {("shop", "web"): (_argo("Unknown", None),)},
        id="no-sync-status-anywhere-is-unknown",
    ),
    pytest.param(
        _application(_deployment(namespace="prod")),
        {("prod", "web"): (_argo("OutOfSync", None),)},
        id="resource-namespace-wins-over-the-destination",
    ),
    pytest.param(
        _application(
            {"group": "", "kind": "Service", "name": "web", "status": "Synced"},
            {"group": "argoproj.io", "kind": "Deployment", "name": "not-apps"},
        ),
        {},
        id="only-apps-deployments-are-mapped",
    ),
    pytest.param(
        _application(_deployment(), conditions=[SYNC_ERROR, {"type": "X"}, COMPARISON_ERROR]),
        {("shop", "web"): (_argo("OutOfSync", None, "one; two"),)},
        id="condition-messages-are-joined",
    ),
]


@pytest.mark.parametrize(("application", "expected"), ARGO_CASES)
def test_gitops_index_maps_argo_application_resources(
    application: Obj, expected: dict[tuple[str, str], tuple[GitOpsStatus, ...]]
) -> None:
    assert gitops_index([application], []) == expected


FLUX_CASES = [
    pytest.param(
        {"status": "False", "reason": "HealthCheckFailed", "message": "timeout"},
        ("NotReady", "HealthCheckFailed", "timeout"),
        id="ready-false-is-not-ready-with-its-reason",
    ),
    pytest.param(
        {"status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision"},
        ("Ready", "ReconciliationSucceeded", "Applied revision"),
        id="ready-true-is-ready",
    ),
    pytest.param(None, ("Unknown", None, None), id="no-ready-condition-is-unknown"),
    pytest.param({"status": "Unknown"}, ("Unknown", None, None), id="ready-unknown-is-unknown"),
]


@pytest.mark.parametrize(("ready", "expected"), FLUX_CASES)
def test_gitops_index_maps_flux_inventory_entries(
    ready: Obj | None, expected: tuple[str, str | None, str | None]
) -> None:
    kustomization = _kustomization("shop_web_apps_Deployment", ready=ready)

    (status,) = gitops_index([], [kustomization])[("shop", "web")]

    assert (status.tool, status.source, status.revision) == ("Flux", "flux-system/apps",
                                                             "main@sha1:abc")  # fmt: skip
    assert (status.sync, status.health, status.message) == expected


def test_gitops_index_skips_flux_entries_that_are_not_deployments() -> None:
    kustomization = _kustomization(
        "shop_web__Service", "shop_web_apps_StatefulSet", "malformed", "a_b_c_apps_Deployment"
    )

    assert gitops_index([], [kustomization]) == {}


def test_gitops_index_lists_every_tool_managing_a_deployment() -> None:
    both = gitops_index([_application(_deployment())], [_kustomization("shop_web_apps_Deployment")])

    assert [status.tool for status in both[("shop", "web")]] == ["Argo CD", "Flux"]
