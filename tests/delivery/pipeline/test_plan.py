"""next_step: what the pipeline does next, from where the environments stand (pure)."""

from __future__ import annotations

import pytest

from delivery.pipeline.plan import Gate, Step, next_step
from delivery.pipeline.state import EnvState
from delivery.records import Verdict

OLD, NEW, NEWER = "1" * 40, "2" * 40, "3" * 40
P_DEV, P_STAGING, P_PROD = "d" * 40, "e" * 40, "f" * 40


def env(
    name: str,
    source_sha: str | None = None,
    verdict: Verdict | None = "verified",
    promotion: str | None = None,
    tried: tuple[str, ...] = (),
    failed: tuple[str, ...] = (),
) -> EnvState:
    """NAME running SOURCE_SHA (None: no promotion yet) with VERDICT."""
    if source_sha is None:
        return EnvState(name)
    return EnvState(
        name, promotion=promotion or name[0] * 40, source_sha=source_sha,
        verdict=verdict,
        tried=frozenset({source_sha, *tried}), failed=frozenset(failed),
    )  # fmt: skip


ALL_AT_OLD = [env("dev", OLD), env("staging", OLD), env("prod", OLD)]


@pytest.mark.parametrize(
    ("head", "states", "gates", "expected"),
    [
        pytest.param(
            None, [env("dev"), env("staging"), env("prod")], None, Step("idle"),
            id="nothing-promoted-and-no-source",
        ),
        pytest.param(
            NEW, [env("dev"), env("staging"), env("prod")], None,
            Step("build", "dev", source_sha=NEW),
            id="first-source-commit-is-built-for-dev",
        ),
        pytest.param(
            NEW, [env("dev", OLD, verdict=None, promotion=P_DEV), env("staging", OLD),
                  env("prod")], None,
            Step("verify", "dev", promotion=P_DEV, source_sha=OLD),
            id="an-unrecorded-promotion-is-verified-before-anything-else",
        ),
        pytest.param(
            NEW, [env("dev", OLD), env("staging", OLD), env("prod", NEW, verdict=None,
                  promotion=P_PROD)], None,
            Step("verify", "prod", promotion=P_PROD, source_sha=NEW),
            id="an-unrecorded-promotion-further-on-is-verified-too",
        ),
        pytest.param(
            NEW, ALL_AT_OLD, None, Step("build", "dev", source_sha=NEW),
            id="a-new-source-commit-is-built",
        ),
        pytest.param(
            OLD, ALL_AT_OLD, None, Step("idle"), id="everything-verified-at-the-head",
        ),
        pytest.param(
            NEW, [env("dev", OLD, tried=(NEW,), failed=(NEW,)), env("staging", OLD),
                  env("prod", OLD)], None, Step("idle"),
            id="a-commit-that-failed-in-dev-is-never-built-again",
        ),
        pytest.param(
            None, [env("dev", NEW), env("staging", OLD), env("prod", OLD)], None,
            Step("promote", "staging", source_sha=NEW, from_env="dev"),
            id="dev-verified-goes-to-staging",
        ),
        pytest.param(
            NEW, [env("dev", NEW), env("staging", NEW), env("prod", OLD)], None,
            Step("promote", "prod", source_sha=NEW, from_env="staging"),
            id="staging-verified-goes-to-prod",
        ),
        pytest.param(
            NEW, [env("dev", NEW), env("staging", OLD), env("prod")], None,
            Step("promote", "staging", source_sha=NEW, from_env="dev"),
            id="the-earliest-environment-moves-first",
        ),
        pytest.param(
            None, [env("dev", NEW), env("staging", NEW, verdict="failed"), env("prod", OLD)],
            None, Step("idle"), id="a-failed-version-is-not-carried-on",
        ),
        pytest.param(
            None, [env("dev", NEW), env("staging", OLD, tried=(NEW,), failed=(NEW,)),
                   env("prod", OLD)], None, Step("idle"),
            id="a-version-reverted-in-staging-is-not-tried-there-again",
        ),
        pytest.param(
            None, [env("dev", NEW), env("staging", OLD), env("prod", OLD)],
            {"staging": "pull-request"}, Step("idle"),
            id="a-pull-request-gate-is-not-passed-automatically",
        ),
        pytest.param(
            None, [env("dev", NEW), env("staging", NEW), env("prod", OLD)],
            {"staging": "auto", "prod": "pull-request"}, Step("idle"),
            id="prod-behind-a-pull-request-gate",
        ),
        pytest.param(
            None, [env("dev"), env("staging", OLD), env("prod", NEWER)], None,
            Step("promote", "prod", source_sha=OLD, from_env="staging"),
            id="an-environment-without-a-promotion-moves-nothing-on",
        ),
    ],
)  # fmt: skip
def test_next_step(
    head: str | None, states: list[EnvState], gates: dict[str, Gate] | None, expected: Step
) -> None:
    step = next_step(head, states, gates)
    assert (step.action, step.env, step.promotion, step.source_sha, step.from_env) == (
        expected.action, expected.env, expected.promotion, expected.source_sha, expected.from_env,
    )  # fmt: skip
    assert step.why


def test_why_names_the_versions() -> None:
    verify = next_step(None, [env("dev", OLD, verdict=None, promotion=P_DEV)])
    assert verify.why == f"dev's promotion {P_DEV[:12]} has no record yet"
    build = next_step(NEW, ALL_AT_OLD)
    assert build.why == f"source commit {NEW[:12]} is new to dev"
    promote = next_step(None, [env("dev", NEW), env("staging")])
    assert promote.why == f"dev verified {NEW[:12]}; staging runs nothing"
    idle = next_step(None, ALL_AT_OLD)
    assert idle.why == "every environment is verified at the newest version it may run"
