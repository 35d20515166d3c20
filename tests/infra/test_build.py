"""Which parts of the OpenTofu build (tools/tofu/build.sh, tools.platformkit.tofu) a
caller gets, and when a cached build counts as done. No Go, no build: the cache trees
are fakes laid out where both the script and the module look."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tools.platformkit import tofu
from tools.platformkit.tofu import BUILD_SCRIPT, INFRA, MODULES

LOCAL_ONLY = ("tofu", "kubectl")  # infra/live/local applies Flux's objects, nothing else


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITOPS_CACHE", str(tmp_path / "cache"))
    return tofu.build_root()


def fake_build(root: Path, *parts: str, stamps: bool = True) -> None:
    """What build.sh leaves for these parts: an executable each, its stamp, the tofurc."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "tofurc").write_text("provider_installation {}\n")
    for part in parts:
        binary = tofu.part_binary(part, root)
        binary.parent.mkdir(parents=True, exist_ok=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)
        if stamps:
            (root / f".{part}-complete").write_text("module@version\n")


def build_sh(*args: str, go: bool = False) -> subprocess.CompletedProcess[str]:
    """build.sh with a PATH of only what runs before it needs Go (and Go, if asked)."""
    path = Path(os.environ["GITOPS_CACHE"]).parent / "path"
    path.mkdir(exist_ok=True)
    for tool in ("bash", "dirname", "sed", "date", *(("go",) if go else ())):
        if not (path / tool).exists():
            (path / tool).symlink_to(shutil.which(tool) or f"/nonexistent/{tool}")
    return subprocess.run(
        ["bash", str(BUILD_SCRIPT), *args],
        env={"PATH": str(path), "GITOPS_CACHE": os.environ["GITOPS_CACHE"], "HOME": str(path)},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


# -- which parts --------------------------------------------------------------------------


def test_make_run_builds_tofu_and_only_the_providers_live_local_locks() -> None:
    assert tofu.local_parts() == LOCAL_ONLY
    assert set(tofu.all_parts()) - set(tofu.local_parts()) == {"tflint", "openstack"}


@pytest.mark.parametrize("module", MODULES)
def test_a_module_needs_tofu_and_each_provider_its_lock_file_lists(module: str) -> None:
    lock = (INFRA / module / ".terraform.lock.hcl").read_text()
    parts = tofu.module_parts(module)

    assert parts[0] == "tofu"
    assert sorted(tofu.providers()[p] for p in parts[1:]) == sorted(tofu.locked_addresses(lock))


def test_the_parts_are_the_tools_and_every_provider_versions_env_pins() -> None:
    assert tofu.all_parts() == ("tofu", "tflint", "kubectl", "openstack")
    assert tofu.providers() == {
        "kubectl": "gavinbunney/kubectl",
        "openstack": "terraform-provider-openstack/openstack",
    }


def test_the_lock_file_parser_reads_only_provider_blocks() -> None:
    lock = (
        '# This file is maintained automatically by "tofu init".\n'
        'provider "registry.opentofu.org/gavinbunney/kubectl" {\n  version = "1.19.0"\n}\n'
        'provider "registry.opentofu.org/hashicorp/null" {\n  version = "3.2.0"\n}\n'
        '# provider "registry.opentofu.org/commented/out" {\n'
    )

    assert tofu.locked_addresses(lock) == ["gavinbunney/kubectl", "hashicorp/null"]


def test_a_lock_file_naming_an_unpinned_provider_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "live" / "local").mkdir(parents=True)
    (tmp_path / "live" / "local" / ".terraform.lock.hcl").write_text(
        'provider "registry.opentofu.org/hashicorp/null" {\n  version = "3.2.0"\n}\n'
    )
    monkeypatch.setattr(tofu, "INFRA", tmp_path)

    with pytest.raises(ValueError, match="hashicorp/null"):
        tofu.local_parts()


@pytest.mark.usefixtures("cache")
def test_the_script_selects_the_same_parts_as_the_module() -> None:
    assert build_sh("--list").stdout.split() == list(tofu.all_parts())
    assert build_sh("--list", "--only-local").stdout.split() == list(tofu.local_parts())
    # In build order, once each, whatever the order asked.
    assert build_sh("--list", "openstack", "tofu", "tofu").stdout.split() == ["tofu", "openstack"]


@pytest.mark.parametrize("arg", ["helm", "--only-remote"])
def test_the_script_refuses_an_unknown_part_or_option(cache: Path, arg: str) -> None:
    result = build_sh(arg)

    assert result.returncode == 2
    assert arg in result.stderr
    assert not cache.exists()


