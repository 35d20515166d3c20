from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.backend.support import AUTH, ClientFactory


def test_fault_endpoints_do_not_exist_unless_enabled(client: TestClient) -> None:
    assert client.get("/faults", headers=AUTH).status_code == 404
    assert client.patch("/faults", json={"latency_ms": 5}, headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "missing bearer token"),
        ({"Authorization": "Bearer wrong-token-wrong-token"}, "invalid bearer token"),
        ({"Authorization": "Basic Zm9vOmJhcg=="}, "missing bearer token"),
    ],
)
def test_faults_need_the_bearer_token(
    drill_client: TestClient, headers: dict[str, str], message: str
) -> None:
    response = drill_client.get("/faults", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"]["message"] == message


def test_set_read_and_clear_faults(drill_client: TestClient) -> None:
    assert drill_client.get("/faults", headers=AUTH).json() == {
        "readiness_disabled": False,
        "liveness_failing": False,
        "latency_ms": 0,
        "error_rate": 0.0,
    }
    changed = drill_client.patch(
        "/faults", json={"latency_ms": 20, "error_rate": 0.5}, headers=AUTH
    )
    assert changed.json()["latency_ms"] == 20
    assert changed.json()["error_rate"] == 0.5
    assert drill_client.get("/faults", headers=AUTH).json()["latency_ms"] == 20
    cleared = drill_client.delete("/faults", headers=AUTH).json()
    assert cleared == {
        "readiness_disabled": False,
        "liveness_failing": False,
        "latency_ms": 0,
        "error_rate": 0.0,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"error_rate": 1.5}, "body.error_rate"),
        ({"latency_ms": -1}, "body.latency_ms"),
        ({"latency_ms": 10**9}, "body.latency_ms"),
        ({"surprise": True}, "body.surprise"),
        ({"readiness_disabled": "maybe"}, "body.readiness_disabled"),
        # Strict types: JSON true is not 1 ms, 1 is not a boolean, "5" is not a number.
        ({"latency_ms": True}, "body.latency_ms"),
        ({"latency_ms": 2.5}, "body.latency_ms"),
        ({"liveness_failing": 1}, "body.liveness_failing"),
        ({"error_rate": "0.5"}, "body.error_rate"),
    ],
)
def test_bad_fault_values_get_422_naming_the_field(
    drill_client: TestClient, body: dict[str, object], field: str
) -> None:
    response = drill_client.patch("/faults", json=body, headers=AUTH)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"][0]["field"] == field
    assert field in error["message"]


@pytest.mark.parametrize("latency", [1.0, 250.0, 0.0])
def test_a_whole_number_written_with_a_fraction_is_the_integer_the_schema_allows(
    drill_client: TestClient, latency: float
) -> None:
    # JSON Schema's "integer" (the OpenAPI document's type) matches 1.0.
    response = drill_client.patch("/faults", json={"latency_ms": latency}, headers=AUTH)

    assert response.status_code == 200
    assert response.json()["latency_ms"] == int(latency)
    assert isinstance(response.json()["latency_ms"], int)


def test_error_drill_hits_app_routes_but_never_probes_or_metrics(drill_client: TestClient) -> None:
    drill_client.patch("/faults", json={"error_rate": 1.0}, headers=AUTH)
    response = drill_client.get("/meta")
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "injected by fault drill"
    assert drill_client.get("/healthz").status_code == 200
    assert drill_client.get("/readyz").status_code == 200
    assert drill_client.get("/metrics").status_code == 200
    assert drill_client.get("/faults", headers=AUTH).status_code == 200


def test_latency_drill_delays_app_routes_only(make_client: ClientFactory) -> None:
    client = make_client(faults_enabled=True, faults_token="t" * 20)
    auth = {"Authorization": "Bearer " + "t" * 20}
    client.patch("/faults", json={"latency_ms": 400}, headers=auth)
    slow = client.get("/meta")
    fast = client.get("/healthz")
    # Elapsed time is measured by httpx; a 400 ms drill cannot finish sooner.
    assert slow.elapsed.total_seconds() >= 0.4
    assert fast.elapsed.total_seconds() < 0.4


def test_openapi_documents_the_drills_401_and_options_lists_every_method(
    drill_client: TestClient,
) -> None:
    spec = drill_client.get("/openapi.json").json()
    for method in ("get", "patch", "delete"):
        assert "401" in spec["paths"]["/faults"][method]["responses"]
    response = drill_client.options("/faults", headers=AUTH)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH, DELETE"
