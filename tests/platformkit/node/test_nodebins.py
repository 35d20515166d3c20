"""tools/platformkit/node/nodebins.py: the pins, the cache key, what a host lacks to run a
node, and (tier ``cluster``) the real build of every node binary."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tools.platformkit import binaries
from tools.platformkit.node import nodebins
from tools.platformkit.paths import REPO_ROOT

NODE_ENV = REPO_ROOT / "tools" / "node" / "versions.env"
CLUSTER_ENV = REPO_ROOT / "tools" / "cluster" / "versions.env"


def _value(path: Path, key: str) -> str:
    lines = [line for line in path.read_text().splitlines() if line.startswith(f"{key}=")]
    assert len(lines) == 1, f"{key} in {path}: {lines}"
    return lines[0].split("=", 1)[1]


def test_pins_come_from_the_node_file_and_k8s_from_the_control_plane_s() -> None:
    assert nodebins.pins() == {
        "K8S_VERSION": _value(CLUSTER_ENV, "K8S_VERSION"),
        "CONTAINERD_VERSION": _value(NODE_ENV, "CONTAINERD_VERSION"),
        "CRANE_VERSION": _value(NODE_ENV, "CRANE_VERSION"),
    }
    assert "K8S_VERSION=" not in NODE_ENV.read_text()


def test_build_root_is_keyed_by_every_pin_and_the_sandbox_hash(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GITOPS_CACHE", str(tmp_path))
    root = nodebins.build_root()

    assert root.parent == tmp_path
    assert root.name == (
        f"node-k8s-{_value(CLUSTER_ENV, 'K8S_VERSION')}"
        f"-containerd-{_value(NODE_ENV, 'CONTAINERD_VERSION')}"
        f"-crane-{_value(NODE_ENV, 'CRANE_VERSION')}-sandbox-{nodebins.sandbox_hash()}"
    )
    assert nodebins.bin_dir() == root / "bin"


def test_build_sh_computes_the_same_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GITOPS_CACHE", str(tmp_path))
    printed = subprocess.run(
        ["bash", str(nodebins.BUILD_SCRIPT), "--print-root"],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip

    assert Path(printed) == nodebins.build_root()


@pytest.mark.parametrize("key", ["K8S_VERSION", "CONTAINERD_VERSION", "CRANE_VERSION"])
def test_changing_a_pin_changes_the_key(
    key: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    before = nodebins.build_root()
    for name, source in (("node.env", NODE_ENV), ("cluster.env", CLUSTER_ENV)):
        copy = tmp_path / name
        copy.write_text(source.read_text().replace(f"{key}=", f"{key}=v9.9.9-was-"))
    monkeypatch.setattr(nodebins, "VERSIONS_FILE", tmp_path / "node.env")
    monkeypatch.setattr(binaries, "VERSIONS_FILE", tmp_path / "cluster.env")

    after = nodebins.build_root()

    assert after != before
    assert nodebins.pins()[key].startswith("v9.9.9-was-")
    assert nodebins.pins()[key] in after.name


def test_changing_the_sandbox_sources_changes_the_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    copy = tmp_path / "sandbox"
    shutil.copytree(nodebins.SANDBOX_DIR, copy)
    monkeypatch.setattr(nodebins, "SANDBOX_DIR", copy)
    original = nodebins.build_root()
    assert nodebins.sandbox_hash() == nodebins.sandbox_hash(REPO_ROOT / "tools/node/sandbox")

    (copy / "README.md").write_text("not a source\n")
    assert nodebins.build_root() == original
    with (copy / "main.go").open("a") as main:
        main.write("// changed\n")
    assert nodebins.build_root() != original


# --- missing_prerequisites ----------------------------------------------------


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """A host with everything (built, root, runc, CNI plugins, iptables, conntrack);
    ``host(absent...)`` takes the named pieces away and returns missing_prerequisites().
    ``off_path`` names are installed (in /usr/sbin) but not on PATH."""

    def configure(
        *absent: str, off_path: tuple[str, ...] = (), built: bool = True, euid: int = 0
    ) -> list[str]:
        gone = set(absent)
        real_exists = Path.exists
        paths = {
            nodebins.RUNC: "runc",
            nodebins.IPTABLES: "iptables",
            nodebins.CONNTRACK: "conntrack",
            **{nodebins.CNI_DIR / name: name for name in nodebins.CNI_PLUGINS},
        }

        def exists(path: Path, **kwargs: bool) -> bool:
            if path in paths:
                return paths[path] not in gone
            return real_exists(path, **kwargs)

        def which(name: str) -> str | None:
            return None if name in gone or name in off_path else f"/usr/bin/{name}"

        monkeypatch.setattr(Path, "exists", exists)
        monkeypatch.setattr(shutil, "which", which)
        monkeypatch.setattr(os, "geteuid", lambda: euid)
        monkeypatch.setattr(nodebins, "is_built", lambda: built)
        return nodebins.missing_prerequisites()

    return configure


def test_a_complete_host_misses_nothing(host: Callable[..., list[str]]) -> None:
    assert host() == []
    assert nodebins.missing_optional() == []


def test_go_is_needed_only_until_the_binaries_are_built(host: Callable[..., list[str]]) -> None:
    assert host("go", built=True) == []
    (sentence,) = host("go", built=False)
    assert sentence.startswith("go ")


def test_tools_in_usr_sbin_count_though_off_path(host: Callable[..., list[str]]) -> None:
    assert host(off_path=("runc", "iptables", "conntrack")) == []
    assert nodebins.missing_optional() == []


@pytest.mark.parametrize(
    ("absent", "named"),
    [
        (("runc",), "runc"),
        (("iptables",), "iptables"),
        (("bridge",), "bridge"),
        (("host-local",), "host-local"),
        (("loopback",), "loopback"),
    ],
)
def test_each_missing_piece_is_named(
    host: Callable[..., list[str]], absent: tuple[str, ...], named: str
) -> None:
    (sentence,) = host(*absent)
    assert named in sentence


def test_missing_cni_plugins_share_one_sentence(host: Callable[..., list[str]]) -> None:
    (sentence,) = host("bridge", "loopback")
    assert "bridge, loopback" in sentence
    assert "host-local" not in sentence
    assert str(nodebins.CNI_DIR) in sentence


def test_root_is_needed(host: Callable[..., list[str]]) -> None:
    (sentence,) = host(euid=1000)
    assert sentence.startswith("root ")


def test_everything_missing_is_listed_in_one_go(host: Callable[..., list[str]]) -> None:
    missing = host("go", "runc", "iptables", "bridge", built=False, euid=1000)
    assert [s.split()[0] for s in missing] == ["go", "runc", "CNI", "iptables", "root"]


def test_conntrack_is_optional(host: Callable[..., list[str]]) -> None:
    assert host("conntrack") == []
    (sentence,) = nodebins.missing_optional()
    assert sentence.startswith("conntrack ")


# --- the real build (tier cluster) --------------------------------------------


@pytest.fixture(scope="module")
def built() -> Path:
    if not nodebins.is_built() and shutil.which("go") is None:
        what = "go (to build the node binaries, tools/node/build.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and missing prerequisite: {what}", pytrace=False)
        pytest.skip(f"MISSING PREREQUISITE (not run): {what}")
    return nodebins.ensure_built()


def _expected(name: str) -> str:
    pins = nodebins.pins()
    if name in ("kubelet", "kube-proxy"):
        return pins["K8S_VERSION"]
    if name == "crane":
        return pins["CRANE_VERSION"]
    if name == "sandbox":
        return "gitops-platform.local/sandbox"
    return pins["CONTAINERD_VERSION"]


@pytest.mark.cluster
@pytest.mark.timeout(3600)  # a cold build, on 2 cores, is most of it
@pytest.mark.parametrize("name", nodebins.BINARIES)
def test_each_built_binary_reports_its_pinned_version(name: str, built: Path) -> None:
    assert built == nodebins.bin_dir()
    assert nodebins.is_built()
    result = subprocess.run(
        [str(built / name), *nodebins.VERSION_ARGS[name]],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr

    assert result.returncode == 0, output
    assert _expected(name) in output
