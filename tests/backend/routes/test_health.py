from __future__ import annotations

from fastapi.testclient import TestClient

from tests.backend.conftest import AUTH, ClientFactory


def test_healthz_is_ok(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_lists_checks_when_ready(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {c["name"]: c["ok"] for c in body["checks"]} == {
        "startup": True,
        "drain": True,
        "operator": True,
    }


def test_readyz_is_503_while_starting(make_client: ClientFactory) -> None:
    client = make_client(startup_delay_seconds=30)
    response = client.get("/readyz")
    assert response.status_code == 503
    failing = [c for c in response.json()["checks"] if not c["ok"]]
    assert failing == [{"name": "startup", "ok": False, "message": "start-up in progress"}]
    assert client.get("/healthz").status_code == 200


def test_readyz_is_503_while_draining_but_healthz_stays_200(client: TestClient) -> None:
    client.app.state.runtime.lifecycle.begin_drain()  # type: ignore[attr-defined]
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200


def test_readyz_fails_on_unreachable_dependency(make_client: ClientFactory) -> None:
    client = make_client(readiness_urls="http://127.0.0.1:9/healthz")
    response = client.get("/readyz")
    assert response.status_code == 503
    check = response.json()["checks"][-1]
    assert check["name"] == "dependency:http://127.0.0.1:9/healthz"
    assert check["ok"] is False


def test_operator_can_disable_and_enable_readiness(drill_client: TestClient) -> None:
    assert (
        drill_client.patch("/faults", json={"readiness_disabled": True}, headers=AUTH).status_code
        == 200
    )
    response = drill_client.get("/readyz")
    assert response.status_code == 503
    assert {
        "name": "operator",
        "ok": False,
        "message": "disabled by an operator",
    } in response.json()["checks"]
    drill_client.patch("/faults", json={"readiness_disabled": False}, headers=AUTH)
    assert drill_client.get("/readyz").status_code == 200


def test_liveness_drill_fails_healthz_only(drill_client: TestClient) -> None:
    drill_client.patch("/faults", json={"liveness_failing": True}, headers=AUTH)
    response = drill_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert drill_client.get("/readyz").status_code == 200
    drill_client.delete("/faults", headers=AUTH)
    assert drill_client.get("/healthz").status_code == 200
