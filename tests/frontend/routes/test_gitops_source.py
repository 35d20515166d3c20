"""The card and the API say what a Flux Kustomization's GitRepository is doing, and when a
reconciliation stopped going ahead: the recorded dev Kustomization (tests/fixtures/flux)
beside a GitRepository (tests/frontend/status/flux_sources.py), judged on the real clock."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import escape

from frontend.status.verdict import excerpt
from tests.frontend.status.fixtures import load_flux
from tests.frontend.status.flux_sources import (
    APPLIED,
    REFUSED,
    fetch_failed_conditions,
    gitrepository,
    token,
)
from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.objects import rollout

NS = "capflux-dev"
# Only a wake-up can move the version: no refresh, no probe within the test.
QUIET = {"batch_interval_ms": 20, "refresh_seconds": 3600, "probe_interval_seconds": 300}


def _cluster(source: dict[str, Any]) -> StaticCluster:
    objects = [*rollout("backend", NS), load_flux("ready").kustomization, source]
    return StaticCluster(objects, (NS,))


def _card(html: str) -> str:
    match = re.search(rf'<article [^>]*id="d-{NS}-backend".*?</article>', html, re.S)
    assert match, "no card for backend"
    return match.group(0)


def _flux(body: dict[str, Any]) -> dict[str, Any]:
    (group,) = body["namespaces"]
    (entry,) = group["deployments"]
    (flux,) = entry["gitops"]
    found: dict[str, Any] = flux
    return found


def test_git_server_down_the_source_fetch_failure_and_the_revision_still_applied(
    make_client: ClientFactory,
) -> None:
    source = gitrepository(conditions=fetch_failed_conditions(APPLIED, datetime.now(UTC)))
    client = make_client(_cluster(source))

    entry = _flux(client.get("/api/v1/status").json())
    card = _card(client.get("/").text)

    assert (entry["state"], entry["sync"]) == ("ready", "Ready")  # the Kustomization is fine
    assert entry["revision"] == entry["applied_revision"] == APPLIED
    assert entry["source_ref"] == "capflux/gitops-platform"
    assert (entry["source_state"], entry["source_phrase"], entry["source_reason"]) == (
        "failed", "source fetch failed", "GitOperationFailed",
    )  # fmt: skip
    assert entry["source_message"] == REFUSED
    assert entry["source_revision"] == APPLIED
    assert entry["stale"] is False
    assert f"source fetch failed: {escape(excerpt(REFUSED))}" in card
    assert f'title="{escape(REFUSED)}"' in card
    assert re.search(r"Flux still applies <code[^>]*>main@sha1:[0-9a-f]{12}</code>, the last "
                     r"revision it fetched", card)  # fmt: skip


def test_a_ready_source_adds_nothing_to_the_card(make_client: ClientFactory) -> None:
    client = make_client(_cluster(gitrepository()))

    entry = _flux(client.get("/api/v1/status").json())

    assert (entry["source_state"], entry["source_revision"], entry["stale"]) == (
        "ready", APPLIED, False,
    )  # fmt: skip
    assert "gitops-message" not in _card(client.get("/").text)


def test_a_reconcile_asked_and_not_handled_is_stale_with_since_when(
    make_client: ClientFactory,
) -> None:
    asked = datetime.now(UTC) - timedelta(seconds=42)
    client = make_client(_cluster(gitrepository(requested=token(asked))))

    entry = _flux(client.get("/api/v1/status").json())
    card = _card(client.get("/").text)

    assert (entry["stale"], entry["stale_reason"]) == (True, "SourceReconcileNotHandled")
    assert entry["stale_phrase"] == (
        "reconcile asked of GitRepository capflux/gitops-platform not handled"
    )
    assert datetime.fromisoformat(entry["stale_since"]) == asked
    assert entry["stale_since"].endswith("Z")  # RFC 3339, UTC
    assert entry["source_state"] == "ready"  # a stopped controller leaves its status as it was
    stamp = f"{asked:%Y-%m-%dT%H:%M:%SZ}"
    assert re.search(
        r"stale: reconcile asked of GitRepository capflux/gitops-platform not handled for "
        rf'<time class="ago" datetime="{stamp}">4[23]s</time>',
        card,
    )


def test_the_api_turns_stale_when_the_grace_ends_with_no_new_event(
    make_client: ClientFactory,
) -> None:
    asked = datetime.now(UTC) - timedelta(seconds=9.5)  # the 10 s grace ends in half a second
    client = make_client(_cluster(gitrepository(requested=token(asked))), **QUIET)

    first = client.get("/api/v1/status").json()
    assert _flux(first)["stale"] is False

    deadline, body = time.monotonic() + 5, first
    while time.monotonic() < deadline and not _flux(body)["stale"]:
        time.sleep(0.05)
        body = client.get("/api/v1/status").json()

    assert _flux(body)["stale"] is True
    assert datetime.fromisoformat(_flux(body)["stale_since"]) == asked
    assert body["board_version"] > first["board_version"]  # woken, not refreshed
    assert datetime.fromisoformat(body["generated_at"]) >= asked + timedelta(seconds=10)


def test_openapi_documents_the_source_and_staleness_fields(make_client: ClientFactory) -> None:
    schema = make_client(StaticCluster()).get("/openapi.json").json()["components"]["schemas"]

    props = schema["GitOpsStatus"]["properties"]
    assert {"source_ref", "source_state", "source_phrase", "source_reason", "source_message",
            "source_revision", "stale", "stale_reason", "stale_phrase",
            "stale_since"} <= set(props)  # fmt: skip
    assert schema["ClusterInfo"]["properties"]["api_state"]["enum"] == [
        "unknown", "ready", "not-ready", "unreachable",
    ]  # fmt: skip
