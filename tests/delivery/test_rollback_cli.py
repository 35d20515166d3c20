"""rollback on a real temporary git repository, after real promotions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from delivery.git import run as git
from tests.delivery.gitrepo import SOURCE, promote, run_cli

FIRST = "sha256:" + "2" * 64
SECOND = "sha256:" + "3" * 64
BROKEN_SOURCE = "e" * 40


def rollback(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("delivery.rollback_cli", repo, *args)


def test_revert_restores_the_previous_promotion(repo: Path) -> None:
    assert (
        promote(
            repo, "--env", "dev", "--image", f"backend={FIRST}", "--source-sha", SOURCE
        ).returncode
        == 0
    )
    bad = promote(
        repo, "--env", "dev", "--image", f"backend={SECOND}", "--source-sha", BROKEN_SOURCE
    )
    promotion = bad.stdout.strip()
    result = rollback(
        repo, "--promotion", promotion, "--reason", "verify exit 1: mixed versions", "--json"
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["environment"] == "dev"
    assert summary["previous_source_sha"] == SOURCE
    assert summary["digests"] == {"backend": FIRST}
    assert git(repo, "rev-parse", "HEAD") == summary["revert_commit"]
    body = git(repo, "log", "-1", "--format=%B")
    assert body.startswith(f"revert: deploy(dev): promote backend to {BROKEN_SOURCE[:12]}")
    assert f"Reverts-Promotion: {promotion}" in body
    assert "Reason: verify exit 1: mixed versions" in body
    assert f"digest: {FIRST}" in (repo / "k8s/overlays/dev/kustomization.yaml").read_text()


def test_only_promotion_commits_can_be_rolled_back(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    result = rollback(repo, "--promotion", head, "--reason", "oops")
    assert result.returncode == 4
    assert "is not a promotion commit" in result.stderr
    assert git(repo, "rev-parse", "HEAD") == head


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--promotion", "abc", "--reason", "x"], "--promotion: must be a full 40-character"),
        (["--promotion", "a" * 40, "--reason", "  "], "--reason: must be one non-empty line"),
        (["--reason", "x"], "the following arguments are required: --promotion"),
    ],
)
def test_bad_input_exits_3(repo: Path, args: list[str], message: str) -> None:
    result = rollback(repo, *args)
    assert result.returncode == 3
    assert message in result.stderr
