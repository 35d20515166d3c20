"""The watched kinds: one list, and where each lives in the REST API."""

from __future__ import annotations

import pytest

from frontend.cluster.kinds import (
    ALL_NAMESPACES,
    CLUSTER_KINDS,
    GITOPS_KINDS,
    KINDS,
    WORKLOAD_KINDS,
)

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


def test_nodes_are_cluster_scoped_optional_and_watched_once_whatever_the_namespace() -> None:
    (nodes,) = CLUSTER_KINDS
    assert (nodes.plural, nodes.optional, nodes.rbac_name) == ("nodes", True, "nodes")
    assert nodes.path("shop") == nodes.path(ALL_NAMESPACES) == "/api/v1/nodes"
    assert nodes not in GITOPS_KINDS  # served by every cluster: no CRD discovery
