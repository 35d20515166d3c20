"""``/api/v1/environments`` and the board's environments view, on recorded Flux objects.

dev's Kustomization failed its health check (``health-check-failed``) and staging's waits
for it (``dependency-not-ready``): both recorded from the real Flux controllers
(tests/fixtures/flux); the workloads are built as the API returns them.
"""

from __future__ import annotations

import re
from typing import Any

from frontend.environments.view import SCHEMA
from tests.frontend.status.fixtures import load_flux
from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.objects import edited, rollout

DEV, STAGING = "capflux-dev", "capflux-staging"


def _cluster(dev_image: str = "registry.local/backend:1.3.0") -> StaticCluster:
    def image(obj: dict[str, Any]) -> None:
        if obj["kind"] == "Deployment":
            obj["spec"]["template"]["spec"]["containers"][0]["image"] = dev_image

    objects = [edited(o, image) for o in rollout("backend", DEV)] + rollout("backend", STAGING)
    objects += [
        load_flux("health-check-failed").kustomization,
        load_flux("dependency-not-ready").kustomization,
    ]
    return StaticCluster(objects, (DEV, STAGING))


def test_api_lists_environments_in_promotion_order_with_what_blocks_staging(
    make_client: ClientFactory,
) -> None:
    body = make_client(_cluster()).get("/api/v1/environments").json()
    assert body["schema_version"] == SCHEMA
    envs = body["environments"]
    assert [e["source"] for e in envs] == [
        "capflux/gitops-platform-dev",
        "capflux/gitops-platform-staging",
    ]
    dev, staging = envs
    assert dev["verdict"]["state"] == "failed"
    assert dev["blocked_by"] == []
    assert staging["blocked_by"] == [
        {"environment": dev["name"], "phrase": dev["verdict"]["phrase"]}
    ]
    assert "dependency 'capflux/gitops-platform-dev' is not ready" in staging["message"]
    assert staging["applied_revision"].startswith("main@sha1:")


def test_api_says_what_promoting_dev_to_staging_would_change(make_client: ClientFactory) -> None:
    body = make_client(_cluster()).get("/api/v1/environments").json()
    (row,) = [r for r in body["applications"] if r["application"] == "backend"]
    dev, staging = row["cells"]
    assert dev["namespace"] == DEV
    assert staging["namespace"] == STAGING
    assert dev["version"] == "1.3.0"
    (step,) = row["steps"]
    assert (step["earlier"], step["later"]) == (dev["environment"], staging["environment"])
    images = [c for c in step["changes"] if c["setting"].startswith("image ")]
    assert images
    assert images[0]["then"] == "registry.local/backend:1.3.0"
    assert images[0]["now"] != images[0]["then"]


def test_board_page_shows_the_view_and_links_cards_to_their_environment(
    make_client: ClientFactory,
) -> None:
    client = make_client(_cluster())
    html = client.get("/").text
    section = re.search(r'<section id="environments".*?</section>', html, re.S)
    assert section is not None
    view = section.group(0)
    assert "blocked by" in view
    assert f'href="#d-{DEV}-backend"' in view
    # The card's Flux line links back to its environment's column.
    assert 'href="#ks-capflux-gitops-platform-dev"' in html
    fragment = client.get("/fragments/environments").text
    assert fragment.count('id="ks-capflux-gitops-platform-') == 2


def test_without_kustomizations_the_view_is_empty_and_hidden(make_client: ClientFactory) -> None:
    client = make_client(StaticCluster(rollout("backend", DEV), (DEV,)))
    body = client.get("/api/v1/environments").json()
    assert body["environments"] == []
    assert body["applications"] == []
    assert '<section id="environments" class="environments" hidden>' in client.get("/").text


def test_openapi_documents_the_environments_schema(make_client: ClientFactory) -> None:
    schema = make_client(StaticCluster([], (DEV,))).get("/openapi.json").json()
    assert "/api/v1/environments" in schema["paths"]
    assert "EnvironmentsV1" in schema["components"]["schemas"]


def test_inventory_fragment_lists_what_a_kustomization_applied_with_health_and_links(
    make_client: ClientFactory,
) -> None:
    client = make_client(_cluster())
    html = client.get(
        "/fragments/environments/inventory", params={"source": "capflux/gitops-platform-dev"}
    ).text
    assert f'<a href="#d-{DEV}-backend">Deployment {DEV}/backend</a>' in html
    assert "Healthy" in html
    # frontend is in the recorded inventory but not on this board.
    assert f"Deployment {DEV}/frontend <span" in html
    assert "not on the board" in html


def test_inventory_fragment_refuses_an_unknown_or_malformed_source(
    make_client: ClientFactory,
) -> None:
    client = make_client(_cluster())
    missing = client.get("/fragments/environments/inventory", params={"source": "capflux/nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert "capflux/nope" in missing.text
    bad = client.get("/fragments/environments/inventory", params={"source": "no slash"})
    assert bad.status_code == 422


def test_api_gives_each_applied_workload_its_cards_health(make_client: ClientFactory) -> None:
    body = make_client(_cluster()).get("/api/v1/environments").json()
    workloads = {
        (w["namespace"], w["name"]): w["health"] for w in body["environments"][0]["workloads"]
    }
    assert workloads == {(DEV, "backend"): "Healthy", (DEV, "frontend"): None}
