"""The watched kinds: one list, and where each lives in the REST API."""

from __future__ import annotations

import pytest

from frontend.cluster.kinds import GITOPS_KINDS, KINDS, WORKLOAD_KINDS

BY_PLURAL = {kind.plural: kind for kind in KINDS}


@pytest.mark.parametrize(
    ("plural", "path", "rbac_name"),
    [
        ("pods", "/api/v1/namespaces/shop/pods", "pods"),
        ("events", "/api/v1/namespaces/shop/events", "events"),
        ("deployments", "/apis/apps/v1/namespaces/shop/deployments", "deployments.apps"),
        (
            "applications",
            "/apis/argoproj.io/v1alpha1/namespaces/shop/applications",
            "applications.argoproj.io",
        ),
        (
            "kustomizations",
            "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/shop/kustomizations",
            "kustomizations.kustomize.toolkit.fluxcd.io",
        ),
        (
            "gitrepositories",
            "/apis/source.toolkit.fluxcd.io/v1/namespaces/shop/gitrepositories",
            "gitrepositories.source.toolkit.fluxcd.io",
        ),
    ],
)
def test_kind_path_and_rbac_name(plural: str, path: str, rbac_name: str) -> None:
    kind = BY_PLURAL[plural]

    assert (kind.path("shop"), kind.rbac_name) == (path, rbac_name)


def test_workload_kinds_are_always_watched_and_gitops_kinds_only_when_served() -> None:
    assert [k.plural for k in WORKLOAD_KINDS] == [
        "deployments", "replicasets", "statefulsets", "daemonsets", "controllerrevisions",
        "pods", "events",
    ]  # fmt: skip
    assert [k.plural for k in GITOPS_KINDS] == [
        "applications", "kustomizations", "gitrepositories"
    ]  # fmt: skip
    assert all(k.optional for k in GITOPS_KINDS)
    assert not any(k.optional for k in WORKLOAD_KINDS)
