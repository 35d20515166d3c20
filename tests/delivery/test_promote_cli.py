"""promote on a real temporary git repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from delivery.git import run as git
from tests.delivery.gitrepo import SOURCE, promote

NEW = "sha256:" + "2" * 64


def test_promotion_is_one_commit_recording_the_source_sha(repo: Path) -> None:
    result = promote(repo, "--env", "dev", "--image", f"backend={NEW}", "--source-sha", SOURCE)
    assert result.returncode == 0, result.stderr
    assert git(repo, "rev-parse", "HEAD") == result.stdout.strip()
    assert git(repo, "log", "-1", "--format=%s") == f"deploy(dev): promote backend to {SOURCE[:12]}"
    assert f"Source-Commit: {SOURCE}" in git(repo, "log", "-1", "--format=%B")
    assert (
        git(repo, "show", "--name-only", "--format=", "HEAD")
        == "k8s/overlays/dev/kustomization.yaml"
    )
    assert f"digest: {NEW}" in (repo / "k8s/overlays/dev/kustomization.yaml").read_text()


def test_promoting_twice_is_idempotent(repo: Path) -> None:
    args = ("--env", "dev", "--image", f"backend={NEW}", "--source-sha", SOURCE)
    assert promote(repo, *args).returncode == 0
    head = git(repo, "rev-parse", "HEAD")
    again = promote(repo, *args)
    assert again.returncode == 0
    assert "already runs these digests" in again.stderr
    assert git(repo, "rev-parse", "HEAD") == head


def test_unrelated_dirty_files_stay_out_of_the_commit(repo: Path) -> None:
    (repo / "README.md").write_text("edited\n")
    git(repo, "add", "README.md")
    assert (
        promote(
            repo, "--env", "dev", "--image", f"backend={NEW}", "--source-sha", SOURCE
        ).returncode
        == 0
    )
    assert (
        git(repo, "show", "--name-only", "--format=", "HEAD")
        == "k8s/overlays/dev/kustomization.yaml"
    )
    assert "README.md" in git(repo, "status", "--porcelain")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--env", "dev", "--image", "backend=sha256:abc", "--source-sha", SOURCE),
            "--image: digest for 'backend' must look like sha256:<64 hex>",
        ),
        (
            ("--env", "dev", "--image", "backend=latest", "--source-sha", SOURCE),
            "must look like sha256:<64 hex>",
        ),
        (
            ("--env", "dev", "--image", f"backend={NEW}", "--source-sha", "abc"),
            "--source-sha: must be a full 40-character",
        ),
        (
            ("--env", "qa", "--image", f"backend={NEW}", "--source-sha", SOURCE),
            "--env: no overlay at k8s/overlays/qa/kustomization.yaml",
        ),
        (
            ("--env", "Dev!", "--image", f"backend={NEW}", "--source-sha", SOURCE),
            "--env: not an environment name",
        ),
        (("--env", "dev", "--source-sha", SOURCE), "the following arguments are required: --image"),
    ],
)
def test_bad_input_exits_3_naming_the_argument(
    repo: Path, args: tuple[str, ...], message: str
) -> None:
    head = git(repo, "rev-parse", "HEAD")
    result = promote(repo, *args)
    assert result.returncode == 3
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert git(repo, "rev-parse", "HEAD") == head


def test_unknown_image_is_refused_with_4(repo: Path) -> None:
    result = promote(repo, "--env", "dev", "--image", f"cache={NEW}", "--source-sha", SOURCE)
    assert result.returncode == 4
    assert "image 'cache' is not listed" in result.stderr
    assert git(repo, "status", "--porcelain") == ""
