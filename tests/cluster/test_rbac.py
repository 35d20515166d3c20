"""RBAC decisions come from the real authorizer, via impersonation and via a real token."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.kube import Kube
from tools.platformkit.objects import deployment_manifest, service_account_with_role

pytestmark = pytest.mark.cluster
RULES = [
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]},
]


@pytest.fixture(scope="module")
def other_namespace(kube: Kube) -> Iterator[str]:
    name = f"rbac-other-{secrets.token_hex(3)}"
    kube.run("create", "namespace", name)
    yield name
    kube.run("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture(scope="module")
def viewer(kube: Kube, namespace: str) -> str:
    kube.apply(*service_account_with_role("viewer", namespace, RULES))
    kube.apply(deployment_manifest("web", replicas=1), namespace=namespace)
    return f"system:serviceaccount:{namespace}:viewer"


def _can_i(kube: Kube, user: str, verb: str, resource: str, namespace: str) -> bool:
    result = kube.run("auth", "can-i", verb, resource, "-n", namespace, f"--as={user}", check=False)
    assert result.stdout.strip() in {"yes", "no"}, result.stderr
    return result.stdout.strip() == "yes"


def test_can_i_as_service_account(
    kube: Kube, namespace: str, other_namespace: str, viewer: str
) -> None:
    assert _can_i(kube, viewer, "list", "deployments.apps", namespace)
    assert _can_i(kube, viewer, "get", "pods", namespace)
    assert not _can_i(kube, viewer, "delete", "deployments.apps", namespace)
    assert not _can_i(kube, viewer, "patch", "deployments.apps", namespace)
    assert not _can_i(kube, viewer, "list", "secrets", namespace)
    assert not _can_i(kube, viewer, "list", "deployments.apps", other_namespace)


def test_real_token_is_forbidden_outside_its_role(
    kube: Kube, control_plane: ControlPlane, namespace: str, other_namespace: str, viewer: str
) -> None:
    token = kube.run("create", "token", "viewer", "-n", namespace).stdout.strip()
    api = control_plane.api(token=token)

    status, body = api.request("GET", f"/apis/apps/v1/namespaces/{namespace}/deployments")
    assert status == 200, body
    assert [d["metadata"]["name"] for d in body["items"]] == ["web"]

    status, body = api.request("GET", f"/apis/apps/v1/namespaces/{other_namespace}/deployments")
    assert (status, body["reason"]) == (403, "Forbidden")
    assert viewer in body["message"]

    path = f"/apis/apps/v1/namespaces/{namespace}/deployments/web"
    status, body = api.request("DELETE", path)
    assert (status, body["reason"]) == (403, "Forbidden")
    status, body = api.request(
        "PATCH", path, {"spec": {"replicas": 5}}, content_type="application/merge-patch+json"
    )
    assert status == 403
    status, body = api.request("GET", f"/api/v1/namespaces/{namespace}/secrets")
    assert status == 403

    whoami = api.request(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert whoami[1]["status"]["userInfo"]["username"] == viewer
