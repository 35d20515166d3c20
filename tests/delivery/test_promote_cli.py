"""promote on a real temporary git repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.delivery.test_overlay import OVERLAY

SOURCE = "c" * 40
NEW = "sha256:" + "2" * 64


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "user.name", "CI")
    git(tmp_path, "config", "user.email", "ci@example.invalid")
    overlay = tmp_path / "k8s/overlays/dev"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(OVERLAY)
    (tmp_path / "README.md").write_text("config repo\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "initial")
    return tmp_path


def promote(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "delivery.promote_cli", "--repo", str(repo), *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


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
