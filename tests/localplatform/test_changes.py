"""`make change-good|change-bad`'s edits, on a copy of this checkout's two files, and how the
command reads the pipeline's outcome from the environments' states."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from delivery.history import Promotion
from delivery.pipeline.state import EnvState
from delivery.records import Record, Verdict
from tools.localplatform import changes, sources
from tools.platformkit import images
from tools.platformkit.paths import REPO_ROOT

BAD, GOOD, OLD = "b" * 40, "c" * 40, "a" * 40


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for path in (changes.SETTINGS, changes.PACKAGE):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / path, tmp_path / path)
    return tmp_path


def test_the_checkout_has_the_default_the_bad_change_breaks() -> None:
    assert changes.HEALTHY_DEFAULT in (REPO_ROOT / changes.SETTINGS).read_text()


def test_a_bad_change_makes_readiness_wait_for_an_address_that_never_answers(tree: Path) -> None:
    message = changes.edit(tree, "bad")
    assert message.startswith("feat(backend):")
    text = (tree / changes.SETTINGS).read_text()
    assert f'("{images.NEVER_ANSWERS}",)' in text
    with pytest.raises(changes.ChangeError, match="make change-good"):
        changes.edit(tree, "bad")  # twice: it is in already


def test_a_good_change_bumps_the_release_line_and_fixes_a_breaking_change_forward(
    tree: Path,
) -> None:
    assert changes.edit(tree, "good") == "chore(backend): local release 1\n"
    assert changes.edit(tree, "good") == "chore(backend): local release 2\n"
    package = (tree / changes.PACKAGE).read_text()
    assert package.count("make change-good") == 1
    assert "# Local release 2 (make change-good)." in package
    changes.edit(tree, "bad")
    assert changes.edit(tree, "good").startswith("fix(backend):")
    assert changes.HEALTHY_DEFAULT in (tree / changes.SETTINGS).read_text()


def test_a_settings_file_that_moved_on_is_refused_by_name(tree: Path) -> None:
    (tree / changes.SETTINGS).write_text("nothing here\n")
    with pytest.raises(changes.ChangeError, match="readiness_urls default is not found"):
        changes.edit(tree, "good")


T0 = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _record(verdict: Verdict, at: datetime, source: str) -> Record:
    return Record("dev", verdict, at, source, None, None)


def _promotion(sha: str, source: str, records: tuple[Record, ...], reverted: datetime | None,
               env: str = "dev") -> Promotion:  # fmt: skip
    return Promotion(sha, env, T0, source, T0, records, "r" * 40 if reverted else None, reverted)


PREVIOUS_OLD_RECORD = _promotion("1" * 40, OLD, (_record("verified", T0, OLD),), None)
PREVIOUS_RESTORED = _promotion(
    "1" * 40, OLD,
    (_record("verified", T0, OLD), _record("verified", T0 + timedelta(seconds=20), OLD)), None,
)  # fmt: skip
BAD_REVERTED = _promotion(
    "2" * 40, BAD, (_record("failed", T0 + timedelta(seconds=15), BAD),),
    T0 + timedelta(seconds=16),
)  # fmt: skip
DEV_BACK = EnvState("dev", promotion="1" * 40, source_sha=OLD, verdict="verified",
                    failed=frozenset({BAD}))  # fmt: skip
DEV_GOOD = EnvState("dev", source_sha=GOOD, verdict="verified")


@pytest.mark.parametrize(
    ("kind", "dev", "prod", "history", "done"),
    [
        # the bad promotion in effect, not judged yet
        ("bad", EnvState("dev", source_sha=BAD, tried=frozenset({BAD})), EnvState("prod"),
         [], None),
        # reverted, but the version in effect has no record since: the restore is pending
        ("bad", DEV_BACK, EnvState("prod"), [PREVIOUS_OLD_RECORD, BAD_REVERTED], None),
        # reverted, and the restore recorded after the revert: over
        ("bad", DEV_BACK, EnvState("prod"), [PREVIOUS_RESTORED, BAD_REVERTED],
         "failed in dev and was reverted"),
        ("good", DEV_GOOD, EnvState("prod"), [], None),
        ("good", DEV_GOOD, EnvState("prod", source_sha=GOOD, verdict="verified"), [],
         "is verified in prod"),
        ("good", DEV_GOOD, EnvState("prod", source_sha=GOOD), [], None),
    ],
)  # fmt: skip
def test_the_outcome_is_read_from_the_environments_and_their_records(
    kind: str, dev: EnvState, prod: EnvState, history: list[Promotion], done: str | None
) -> None:
    sha = BAD if kind == "bad" else GOOD
    found = changes.outcome(kind, sha, [dev, EnvState("staging"), prod], history)
    if done is None:
        assert found is None
    else:
        assert done in (found or "")


def test_a_failed_build_is_read_from_the_runner_journal(tmp_path: Path) -> None:
    journal = tmp_path / "pipeline.jsonl"
    assert not changes.build_failed(journal, BAD)
    journal.write_text(json.dumps({"event": "build-failed", "source": BAD}) + "\n")
    assert changes.build_failed(journal, BAD)
    assert not changes.build_failed(journal, GOOD)


def test_the_push_hook_only_reacts_to_main_and_never_fails_a_push() -> None:
    script = sources.hook_script("/bin/kubectl", Path("/run/k config"))
    assert script.startswith("#!/bin/sh\n")
    assert "refs/heads/main" in script
    assert "'/run/k config'" in script  # quoted for the shell
    assert "reconcile.fluxcd.io/requestedAt" in script
    assert script.rstrip().endswith("exit 0")
