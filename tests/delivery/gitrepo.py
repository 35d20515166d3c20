"""Helpers for the delivery tests: a real temporary git config repository."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from delivery.git import run as git

OVERLAY = """\
# dev overlay: promotion rewrites only the digests below
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: dev
resources:
  - ../../base
images:
  - name: backend
    newName: ghcr.io/example-org/gitops-platform-backend
    digest: sha256:1111111111111111111111111111111111111111111111111111111111111111  # promoted
  - name: frontend
    newName: ghcr.io/example-org/gitops-platform-frontend
    newTag: "0.1.0"
"""
SOURCE = "c" * 40


def make_repo(path: Path) -> Path:
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "CI")
    git(path, "config", "user.email", "ci@example.invalid")
    overlay = path / "k8s/overlays/dev"
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(OVERLAY)
    (path / "README.md").write_text("config repo\n")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "initial")
    return path


def run_cli(module: str, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", module, "--repo", str(repo), *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)


def promote(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("delivery.promote_cli", repo, *args)
