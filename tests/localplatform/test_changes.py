"""`make change-good|change-bad`'s edits, on a copy of this checkout's two files, and how the
command reads the pipeline's outcome from the environments' states."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from delivery.pipeline.state import EnvState
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


def _states(dev: EnvState, prod: EnvState) -> list[EnvState]:
    return [dev, EnvState("staging"), prod]


@pytest.mark.parametrize(
    ("kind", "dev", "prod", "done"),
    [
        ("bad", EnvState("dev", source_sha=BAD, tried=frozenset({BAD})), EnvState("prod"), None),
        ("bad", EnvState("dev", source_sha=OLD, verdict="verified", failed=frozenset({BAD})),
         EnvState("prod"), "failed in dev and was reverted"),
        ("good", EnvState("dev", source_sha=GOOD, verdict="verified"), EnvState("prod"), None),
        ("good", EnvState("dev", source_sha=GOOD, verdict="verified"),
         EnvState("prod", source_sha=GOOD, verdict="verified"), "is verified in prod"),
        ("good", EnvState("dev", source_sha=GOOD, verdict="verified"),
         EnvState("prod", source_sha=GOOD), None),
    ],
)  # fmt: skip
def test_the_outcome_is_read_from_the_environments(
    kind: str, dev: EnvState, prod: EnvState, done: str | None
) -> None:
    sha = BAD if kind == "bad" else GOOD
    found = changes.outcome(kind, sha, _states(dev, prod))
    assert found == done if done is None else done in (found or "")


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
