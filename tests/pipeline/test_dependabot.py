"""Dependabot covers every pinned ecosystem, and its Go view agrees with the build pins."""

from __future__ import annotations

import re
from typing import Any

import pytest
from ruamel.yaml import YAML

from tools.platformkit.paths import REPO_ROOT as ROOT

CONFIG = ROOT / ".github/dependabot.yml"
GO_MOD = ROOT / "tools/gomod/go.mod"
# Each ecosystem's manifest, relative to the entry's directory.
MANIFEST = {
    "uv": "uv.lock",
    "npm": "package-lock.json",
    "github-actions": ".github/workflows",
    "gomod": "go.mod",
}
# go.mod module -> (versions.env the build reads, key in it).
BUILD_PINS = {
    "github.com/argoproj/argo-cd/v3": ("tools/k8s/versions.env", "ARGOCD_VERSION"),
    "github.com/containerd/containerd/v2": ("tools/node/versions.env", "CONTAINERD_VERSION"),
    "github.com/fluxcd/kustomize-controller": ("tools/k8s/versions.env", "FLUX_KUSTOMIZE_VERSION"),
    "github.com/fluxcd/source-controller": ("tools/k8s/versions.env", "FLUX_SOURCE_VERSION"),
    "github.com/gavinbunney/terraform-provider-kubectl": (
        "tools/tofu/versions.env",
        "KUBECTL_PROVIDER_VERSION",
    ),
    "github.com/google/go-containerregistry": ("tools/node/versions.env", "CRANE_VERSION"),
    "github.com/opentofu/opentofu": ("tools/tofu/versions.env", "TOFU_VERSION"),
    "github.com/terraform-linters/tflint": ("tools/tofu/versions.env", "TFLINT_VERSION"),
    "github.com/terraform-provider-openstack/terraform-provider-openstack/v3": (
        "tools/tofu/versions.env",
        "OPENSTACK_PROVIDER_VERSION",
    ),
    "github.com/rhysd/actionlint": ("tools/pipeline/versions.env", "ACTIONLINT_VERSION"),
    "github.com/stefanprodan/podinfo": ("tools/podinfo/versions.env", "PODINFO_VERSION"),
    "go.etcd.io/etcd/server/v3": ("tools/cluster/versions.env", "ETCD_VERSION"),
    "k8s.io/kubernetes": ("tools/cluster/versions.env", "K8S_VERSION"),
    "sigs.k8s.io/kwok": ("tools/cluster/versions.env", "KWOK_VERSION"),
}


def _updates() -> list[dict[str, Any]]:
    config: dict[str, Any] = YAML(typ="safe").load(CONFIG.read_text())
    assert config["version"] == 2
    updates: list[dict[str, Any]] = config["updates"]
    return updates


def _env(path: str) -> dict[str, str]:
    lines = (line.strip() for line in (ROOT / path).read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def _go_requires() -> dict[str, str]:
    return dict(re.findall(r"^\t(\S+) (v\S+)$", GO_MOD.read_text(), flags=re.MULTILINE))


def test_every_pinned_ecosystem_has_an_update_entry() -> None:
    assert {u["package-ecosystem"] for u in _updates()} == set(MANIFEST)


@pytest.mark.parametrize("update", _updates(), ids=lambda u: str(u["package-ecosystem"]))
def test_each_entry_points_at_its_manifest_and_waits_a_cooldown(update: dict[str, Any]) -> None:
    directory = ROOT / str(update["directory"]).lstrip("/")
    assert (directory / MANIFEST[update["package-ecosystem"]]).exists(), directory
    assert update["cooldown"]["default-days"] >= 7


def test_go_mod_lists_exactly_the_modules_the_builds_pin() -> None:
    assert set(_go_requires()) == set(BUILD_PINS)


@pytest.mark.parametrize(("module", "pin"), sorted(BUILD_PINS.items()), ids=str)
def test_go_mod_version_equals_the_build_pin(module: str, pin: tuple[str, str]) -> None:
    path, key = pin
    assert _go_requires()[module] == _env(path)[key], f"update {path} {key} to match go.mod"
