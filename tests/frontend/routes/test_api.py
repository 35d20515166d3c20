from __future__ import annotations

import pytest

from tests.frontend.status.node_objects import lost
from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.objects import rollout


def test_read_status_returns_versioned_document(make_client: ClientFactory) -> None:
    objects = rollout("web", "shop") + rollout("api", "shop", ready=1)
    body = make_client(StaticCluster(objects)).get("/api/v1/status").json()

    assert body["schema_version"] == "v1"
    assert body["cluster"]["configured"] is True
    (group,) = body["namespaces"]
    cards = {d["deployment"]["name"]: d["deployment"] for d in group["deployments"]}
    assert cards["web"]["health"]["code"] == "Healthy"
    assert cards["web"]["rollout"]["done"] is True
    assert cards["web"]["counts"]["desired"] == 3
    assert body["health_counts"]["Healthy"] == 1
    assert body["backend"]["stale"] in (True, False)


def test_read_status_is_published_in_openapi(make_client: ClientFactory) -> None:
    schema = make_client(StaticCluster()).get("/openapi.json").json()

    ref = schema["paths"]["/api/v1/status"]["get"]["responses"]["200"]["content"]
    assert ref["application/json"]["schema"]["$ref"].endswith("/StatusV1")
    assert "DeploymentCard" in schema["components"]["schemas"]


def test_read_status_filters_by_namespace(make_client: ClientFactory) -> None:
    cluster = StaticCluster(rollout("web", "shop") + rollout("db", "data"), ("shop", "data"))
    body = make_client(cluster).get("/api/v1/status", params={"namespace": "data"}).json()

    assert [g["namespace"] for g in body["namespaces"]] == ["data"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/v1/status?namespace=Not_Valid", 422, "invalid_request"),
        ("/api/v1/status?namespace=elsewhere", 404, "not_found"),
        ("/api/v1/nothing", 404, "not_found"),
    ],
)
def test_read_status_errors_are_json(
    make_client: ClientFactory, path: str, status: int, code: str
) -> None:
    response = make_client(StaticCluster()).get(path)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert "content-security-policy" in response.headers


def test_post_is_not_allowed(make_client: ClientFactory) -> None:
    response = make_client(StaticCluster()).post("/api/v1/status")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/v1/status/", "/healthz/"])
def test_trailing_slash_paths_are_404_not_redirects(make_client: ClientFactory, path: str) -> None:
    client = make_client(StaticCluster())
    response = client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_the_backend_urls_credentials_are_never_shown(make_client: ClientFactory) -> None:
    client = make_client(
        StaticCluster(rollout("web")), backend_url="http://probe:s3cret@127.0.0.1:9/?token=t0ken"
    )

    api = client.get("/api/v1/status").text
    page = client.get("/").text

    for shown in (api, page):
        assert "127.0.0.1:9" in shown
        assert "s3cret" not in shown
        assert "t0ken" not in shown


def test_openapi_documents_the_unwatched_namespace_404(make_client: ClientFactory) -> None:
    spec = make_client(StaticCluster()).get("/openapi.json").json()
    assert "404" in spec["paths"]["/api/v1/status"]["get"]["responses"]


def test_read_status_says_which_nodes_are_not_ready(make_client: ClientFactory) -> None:
    objects = [*rollout("web", "shop"), lost("node-1")]
    body = make_client(StaticCluster(objects)).get("/api/v1/status").json()

    (state,) = body["cluster"]["nodes"]
    assert state == {
        "name": "node-1", "status": "NotReady", "ready": None, "reason": "NodeStatusUnknown",
        "message": "Kubelet stopped posting node status.", "since": "2026-12-07T10:00:50Z",
        "unschedulable": False, "taints": [
            "node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute",
        ],
    }  # fmt: skip
    assert body["cluster"]["nodes_left_out"] == 0
    (entry,) = body["namespaces"][0]["deployments"]
    assert {pod["node_ready"] for pod in entry["deployment"]["pods"]} == {None}
    assert [n["name"] for n in entry["deployment"]["nodes_not_ready"]] == ["node-1"]


def test_the_board_page_shows_a_lost_node_by_its_pods(make_client: ClientFactory) -> None:
    page = make_client(StaticCluster([*rollout("web", "shop"), lost("node-1")])).get("/").text

    assert 'node node-1</span> <strong class="node-notready">NotReady</strong>' in page
    assert "(Kubelet stopped posting node status.) for <time" in page
    assert "Node not Ready" in page
    assert "style=" not in page.split("<body", 1)[1]
