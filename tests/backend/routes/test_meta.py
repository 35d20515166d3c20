from __future__ import annotations

from fastapi.testclient import TestClient

from tests.backend.support import ClientFactory
from tests.support.constants import SHA_A

DIGEST = "sha256:" + "d" * 64


def test_meta_reports_build_and_pod_identity(make_client: ClientFactory) -> None:
    client = make_client(
        git_sha=SHA_A,
        version="1.4.0",
        build_time="2026-11-26T03:00:00Z",
        image_ref="ghcr.io/example/backend:" + SHA_A,
        image_digest=DIGEST,
        environment="staging",
        pod_name="backend-5f7b9-xk2lp",
        pod_namespace="staging",
        node_name="kwok-node-0",
        pod_ip="10.244.0.7",
    )
    body = client.get("/meta").json()
    assert body["schema_version"] == "v1"
    assert body["service"] == "backend"
    assert body["version"] == "1.4.0"
    assert body["git_sha"] == SHA_A
    assert body["build_time"] == "2026-11-26T03:00:00Z"
    assert body["image"] == {"ref": "ghcr.io/example/backend:" + SHA_A, "digest": DIGEST}
    assert body["environment"] == "staging"
    assert body["pod"] == {
        "name": "backend-5f7b9-xk2lp",
        "namespace": "staging",
        "node": "kwok-node-0",
        "ip": "10.244.0.7",
    }
    assert body["ready"] is True
    assert body["uptime_seconds"] >= 0
    assert body["started_at"].endswith("Z")


def test_meta_unknown_values_are_null_not_invented(make_client: ClientFactory) -> None:
    body = make_client().get("/meta").json()
    for key in ("version", "git_sha", "build_time"):
        assert body[key] is None
    assert body["image"] == {"ref": None, "digest": None}
    assert body["pod"] == {"name": None, "namespace": None, "node": None, "ip": None}


def test_meta_exposes_no_environment_or_secrets(make_client: ClientFactory) -> None:
    client = make_client(faults_enabled=True, faults_token="super-secret-token-value")
    raw = client.get("/meta").text
    assert "super-secret-token-value" not in raw
    assert set(client.get("/meta").json()) == {
        "schema_version",
        "service",
        "version",
        "git_sha",
        "build_time",
        "image",
        "environment",
        "pod",
        "started_at",
        "uptime_seconds",
        "ready",
    }


def test_meta_reports_not_ready_while_draining(client: TestClient) -> None:
    client.app.state.runtime.lifecycle.begin_drain()  # type: ignore[attr-defined]
    assert client.get("/meta").json()["ready"] is False


def test_meta_schema_is_published_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ref = spec["paths"]["/meta"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert {"schema_version", "git_sha", "image", "pod", "ready"} <= set(schema["properties"])
