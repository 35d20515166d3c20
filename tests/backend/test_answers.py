"""The precomputed answers: the same bytes as the models, on both paths, kept current."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from backend.answers import Answers, meta_model
from backend.models import Meta
from backend.runtime import Runtime
from backend.settings import Settings
from tests.backend.support import AUTH, ClientFactory
from tests.support.constants import SHA_A

# A Content-Length header makes the edge hand the request to the framework's route.
THROUGH_FRAMEWORK = {"content-length": "0"}
IDENTITY = {
    "git_sha": SHA_A,
    "version": "1.4.0",
    "build_time": "2026-11-26T03:00:00Z",
    "image_ref": "registry.example/backend:1.4.0",
    "image_digest": "sha256:" + "d" * 64,
    "environment": "staging",
    "pod_name": "backend-5f7b9-xk2lp",
    "pod_namespace": "staging",
    "node_name": "kwok-node-0",
    "pod_ip": "10.244.0.7",
}


@pytest.mark.parametrize("ready", [True, False])
def test_meta_bytes_equal_the_models_own_serialisation(ready: bool) -> None:
    settings = Settings(**IDENTITY)  # type: ignore[arg-type]
    runtime = Runtime()
    runtime.lifecycle.startup_complete = ready
    answer = Answers(settings, runtime).meta()
    status, body = answer.status_code, bytes(answer.body)
    uptime = json.loads(body)["uptime_seconds"]
    expected = meta_model(settings, runtime, uptime, ready)
    assert status == 200
    assert body == expected.model_dump_json().encode()


def test_meta_live_fields_are_the_models_last_two() -> None:
    assert list(Meta.model_fields)[-2:] == ["uptime_seconds", "ready"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/meta"])
def test_fast_path_and_framework_route_answer_alike(make_client: ClientFactory, path: str) -> None:
    client = make_client(**IDENTITY)
    fast = client.get(path)
    routed = client.get(path, headers=THROUGH_FRAMEWORK)
    assert fast.status_code == routed.status_code == 200
    for response in (fast, routed):
        assert response.headers["content-type"] == "application/json"
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-build-sha"] == SHA_A
    fast_body, routed_body = fast.json(), routed.json()
    fast_body.pop("uptime_seconds", None)
    routed_body.pop("uptime_seconds", None)
    assert fast_body == routed_body


def test_readiness_bytes_follow_the_verdict(client: TestClient) -> None:
    assert client.get("/readyz").status_code == 200
    client.app.state.runtime.lifecycle.begin_drain()  # type: ignore[attr-defined]
    draining = client.get("/readyz")
    assert draining.status_code == 503
    assert {"name": "drain", "ok": False, "message": "draining after SIGTERM"} in draining.json()[
        "checks"
    ]
    assert client.get("/meta").json()["ready"] is False


@pytest.mark.parametrize("headers", [{}, THROUGH_FRAMEWORK], ids=["fast", "framework"])
def test_error_drill_fails_meta_once_on_either_path(
    drill_client: TestClient, headers: dict[str, str]
) -> None:
    drill_client.patch("/faults", json={"error_rate": 1.0}, headers=AUTH)
    response = drill_client.get("/meta", headers={**headers, "x-request-id": "drill-1"})
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "status": 500,
            "code": "internal_error",
            "message": "injected by fault drill",
            "request_id": "drill-1",
        }
    }


def test_head_on_a_probe_has_headers_but_no_body(client: TestClient) -> None:
    response = client.head("/meta")
    assert response.status_code == 200
    assert response.content == b""
    assert int(response.headers["content-length"]) > 100
