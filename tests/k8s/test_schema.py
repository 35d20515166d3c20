"""Schema validation of every rendered overlay, offline (kubernetes-validate bundles schemas)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.k8s.manifests import ENVIRONMENTS, K8S, Timer, kustomize, read_env_file, require


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_overlay_matches_the_kubernetes_schemas(env: str, tmp_path: Path) -> None:
    require(
        importlib.util.find_spec("kubernetes_validate") is not None,
        "kubernetes-validate (root dev dependency; run `make venv`)",
    )
    version = read_env_file()["KUBERNETES_SCHEMA_VERSION"]
    rendered = tmp_path / f"{env}.yaml"
    rendered.write_text(kustomize(K8S / "overlays" / env))
    with Timer(f"schema-validate {env} (kubernetes-validate {version}, strict)"):
        proc = subprocess.run(
            [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet",
             "-k", version, str(rendered)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ERROR" not in proc.stdout, proc.stdout
