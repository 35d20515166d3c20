"""Policy lint of the rendered overlays with checkov (kube-linter's module isn't served here).

Zero failed checks; every skipped check must be one of the inline exceptions below,
each justified by a ``checkov.io/skip<N>`` annotation on the object itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.k8s.manifests import ENVIRONMENTS, K8S, TOOLS, Timer, kustomize, render, require

# (check id, resource) -> the file whose checkov.io/skip annotation justifies it.
EXCEPTIONS = {
    ("CKV_K8S_38", "Deployment.{ns}.frontend"): "k8s/base/frontend/deployment.yaml",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    cached_uv = Path.home() / ".cache" / "gitops-platform" / "uv-0.13.9" / "bin" / "uv"
    uv = os.environ.get("UV") or (str(cached_uv) if cached_uv.exists() else shutil.which("uv"))
    require(uv is not None, "uv (builds the checkov tool venv)")
    tool_env = {**os.environ, "UV": str(uv)}
    require(shutil.which("flock") is not None, "flock (tools/k8s/checkov.sh)")
    out = tmp_path_factory.mktemp("rendered")
    for env in ENVIRONMENTS:
        (out / f"{env}.yaml").write_text(kustomize(K8S / "overlays" / env))
    with Timer("checkov tool venv (build or reuse)"):
        build = subprocess.run(
            ["bash", str(TOOLS / "checkov.sh"), "--print-path"],
            capture_output=True, text=True, check=False, env=tool_env,
        )  # fmt: skip
    assert build.returncode == 0, build.stderr
    with Timer("policy lint 3 overlays (checkov)"):
        proc = subprocess.run(
            ["bash", str(TOOLS / "checkov.sh"), "-d", str(out), "-o", "json"],
            capture_output=True, text=True, check=False, env=tool_env,
        )  # fmt: skip
    assert proc.stdout.strip(), proc.stderr
    parsed = json.loads(proc.stdout)
    reports: list[dict[str, Any]] = parsed if isinstance(parsed, list) else [parsed]
    return reports


def test_checkov_finds_nothing(report: list[dict[str, Any]]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for r in report
        for c in r["results"]["failed_checks"]
    ]
    assert failed == []
    assert all(r["summary"]["parsing_errors"] == 0 for r in report)
    assert sum(r["summary"]["passed"] for r in report) > 500


def test_every_exception_is_the_justified_one(report: list[dict[str, Any]]) -> None:
    skipped = {
        (c["check_id"], c["resource"]) for r in report for c in r["results"]["skipped_checks"]
    }
    expected = {
        (check, resource.format(ns=f"gitops-platform-{env}"))
        for (check, resource) in EXCEPTIONS
        for env in ENVIRONMENTS
    }
    assert skipped == expected
    # The reason sits next to the object: a checkov.io/skip<N> annotation "<ID>=<reason>".
    for check, _ in EXCEPTIONS:
        objects = render(K8S / "overlays" / ENVIRONMENTS[0])
        reasons = [
            value.partition("=")[2]
            for obj in objects
            for key, value in obj["metadata"].get("annotations", {}).items()
            if key.startswith("checkov.io/skip") and value.startswith(f"{check}=")
        ]
        assert len(reasons) == 1, check
        assert len(reasons[0]) > 40, f"{check}: the exception needs a real reason"
