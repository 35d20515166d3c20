"""GitOps sync status per Deployment, from Argo CD Applications and Flux Kustomizations.

The Flux cases run on Kustomizations recorded from real source- and kustomize-controllers
(tests/fixtures/flux, ``tools/cluster/capture_flux_fixtures.py``); the few states the
capture does not drive are one explicit edit of a recorded object, named in the test id.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from frontend.status.gitops import GitOpsStatus, flux_verdict, gitops_index
from frontend.status.verdict import MESSAGE_EXCERPT, State, excerpt, short_revision
from tests.frontend.status.fixtures import flux_scenarios, load_flux, variant
from tests.frontend.status.flux_sources import (
    APPLIED,
    REFUSED,
    ago,
    fetch_failed_conditions,
    gitrepository,
    token,
)

Obj = dict[str, Any]
SHA = "a" * 40
OTHER = "b" * 40
SYNC_ERROR = {"type": "SyncError", "message": "one"}
COMPARISON_ERROR = {"type": "ComparisonError", "message": "two"}
DEV = ("capflux-dev", "backend")


def _application(*resources: Obj, sync: Obj | None = None, **status: Any) -> Obj:
    return {
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {"destination": {"namespace": "shop"}},
        "status": {"sync": sync or {"status": "OutOfSync", "revision": SHA},
                   "resources": list(resources), **status},
    }  # fmt: skip


def _deployment(name: str = "web", **fields: Any) -> Obj:
    return {"group": "apps", "kind": "Deployment", "name": name, **fields}


def _kustomization(*ids: str, ready: Obj | None = None) -> Obj:
    conditions = [] if ready is None else [{"type": "Ready", **ready}]
    return {
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "status": {
            "lastAppliedRevision": "main@sha1:abc",
            "conditions": [{"type": "Reconciling", "status": "False"}, *conditions],
            "inventory": {"entries": [{"id": entry, "v": "v1"} for entry in ids]},
        },
    }


_ARGO_STATE: dict[str, tuple[State, str]] = {
    "Synced": ("ready", "synced"),
    "OutOfSync": ("out-of-sync", "out of sync"),
}


def _argo(sync: str, health: str | None, message: str | None = None, **extra: Any) -> GitOpsStatus:
    state, phrase = _ARGO_STATE.get(sync, ("unknown", "status unknown"))
    status = GitOpsStatus("Argo CD", "argocd/shop", sync, health, SHA, message,
                          state=state, phrase=phrase)  # fmt: skip
    return replace(status, **extra)


ARGO_CASES = [
    pytest.param(
        _application(_deployment(status="Synced", health={"status": "Healthy"})),
        {("shop", "web"): (_argo("Synced", "Healthy"),)},
        id="deployment-resource-with-its-own-sync-and-health",
    ),
    pytest.param(
        _application(_deployment()),
        {("shop", "web"): (_argo("OutOfSync", None),)},
        id="resource-without-status-takes-the-application-sync",
    ),
    pytest.param(
        _application(_deployment(), sync={"revision": SHA}),
        {("shop", "web"): (_argo("Unknown", None),)},
        id="no-sync-status-anywhere-is-unknown",
    ),
    pytest.param(
        _application(_deployment(namespace="prod")),
        {("prod", "web"): (_argo("OutOfSync", None),)},
        id="resource-namespace-wins-over-the-destination",
    ),
    pytest.param(
        _application(
            {"group": "", "kind": "Service", "name": "web", "status": "Synced"},
            {"group": "argoproj.io", "kind": "Deployment", "name": "not-apps"},
        ),
        {},
        id="only-apps-deployments-are-mapped",
    ),
    pytest.param(
        _application(_deployment(), conditions=[SYNC_ERROR, {"type": "X"}, COMPARISON_ERROR]),
        {
            ("shop", "web"): (
                _argo(
                    "OutOfSync",
                    None,
                    "one; two",
                    state="failed",
                    phrase="sync failed",
                    reason="SyncError",
                ),
            )
        },
        id="condition-messages-are-joined-and-the-first-error-decides",
    ),
    pytest.param(
        _application(
            _deployment(),
            conditions=[
                {"type": "OrphanedResourceWarning", "message": "orphans"},
                COMPARISON_ERROR,
            ],
        ),
        {
            ("shop", "web"): (
                _argo(
                    "OutOfSync",
                    None,
                    "two; orphans",
                    state="failed",
                    phrase="comparison failed",
                    reason="ComparisonError",
                ),
            )
        },
        id="comparison-error-fails-warnings-do-not",
    ),
    pytest.param(
        _application(
            _deployment(status="OutOfSync"),
            operationState={
                "phase": "Failed",
                "message": "one or more objects failed to apply",
                "syncResult": {"revision": OTHER},
            },
            history=[{"id": 0, "revision": SHA}],
        ),
        {
            ("shop", "web"): (
                _argo(
                    "OutOfSync",
                    None,
                    "one or more objects failed to apply",
                    state="failed",
                    phrase="sync failed",
                    reason="SyncFailed",
                    applied_revision=SHA,
                    attempted_revision=OTHER,
                ),
            )
        },
        id="failed-sync-operation-with-applied-and-attempted-revisions",
    ),
    pytest.param(
        _application(
            _deployment(status="Synced"),
            operationState={
                "phase": "Running",
                "message": "waiting for healthy state",
                "operation": {"sync": {"revision": SHA}},
            },
            history=[{"id": 0, "revision": SHA}],
        ),
        {
            ("shop", "web"): (
                _argo(
                    "Synced",
                    None,
                    "waiting for healthy state",
                    state="reconciling",
                    phrase="syncing",
                    applied_revision=SHA,
                ),
            )
        },
        id="running-operation-is-syncing-same-revision-not-repeated",
    ),
]


@pytest.mark.parametrize(("application", "expected"), ARGO_CASES)
def test_gitops_index_maps_argo_application_resources(
    application: Obj, expected: dict[tuple[str, str], tuple[GitOpsStatus, ...]]
) -> None:
    assert gitops_index([application], []) == expected


FLUX_CASES = [
    pytest.param(
        {"status": "False", "reason": "HealthCheckFailed", "message": "timeout"},
        ("NotReady", "HealthCheckFailed", "timeout"),
        id="ready-false-is-not-ready-with-its-reason",
    ),
    pytest.param(
        {"status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision"},
        ("Ready", "ReconciliationSucceeded", "Applied revision"),
        id="ready-true-is-ready",
    ),
    pytest.param(None, ("Unknown", None, None), id="no-ready-condition-is-unknown"),
    pytest.param({"status": "Unknown"}, ("Unknown", None, None), id="ready-unknown-is-unknown"),
]


@pytest.mark.parametrize(("ready", "expected"), FLUX_CASES)
def test_gitops_index_maps_flux_inventory_entries(
    ready: Obj | None, expected: tuple[str, str | None, str | None]
) -> None:
    kustomization = _kustomization("shop_web_apps_Deployment", ready=ready)

    (status,) = gitops_index([], [kustomization])[("shop", "web")]

    assert (status.tool, status.source, status.revision) == ("Flux", "flux-system/apps",
                                                             "main@sha1:abc")  # fmt: skip
    assert (status.sync, status.health, status.message) == expected


def test_gitops_index_skips_flux_entries_that_are_not_deployments() -> None:
    kustomization = _kustomization(
        "shop_web__Service", "shop_web_apps_StatefulSet", "malformed", "a_b_c_apps_Deployment"
    )

    assert gitops_index([], [kustomization]) == {}


def test_gitops_index_lists_every_tool_managing_a_deployment() -> None:
    both = gitops_index([_application(_deployment())], [_kustomization("shop_web_apps_Deployment")])

    assert [status.tool for status in both[("shop", "web")]] == ["Argo CD", "Flux"]


# --- recorded Kustomizations ----------------------------------------------------------------

# scenario: state, phrase, reason, a piece of Flux's own message, the Deployment's key
RECORDED = {
    "ready": ("ready", "ready", "ReconciliationSucceeded", "Applied revision: main@sha1:", DEV),
    "recovered": ("ready", "ready", "ReconciliationSucceeded", "Applied revision: ", DEV),
    "reconciling": ("reconciling", "reconciling", "Progressing",
                    "Running health checks for revision main@sha1:", DEV),
    "reconciliation-failed": ("failed", "reconciliation failed", "ReconciliationFailed",
                              'Deployment/capflux-dev/backend dry-run failed (Invalid): '
                              'Deployment.apps "backend" is invalid: spec.replicas', DEV),
    "build-failed": ("failed", "build failed", "BuildFailed",
                     "kustomize build failed: trouble configuring builtin PatchTransformer", DEV),
    "health-check-failed": ("failed", "health check failed", "HealthCheckFailed",
                            "failed early due to stalled resources: "
                            "[Deployment/capflux-dev/backend status: 'Failed']", DEV),
    "dependency-not-ready": ("failed", "waiting for dependency", "DependencyNotReady",
                             "dependency 'capflux/gitops-platform-dev' is not ready",
                             ("capflux-staging", "backend")),
    "artifact-failed": ("failed", "source artifact unavailable", "ArtifactFailed",
                        "kustomization path not found", ("capflux-staging", "backend")),
    "stalled": ("failed", "reconciliation stalled", "InvalidCELExpression",
                "Reconciliation failed terminally due to configuration error",
                ("capflux-staging", "backend")),
}  # fmt: skip


def test_every_recorded_kustomization_has_a_case() -> None:
    assert sorted(RECORDED) == flux_scenarios()


@pytest.mark.parametrize("scenario", sorted(RECORDED))
def test_recorded_kustomization_state_reason_and_message(scenario: str) -> None:
    state, phrase, reason, message, key = RECORDED[scenario]
    capture = load_flux(scenario)

    index = gitops_index([], [capture.kustomization])
    (status,) = index[key]

    assert (status.state, status.phrase, status.reason) == (state, phrase, reason)
    assert status.message is not None
    assert message in status.message
    # Both Deployments of the environment carry the same verdict.
    assert index[(key[0], "frontend")] == (status,)


@pytest.mark.parametrize("scenario", sorted(RECORDED))
def test_recorded_kustomization_applied_and_attempted_revisions(scenario: str) -> None:
    capture = load_flux(scenario)
    (status,) = gitops_index([], [capture.kustomization])[RECORDED[scenario][4]]

    # The commits the capture pushed: applied is the last good one; attempted only when a
    # later commit was tried (and is not the applied one).
    assert status.applied_revision == capture.revisions["applied"]
    assert status.revision == capture.revisions["applied"]  # the v1 field, unchanged
    assert status.attempted_revision == capture.revisions.get("attempted")
    if status.attempted_revision:
        assert status.state in ("failed", "reconciling")


def test_failed_kustomization_keeps_ready_false_while_flux_retries() -> None:
    # Flux marks Reconciling=True/ProgressingWithRetry beside Ready=False: still a failure.
    kustomization = load_flux("reconciliation-failed").kustomization
    reconciling = next(c for c in kustomization["status"]["conditions"]
                       if c["type"] == "Reconciling")  # fmt: skip

    assert (reconciling["status"], reconciling["reason"]) == ("True", "ProgressingWithRetry")
    assert flux_verdict(kustomization).state == "failed"


def test_reconciliation_failed_message_is_trimmed_of_flux_trailing_newline() -> None:
    kustomization = load_flux("reconciliation-failed").kustomization
    ready = next(c for c in kustomization["status"]["conditions"] if c["type"] == "Ready")

    assert ready["message"].endswith("\n")
    assert flux_verdict(kustomization).message == ready["message"].strip()


def _set(path: str, value: Any) -> Any:
    *parents, last = path.split(".")

    def edit(obj: Obj) -> None:
        node = obj
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return edit


def _reason(reason: str) -> Any:
    def edit(obj: Obj) -> None:
        for found in obj["status"]["conditions"]:
            if found["type"] == "Ready":
                found["reason"] = reason

    return edit


EDITED = [
    pytest.param("ready", _set("spec.suspend", True),
                 ("suspended", "reconciliation suspended", "ReconciliationSucceeded"),
                 id="ready+spec.suspend-is-suspended"),
    pytest.param("health-check-failed", _set("spec.suspend", True),
                 ("suspended", "reconciliation suspended", "HealthCheckFailed"),
                 id="failed+spec.suspend-is-suspended-with-the-last-reason"),
    pytest.param("ready", _set("metadata.generation", 2),
                 ("reconciling", "reconciling (spec change not observed yet)", None),
                 id="ready+generation-ahead-is-reconciling"),
    pytest.param("ready", _set("status.conditions", []), ("unknown", "status unknown", None),
                 id="ready-without-conditions-is-unknown"),
    pytest.param("health-check-failed", _reason("HealthCheckCanceled"),
                 ("reconciling", "reconciling (health check canceled)", "HealthCheckCanceled"),
                 id="health-check-failed+reason-HealthCheckCanceled-is-reconciling"),
    pytest.param("health-check-failed", _reason("SomethingNew"),
                 ("failed", "reconciliation failed", "SomethingNew"),
                 id="health-check-failed+an-unknown-reason-is-reconciliation-failed"),
    pytest.param("build-failed", _reason("PruneFailed"),
                 ("failed", "prune failed", "PruneFailed"),
                 id="build-failed+reason-PruneFailed-is-prune-failed"),
]  # fmt: skip


@pytest.mark.parametrize(("scenario", "edit", "expected"), EDITED)
def test_edited_kustomization_state(
    scenario: str, edit: Any, expected: tuple[str, str, str | None]
) -> None:
    verdict = flux_verdict(variant(load_flux(scenario).kustomization, edit))

    assert (verdict.state, verdict.phrase, verdict.reason) == expected


# --- what the card shows of messages and revisions ---------------------------------------------


@pytest.mark.parametrize(
    ("revision", "short"),
    [
        pytest.param("main@sha1:" + SHA, "main@sha1:" + SHA[:12], id="flux-branch"),
        pytest.param("v1.2.3@sha1:" + SHA, "v1.2.3@sha1:" + SHA[:12], id="flux-tag"),
        pytest.param("sha256:" + "c" * 64, "sha256:" + "c" * 12, id="flux-oci-digest"),
        pytest.param(SHA, SHA[:12], id="argo-bare-sha"),
        pytest.param("main@sha1:abc", "main@sha1:abc", id="short-already"),
        pytest.param("HEAD", "HEAD", id="not-a-digest"),
    ],
)
def test_short_revision(revision: str, short: str) -> None:
    assert short_revision(revision) == short


def test_excerpt_folds_whitespace_and_cuts_long_messages_at_a_word() -> None:
    long = "word " * 100

    cut = excerpt(long)

    assert excerpt("a\n  b\tc\n") == "a b c"
    assert len(cut) <= MESSAGE_EXCERPT
    assert cut.endswith("word…")


def test_status_reports_whether_its_message_was_cut() -> None:
    capture = load_flux("stalled").kustomization
    (status,) = gitops_index([], [capture])[("capflux-staging", "backend")]

    assert status.message is not None
    assert len(status.message) > MESSAGE_EXCERPT
    assert status.truncated
    assert status.excerpt.endswith("…")
    assert (status.applied_short or "").startswith("main@sha1:")
    assert len(status.applied_short or "") == len("main@sha1:") + 12


# --- each Flux entry's source and staleness -------------------------------------------------


def test_flux_entry_carries_its_gitrepository_failure_and_the_revision_still_applied() -> None:
    capture = load_flux("ready")
    failed_at = datetime(2026, 12, 1, 10, 20, tzinfo=UTC)
    source = gitrepository(conditions=fetch_failed_conditions(APPLIED, failed_at))

    index = gitops_index([], [capture.kustomization], [source], failed_at)
    (status,) = index[DEV]

    assert (status.state, status.phrase) == ("ready", "ready")  # the Kustomization is fine
    assert status.source_ref == "capflux/gitops-platform"
    assert (status.source_state, status.source_phrase, status.source_reason) == (
        "failed", "source fetch failed", "GitOperationFailed",
    )  # fmt: skip
    assert status.source_message == REFUSED
    assert status.source_revision == status.applied_revision == capture.revisions["applied"]
    assert (status.stale, status.stale_reason, status.stale_since) == (False, None, None)
    assert index[(DEV[0], "frontend")] == (status,)


def test_flux_entry_stale_with_what_and_since_when() -> None:
    now = datetime(2026, 12, 1, 10, 20, tzinfo=UTC)
    source = gitrepository(requested=token(ago(now, 30)))

    (status,) = gitops_index([], [load_flux("ready").kustomization], [source], now)[DEV]

    assert (status.stale, status.stale_reason, status.stale_since) == (
        True, "SourceReconcileNotHandled", ago(now, 30),
    )  # fmt: skip
    assert status.stale_phrase == (
        "reconcile asked of GitRepository capflux/gitops-platform not handled"
    )
    assert status.source_state == "ready"  # it says nothing of a stopped controller


def test_flux_entry_without_a_now_is_not_judged_stale() -> None:
    source = gitrepository(requested="2026-12-01T09:00:00Z")

    (status,) = gitops_index([], [load_flux("ready").kustomization], [source])[DEV]

    assert (status.stale, status.source_state) == (False, "ready")


def test_flux_entry_with_its_source_unseen_says_so_and_argo_entries_have_no_source() -> None:
    both = gitops_index(
        [_application(_deployment(namespace=DEV[0], name=DEV[1]))],
        [load_flux("ready").kustomization],
        [],
        datetime(2026, 12, 1, 10, 20, tzinfo=UTC),
    )
    argo, flux = both[DEV]

    assert (flux.source_state, flux.source_phrase, flux.source_revision) == (
        "unknown", "source not seen", None,
    )  # fmt: skip
    assert (argo.source_ref, argo.source_state, argo.stale) == (None, None, False)
