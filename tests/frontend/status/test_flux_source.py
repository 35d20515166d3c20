"""A Kustomization's source: its GitRepository found by ``spec.sourceRef``, and what
source-controller says of it (GitRepositories: tests/frontend/status/flux_sources.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from frontend.status.flux_source import flux_source, index_sources, source_key, source_verdict
from tests.frontend.status.fixtures import load_flux, variant
from tests.frontend.status.flux_sources import (
    APPLIED,
    NEWER,
    REFUSED,
    fetch_failed_conditions,
    gitrepository,
    reconciling_conditions,
    stalled_conditions,
)

Obj = dict[str, Any]
AT = datetime(2026, 12, 1, 10, 20, tzinfo=UTC)


def _generation(value: int) -> Any:
    def edit(obj: Obj) -> None:
        obj["metadata"]["generation"] = value

    return edit


VERDICTS = [
    pytest.param(gitrepository(), ("ready", "source ready", "Succeeded"),
                 f"stored artifact for revision '{APPLIED}'", id="ready"),
    pytest.param(gitrepository(conditions=fetch_failed_conditions(APPLIED, AT)),
                 ("failed", "source fetch failed", "GitOperationFailed"), REFUSED,
                 id="git-server-down-fetch-failed"),
    pytest.param(gitrepository(conditions=reconciling_conditions(NEWER, AT)),
                 ("reconciling", "source reconciling", "Progressing"),
                 f"building artifact: new upstream revision '{NEWER}'", id="building-new-revision"),
    pytest.param(gitrepository(conditions=stalled_conditions(APPLIED, AT)),
                 ("failed", "source stalled", "URLInvalid"), "git URL is malformed",
                 id="stalled-on-an-invalid-url"),
    pytest.param(gitrepository(conditions=fetch_failed_conditions(APPLIED, AT), suspend=True),
                 ("suspended", "source suspended", "GitOperationFailed"), REFUSED,
                 id="suspended-wins-over-its-failure"),
    pytest.param(variant(gitrepository(), _generation(2)),
                 ("reconciling", "source spec change not observed yet", None), None,
                 id="ready+generation-ahead"),
    pytest.param(gitrepository(conditions=[]), ("unknown", "source status unknown", None), None,
                 id="no-conditions-yet"),
]  # fmt: skip


@pytest.mark.parametrize(("repository", "expected", "message"), VERDICTS)
def test_source_verdict(
    repository: Obj, expected: tuple[str, str, str | None], message: str | None
) -> None:
    verdict = source_verdict(repository)

    assert (verdict.state, verdict.phrase, verdict.reason) == expected
    if message is None:
        assert verdict.message is None
    else:
        assert message in (verdict.message or "")


@pytest.mark.parametrize(
    ("reason", "phrase"),
    [
        ("AuthenticationFailed", "source authentication failed"),
        ("StorageOperationFailed", "source storage failed"),
        ("SomethingNew", "source fetch failed"),  # FetchFailed=True says what failed
    ],
)
def test_ready_false_reasons_in_words(reason: str, phrase: str) -> None:
    conditions = fetch_failed_conditions(APPLIED, AT)
    for found in conditions:
        if found["type"] in ("Ready", "FetchFailed"):
            found["reason"] = reason

    assert source_verdict(gitrepository(conditions=conditions)).phrase == phrase


def test_ready_false_without_a_fetch_failure_is_not_ready() -> None:
    conditions = [c for c in fetch_failed_conditions(APPLIED, AT) if c["type"] != "FetchFailed"]
    for found in conditions:
        found["reason"] = "SomethingNew"

    assert source_verdict(gitrepository(conditions=conditions)).phrase == "source not ready"


def _ref(**ref: str) -> Any:
    def edit(obj: Obj) -> None:
        obj["spec"]["sourceRef"] = ref

    return edit


@pytest.mark.parametrize(
    ("edit", "key"),
    [
        pytest.param(lambda _: None, ("capflux", "gitops-platform"),
                     id="recorded-ref-in-the-kustomizations-namespace"),
        pytest.param(_ref(kind="GitRepository", name="config", namespace="flux-system"),
                     ("flux-system", "config"), id="cross-namespace-ref"),
        pytest.param(_ref(kind="OCIRepository", name="gitops-platform"), None,
                     id="another-kind-of-source-is-not-read"),
        pytest.param(_ref(kind="GitRepository"), None, id="no-name"),
    ],
)  # fmt: skip
def test_source_key(edit: Any, key: tuple[str, str] | None) -> None:
    assert source_key(variant(load_flux("ready").kustomization, edit)) == key


def test_flux_source_finds_the_gitrepository_and_its_artifact_revision() -> None:
    repositories = index_sources([gitrepository(NEWER), gitrepository(namespace="elsewhere")])

    found = flux_source(load_flux("ready").kustomization, repositories)

    assert found is not None
    assert (found.ref, found.revision, found.verdict.state) == (
        "capflux/gitops-platform", NEWER, "ready",
    )  # fmt: skip
    assert found.obj is repositories[("capflux", "gitops-platform")]


def test_flux_source_not_on_the_board_is_unknown_and_says_why_it_may_be() -> None:
    found = flux_source(load_flux("ready").kustomization, {})

    assert found is not None
    assert (found.verdict.state, found.verdict.phrase, found.revision, found.obj) == (
        "unknown", "source not seen", None, None,
    )  # fmt: skip
    assert "gitrepositories.source.toolkit.fluxcd.io" in (found.verdict.message or "")
