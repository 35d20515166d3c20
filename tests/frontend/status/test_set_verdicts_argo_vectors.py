"""Argo CD's own test vectors for StatefulSets and DaemonSets (gitops-engine pkg/health).

Read from the module gitops-engine is downloaded as (the version Argo CD v3.2.11, the
release this project builds, requires), never copied into this repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from frontend.status.health import HealthCode
from frontend.status.set_verdicts import argo_daemonset_health, argo_statefulset_health

MODULE = "github.com/argoproj/gitops-engine@v0.7.1-0.20251217140045-5baed5604d2d"
# health_test.go: TestStatefulSetHealth, TestStatefulSetOnDeleteHealth, TestDaemonSetOnDeleteHealth.
VECTORS = [
    ("statefulset.yaml", HealthCode.HEALTHY),
    ("statefulset-ondelete.yaml", HealthCode.HEALTHY),
    ("daemonset-ondelete.yaml", HealthCode.HEALTHY),
]


@pytest.fixture(scope="module")
def testdata() -> Path:
    if shutil.which("go") is None:
        message = f"Argo CD's test vectors need Go to download {MODULE}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {message}")
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    env = {**os.environ, "GOPROXY": "https://proxy.golang.org", "GOTOOLCHAIN": "local",
           "GOFLAGS": "-mod=mod"}  # fmt: skip
    with tempfile.TemporaryDirectory() as outside_any_module:
        result = subprocess.run(
            ["go", "mod", "download", "-json", MODULE], cwd=outside_any_module, env=env,
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
    return Path(json.loads(result.stdout)["Dir"]) / "pkg" / "health" / "testdata"


@pytest.mark.parametrize(("file", "expected"), VECTORS)
def test_argo_cds_own_vectors(testdata: Path, file: str, expected: HealthCode) -> None:
    yaml = YAML(typ="safe")
    yaml.allow_duplicate_keys = (
        True  # statefulset-ondelete.yaml repeats updateStrategy, as Go's parser allows
    )
    obj: dict[str, Any] = yaml.load((testdata / file).read_text())
    check = argo_statefulset_health if obj["kind"] == "StatefulSet" else argo_daemonset_health
    assert check(obj).code == expected
