"""The card and the API say why a recorded Flux Kustomization failed (tests/fixtures/flux)."""

from __future__ import annotations

import re
from typing import Any

from markupsafe import escape

from frontend.status.verdict import excerpt
from tests.frontend.status.fixtures import load_flux
from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.objects import rollout

NS = "capflux-dev"


def _cluster(*scenarios: str) -> StaticCluster:
    # The recorded Kustomizations manage backend and frontend in capflux-dev.
    objects = rollout("backend", NS) + rollout("frontend", NS)
    objects += [load_flux(s).kustomization for s in scenarios]
    return StaticCluster(objects, (NS,))


def _card(html: str, name: str) -> str:
    match = re.search(rf'<article [^>]*id="d-{NS}-{name}".*?</article>', html, re.S)
    assert match, f"no card for {name}"
    return match.group(0)


def _message(scenario: str) -> str:
    kustomization = load_flux(scenario).kustomization
    ready = next(c for c in kustomization["status"]["conditions"] if c["type"] == "Ready")
    return str(ready["message"]).strip()


def test_card_says_reconciliation_failed_with_flux_message_escaped(
    make_client: ClientFactory,
) -> None:
    capture = load_flux("reconciliation-failed")
    message = _message("reconciliation-failed")
    assert '"backend"' in message  # the recorded message has quotes for autoescape to handle

    for path in ("/", "/fragments/board"):
        card = _card(make_client(_cluster("reconciliation-failed")).get(path).text, "backend")

        assert "reconciliation failed" in card
        assert "ReconciliationFailed" in card
        assert "&#34;backend&#34; is invalid" in card  # Jinja's autoescape
        assert escape(message) in card  # as text and, whole, in the title attribute
        assert f'title="{escape(message)}"' in card
        assert '"backend" is invalid' not in card
        applied = capture.revisions["applied"].removeprefix("main@sha1:")[:12]
        attempted = capture.revisions["attempted"].removeprefix("main@sha1:")[:12]
        assert re.search(rf"applied <code[^>]*>main@sha1:{applied}</code>, attempted "
                         rf"<code[^>]*>main@sha1:{attempted}</code> failed", card)  # fmt: skip


def test_card_cuts_a_long_message_and_keeps_it_whole_in_the_title(
    make_client: ClientFactory,
) -> None:
    kustomization = load_flux("stalled").kustomization
    kustomization["status"]["inventory"]["entries"] = [{"id": f"{NS}_backend_apps_Deployment",
                                                        "v": "v1"}]  # fmt: skip
    message = next(c["message"] for c in kustomization["status"]["conditions"]
                   if c["type"] == "Stalled").strip()  # fmt: skip
    objects = [*rollout("backend", NS), kustomization]

    card = _card(make_client(StaticCluster(objects, (NS,))).get("/").text, "backend")

    assert "reconciliation stalled" in card
    assert f'title="{escape(message)}"' in card
    assert f"</span> {escape(excerpt(message))}</p>" in card
    assert excerpt(message).endswith("…")


def test_card_shows_reconciling_and_ready(make_client: ClientFactory) -> None:
    html = make_client(_cluster("reconciling")).get("/").text
    card = _card(html, "backend")
    assert '<strong class="gitops-phrase">reconciling</strong>' in card
    assert "Running health checks for revision" in card
    assert "attempted" in card
    assert " failed" not in card.split("attempted", 1)[1].split("</dd>", 1)[0]

    card = _card(make_client(_cluster("ready")).get("/").text, "backend")
    assert '<strong class="gitops-phrase">ready</strong>' in card
    assert "attempted" not in card
    assert "gitops-message" not in card  # nothing to explain when all is well


def test_card_gitops_markup_has_no_inline_style(make_client: ClientFactory) -> None:
    html = make_client(_cluster("health-check-failed")).get("/").text

    assert " style=" not in html
    assert "health check failed" in html


def _gitops(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    (group,) = body["namespaces"]
    (entry,) = [e for e in group["deployments"] if e["deployment"]["name"] == name]
    found: list[dict[str, Any]] = entry["gitops"]
    return found


def test_api_gitops_entry_has_state_reason_message_and_revisions(
    make_client: ClientFactory,
) -> None:
    capture = load_flux("health-check-failed")
    body = make_client(_cluster("health-check-failed")).get("/api/v1/status").json()

    (entry,) = _gitops(body, "backend")

    assert entry["tool"] == "Flux"
    assert entry["source"] == "capflux/gitops-platform-dev"
    # v1 fields kept as they were
    assert (entry["sync"], entry["health"]) == ("NotReady", "HealthCheckFailed")
    assert entry["revision"] == capture.revisions["applied"]
    # added fields
    assert entry["state"] == "failed"
    assert entry["phrase"] == "health check failed"
    assert entry["reason"] == "HealthCheckFailed"
    assert entry["message"] == _message("health-check-failed")
    assert entry["applied_revision"] == capture.revisions["applied"]
    assert entry["attempted_revision"] == capture.revisions["attempted"]


def test_api_gitops_ready_entry_has_no_attempted_revision(make_client: ClientFactory) -> None:
    body = make_client(_cluster("ready")).get("/api/v1/status").json()

    (entry,) = _gitops(body, "frontend")

    assert (entry["state"], entry["reason"]) == ("ready", "ReconciliationSucceeded")
    assert entry["attempted_revision"] is None
    assert entry["applied_revision"] == load_flux("ready").revisions["applied"]


def test_openapi_documents_the_gitops_state_values(make_client: ClientFactory) -> None:
    schema = make_client(StaticCluster()).get("/openapi.json").json()

    props = schema["components"]["schemas"]["GitOpsStatus"]["properties"]
    assert {"state", "phrase", "reason", "applied_revision", "attempted_revision"} <= set(props)
    assert set(props["state"]["enum"]) == {
        "ready", "reconciling", "failed", "suspended", "out-of-sync", "unknown"
    }  # fmt: skip
