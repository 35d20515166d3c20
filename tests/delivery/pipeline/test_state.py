"""Where each environment stands: env_state (pure) and read_states on a real repository."""

from __future__ import annotations

from datetime import timedelta

import pytest

from delivery import promote_cli, rollback_cli
from delivery.git import run as git
from delivery.history import Promotion
from delivery.pipeline.state import CHAIN, EnvState, env_state, overlay_path, read_states
from delivery.records import Record, Verdict
from tests.delivery.pipeline.configrepo import (
    AT,
    INITIAL,
    Config,
    add_record,
    digest,
    record_line,
    source,
)

S1, S2, S3 = source("1"), source("2"), source("3")


def promotion(
    sha: str,
    env: str,
    source_sha: str,
    verdicts: tuple[Verdict, ...] = (),
    reverted_by: str | None = None,
) -> Promotion:
    records = tuple(
        Record(env, verdict, AT + timedelta(minutes=i), source_sha, None, None)
        for i, verdict in enumerate(verdicts)
    )
    return Promotion(sha, env, AT, source_sha, None, records, reverted_by,
                     AT if reverted_by else None)  # fmt: skip


@pytest.mark.parametrize(
    ("ordered", "expected"),
    [
        pytest.param([], EnvState("dev"), id="no-promotion-yet"),
        pytest.param(
            [promotion("b" * 40, "staging", S1, ("verified",))], EnvState("dev"),
            id="another-environments-promotions-are-not-dev",
        ),
        pytest.param(
            [promotion("b" * 40, "dev", S2), promotion("a" * 40, "dev", S1, ("verified",))],
            EnvState("dev", "b" * 40, S2, None, tried=frozenset({S1, S2})),
            id="the-newest-promotion-is-in-effect-unverified",
        ),
        pytest.param(
            [promotion("b" * 40, "dev", S2, ("failed", "verified"))],
            EnvState("dev", "b" * 40, S2, "verified", tried=frozenset({S2})),
            id="the-last-record-is-the-verdict",
        ),
        pytest.param(
            [promotion("b" * 40, "dev", S2, ("failed",), reverted_by="r" * 40),
             promotion("a" * 40, "dev", S1, ("verified",))],
            EnvState("dev", "a" * 40, S1, "verified", tried=frozenset({S1, S2}),
                     failed=frozenset({S2})),
            id="a-reverted-promotion-is-not-in-effect-and-failed",
        ),
        pytest.param(
            [promotion("b" * 40, "dev", S2, ("verified", "failed"))],
            EnvState("dev", "b" * 40, S2, "failed", tried=frozenset({S2}), failed=frozenset({S2})),
            id="recorded-failed-and-not-reverted-yet",
        ),
        pytest.param(
            [promotion("b" * 40, "dev", S2, reverted_by="r" * 40)],
            EnvState("dev", tried=frozenset({S2}), failed=frozenset({S2})),
            id="the-only-promotion-reverted",
        ),
    ],
)  # fmt: skip
def test_env_state(ordered: list[Promotion], expected: EnvState) -> None:
    assert env_state("dev", ordered, {}) == expected


@pytest.mark.parametrize(
    ("state", "described"),
    [
        (EnvState("dev"), "dev: no promotion yet"),
        (EnvState("dev", "a" * 40, S1, None), f"dev: {S1[:12]} (not verified yet)"),
        (EnvState("dev", "a" * 40, S1, "verified"), f"dev: {S1[:12]} (verified)"),
        (EnvState("dev", "a" * 40, None, "failed"), "dev: ? (failed)"),
    ],
)
def test_describe(state: EnvState, described: str) -> None:
    assert state.describe() == described


def test_read_states_from_promotions_records_and_reverts(config: Config) -> None:
    repo = config.work
    first = promote_cli.promote(repo, "dev", {"backend": digest("1")}, S1)
    assert first is not None
    add_record(repo, first, record_line("dev", "verified", S1, digest("1")))
    # Two promotions in the same second: git log's order, not the date, says which is newer.
    second = promote_cli.promote(repo, "dev", {"backend": digest("2")}, S2)
    assert second is not None
    rollback_cli.revert(repo, second, "verify exit 1")
    third = promote_cli.promote(
        repo, "staging", {"backend": digest("1"), "frontend": digest("1")}, S1
    )
    assert third is not None
    add_record(repo, third, record_line("staging", "failed", S1, digest("1")))

    dev, staging, prod = read_states(repo)
    assert dev == EnvState(
        "dev", first, S1, "verified", {"backend": digest("1"), "frontend": INITIAL},
        tried=frozenset({S1, S2}), failed=frozenset({S2}),
    )  # fmt: skip
    assert staging == EnvState(
        "staging", third, S1, "failed", {"backend": digest("1"), "frontend": digest("1")},
        tried=frozenset({S1}), failed=frozenset({S1}),
    )  # fmt: skip
    assert prod == EnvState("prod", digests={"backend": INITIAL, "frontend": INITIAL})


def test_read_states_from_a_bare_repository_and_a_chain_without_an_overlay(
    config: Config,
) -> None:
    repo = config.work
    promoted = promote_cli.promote(repo, "dev", {"backend": digest("3")}, S3)
    assert promoted is not None
    git(repo, "push", "-q", "origin", "HEAD:main")
    dev, qa = read_states(config.origin, ("dev", "qa"))
    assert (dev.promotion, dev.source_sha, dev.verdict) == (promoted, S3, None)
    assert dev.digests["backend"] == digest("3")
    assert qa == EnvState("qa")


def test_an_unreadable_overlay_has_no_digests(config: Config) -> None:
    repo = config.work
    (repo / overlay_path("dev")).write_text("images: [\n")
    git(repo, "commit", "-qam", "break the overlay")
    assert read_states(repo, ("dev",))[0].digests == {}


def test_the_chain_is_the_promotion_order() -> None:
    assert CHAIN == ("dev", "staging", "prod")
    assert overlay_path("prod") == "k8s/overlays/prod/kustomization.yaml"