# -- stamps -------------------------------------------------------------------------------


def test_a_local_build_satisfies_make_run_but_not_the_full_build(cache: Path) -> None:
    fake_build(cache, *LOCAL_ONLY)

    assert tofu.is_built(tofu.local_parts())
    assert not tofu.is_built()
    assert not tofu.is_built(["tflint"])
    warm = build_sh("--only-local")
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout.splitlines()[-1] == str(cache)
    # The full build is not done: it would start, and here stops for want of Go.
    cold = build_sh()
    assert cold.returncode == 3
    assert "'go' not found" in cold.stderr


def test_a_full_build_satisfies_every_selection(cache: Path) -> None:
    fake_build(cache, *tofu.all_parts())

    assert tofu.is_built()
    assert tofu.is_built(tofu.local_parts())
    for args in ((), ("--only-local",), ("tflint",)):
        result = build_sh(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stdout.splitlines()[-1] == str(cache)


def test_a_full_build_from_before_the_part_stamps_still_counts(cache: Path) -> None:
    fake_build(cache, *tofu.all_parts(), stamps=False)
    (cache / ".complete").write_text("2026-01-01T00:00:00Z\n")

    assert tofu.is_built()
    assert tofu.is_built(tofu.local_parts())
    assert build_sh("--only-local").returncode == 0
    assert build_sh().returncode == 0


def test_a_part_needs_both_its_stamp_and_its_binary(cache: Path) -> None:
    fake_build(cache, *LOCAL_ONLY)
    (cache / ".kubectl-complete").unlink()  # interrupted after compiling, before stamping
    assert not tofu.is_built(tofu.local_parts())
    assert build_sh("--only-local").returncode == 3  # would rebuild (kubectl only)

    fake_build(cache, *LOCAL_ONLY)
    tofu.part_binary("kubectl", cache).unlink()
    assert not tofu.is_built(tofu.local_parts())
    assert build_sh("--only-local").returncode == 3

    fake_build(cache, *LOCAL_ONLY)
    (cache / "tofurc").unlink()
    assert not tofu.is_built(tofu.local_parts())


def test_the_local_providers_are_in_the_mirror_tofurc_names(cache: Path) -> None:
    # TF_CLI_CONFIG_FILE is <root>/tofurc whatever was built, and its mirror is
    # <root>/mirror: a local build puts kubectl where `tofu init` looks.
    kubectl = tofu.part_binary("kubectl", cache)

    assert kubectl.relative_to(cache / "mirror").parts == (
        "registry.opentofu.org", "gavinbunney", "kubectl",
        tofu.pins()["KUBECTL_PROVIDER_VERSION"].removeprefix("v"), "linux_amd64",
        f"terraform-provider-kubectl_{tofu.pins()['KUBECTL_PROVIDER_VERSION']}",
    )  # fmt: skip
    assert tofu.Tofu("live/local", cache).env["TF_CLI_CONFIG_FILE"] == str(cache / "tofurc")


# -- ensure_built -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "argv"),
    [(None, []), (LOCAL_ONLY, list(LOCAL_ONLY)), (("openstack", "tofu", "tflint", "kubectl"), [])],
)
def test_ensure_built_runs_the_script_for_what_is_asked(
    cache: Path, monkeypatch: pytest.MonkeyPatch, parts: tuple[str, ...] | None, argv: list[str]
) -> None:
    runs: list[list[str]] = []

    def run(args: list[str], **_: object) -> None:
        runs.append(args[2:])
        fake_build(cache, *(args[2:] or tofu.all_parts()))

    monkeypatch.setattr(subprocess, "run", run)

    assert tofu.ensure_built(parts) == cache
    assert runs == [argv]
    assert tofu.ensure_built(parts) == cache
    assert len(runs) == 1  # warm: the script is not run again


@pytest.mark.usefixtures("cache")
def test_ensure_built_refuses_an_unknown_part() -> None:
    with pytest.raises(ValueError, match="helm"):
        tofu.ensure_built(["tofu", "helm"])


def test_ensure_built_says_when_the_script_left_a_part_out(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(*_: object, **__: object) -> None:
        fake_build(cache, "tofu")

    monkeypatch.setattr(subprocess, "run", run)

    with pytest.raises(RuntimeError, match="lacks"):
        tofu.ensure_built(LOCAL_ONLY)
