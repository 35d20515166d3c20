"""Every OpenTofu module: formatted, valid, its own tests passing, its lock file pinned,
and bad input refused with the variable's name. No cluster: providers are mocked."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from tools.platformkit.gitops import bootstrap
from tools.platformkit.gitops import flux as flux_build
from tools.platformkit.tofu import INFRA, MODULES, Tofu, build_root, pins

pytestmark = [pytest.mark.tofu, pytest.mark.flux, pytest.mark.usefixtures("tofu_build")]
PROVIDERS = {"KUBECTL", "OPENSTACK"}


def test_every_file_is_formatted(tmp_path: Path) -> None:
    result = Tofu(".", tmp_path).run("fmt", "-check", "-recursive", "-diff", check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_tflint_finds_nothing_with_every_terraform_rule_on(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(build_root() / "bin" / "tflint"), "--recursive", "--no-color",
         f"--config={INFRA / '.tflint.hcl'}"],
        cwd=INFRA, env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("module", MODULES)
def test_the_module_is_valid_with_its_locked_providers(module: str, tmp_path: Path) -> None:
    tofu = Tofu(module, tmp_path).init()
    result = tofu.run("validate", "-no-color")
    assert "The configuration is valid" in result.stdout


@pytest.mark.parametrize("module", MODULES)
def test_the_module_tests_pass_against_mocked_providers(module: str, tmp_path: Path) -> None:
    tofu = Tofu(module, tmp_path).init()
    flux_dir = flux_build.ensure_built()
    result = tofu.run("test", "-no-color", f"-var=flux_build_dir={flux_dir}", check=False)
    summary = re.search(r"(\d+) passed, (\d+) failed", result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert summary, result.stdout
    passed, failed = int(summary[1]), int(summary[2])
    assert failed == 0
    runs = sum(
        p.read_text().count("\nrun ") for p in (INFRA / module / "tests").glob("*.tftest.hcl")
    )
    assert passed == runs > 0, result.stdout  # every run block ran, none was skipped


@pytest.mark.parametrize("module", MODULES)
def test_the_lock_file_pins_exactly_the_versions_built(module: str) -> None:
    lock = (INFRA / module / ".terraform.lock.hcl").read_text()
    locked = dict(
        re.findall(r'provider "registry\.opentofu\.org/([^"]+)" \{\s+version\s+= "([^"]+)"', lock)
    )
    p = pins()
    wanted = {
        p[f"{name}_PROVIDER_ADDRESS"]: p[f"{name}_PROVIDER_VERSION"].lstrip("v")
        for name in PROVIDERS
    }
    assert locked, f"{module}: no provider in its lock file"
    for address, version in locked.items():
        assert wanted[address] == version, (module, address)
    assert all(
        re.search(r'"h1:[A-Za-z0-9+/=]{44}"', block) for block in lock.split("provider ")[1:]
    )


@pytest.fixture
def local_root(tmp_path: Path) -> tuple[Tofu, list[str]]:
    tofu = Tofu("live/local", tmp_path).init(state=tmp_path / "terraform.tfstate")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    good = [
        f"-var=kubeconfig={kubeconfig}",
        "-var=git_url=https://git.example.org/gitops-platform.git",
        f"-var=flux_build_dir={flux_build.ensure_built()}",
    ]
    return tofu, good


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("environments", '["dev"]', "Invalid value for input variable"),
        ("environments", '{"dev":{"interval":5}}', None),
        (
            "environments",
            '{"qa":{}}',
            "environments must name one or more of dev, staging and prod",
        ),
        ("git_url", "git.example.org/repo", "git_url must be an https://, http:// or ssh:// URL"),
        ("source_interval", "soon", "source_interval must be a Go duration"),
        ("flux_build_dir", "/nonexistent", "flux_build_dir must hold crds/ and rbac/"),
        ("kubeconfig", "/nonexistent/kubeconfig", "kubeconfig must be the path of an existing"),
    ],
)
def test_bad_input_fails_the_plan_naming_the_variable(
    local_root: tuple[Tofu, list[str]], variable: str, value: str, says: str | None
) -> None:
    tofu, good = local_root
    args = [a for a in good if not a.startswith(f"-var={variable}=")]
    result = tofu.run("plan", "-no-color", *args, f"-var={variable}={value}", check=False)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert f"var.{variable}" in out or f'variable "{variable}"' in out, out
    if says:
        assert says in out, out


def test_the_bootstrap_renders_k8s_gitops_flux_as_kustomize_does(tmp_path: Path) -> None:
    # With the defaults (all three environments, their own namespaces), the objects the
    # bootstrap applies are `kubectl kustomize k8s/gitops/flux` with only the source URL
    # and branch set: nothing lost, nothing added.
    tofu = Tofu("modules/bootstrap", tmp_path).init()
    git_url = "https://git.example.org/platform/gitops-platform.git"
    result = tofu.run(
        "console", f"-var=git_url={git_url}", f"-var=flux_build_dir={flux_build.ensure_built()}",
        stdin='jsonencode({ for k, v in local.gitops : k => yamldecode(v) })\n',
    )  # fmt: skip
    rendered = json.loads(json.loads(result.stdout))
    expected = {}
    for obj in bootstrap.rendered():
        if obj["kind"] == "GitRepository":
            obj["spec"] |= {"url": git_url, "ref": {"branch": "main"}}
        expected[f"{obj['kind']}/{obj['metadata']['name']}"] = obj
    assert rendered == expected
