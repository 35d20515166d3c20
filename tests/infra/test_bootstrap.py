"""infra/live/local applied for real: a fresh control plane bootstrapped by OpenTofu,
then delivered to by Flux from the objects the bootstrap created.

A control plane of its own, because ``destroy`` removes the Flux CRDs the session's
other tests use. The only apply is ``tofu apply``; Flux delivers dev.
"""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.localplatform import versions
from tools.platformkit import binaries, processes
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.gitops import flux as flux_build
from tools.platformkit.gitops.flux import NAMESPACE, Flux, ready_condition
from tools.platformkit.gitops.flux_view import flux_revision
from tools.platformkit.gitops.gitserver import GitServer
from tools.platformkit.kube import Kube
from tools.platformkit.polling import wait_for
from tools.platformkit.tofu import Tofu

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.flux,
    pytest.mark.tofu,
    pytest.mark.usefixtures("tofu_build"),
]
DEV = "gitops-platform-dev"
BINDING = "gitops-platform-frontend-read"  # the board's RoleBinding in flux-system


@dataclass
class Bootstrapped:
    tofu: Tofu
    kube: Kube
    cp: ControlPlane
    var_file: str
    commit: str
    state: Path


@pytest.fixture(scope="module")
def bootstrapped(
    tmp_path_factory: pytest.TempPathFactory, git_server: GitServer
) -> Iterator[Bootstrapped]:
    root = tmp_path_factory.mktemp("tofu-bootstrap")
    cp = ControlPlane(f"pytest-tofu-{secrets.token_hex(3)}", nodes=2)
    try:
        cp.up()
        kube = Kube(str(binaries.find_kubectl()), cp.kubeconfig)
        name = f"tofu-{secrets.token_hex(3)}"
        repo = versions.seed_config_repo(git_server.create_repo(name), root / "work")
        tofu = Tofu("live/local", root / "tofu")
        var_file = tofu.var_file(
            {
                "kubeconfig": str(cp.kubeconfig),
                "git_url": git_server.url(name),
                "source_interval": "10s",
                "flux_build_dir": str(flux_build.ensure_built()),
                "environments": {
                    "dev": {"interval": "1m", "retry_interval": "5s", "timeout": "90s"}
                },
            }
        )
        tofu.init(state=root / "terraform.tfstate")
        yield Bootstrapped(tofu, kube, cp, var_file, repo.head(), root / "terraform.tfstate")
    finally:
        cp.down()


def plan_exit_code(b: Bootstrapped) -> tuple[int, str]:
    result = b.tofu.run("plan", "-detailed-exitcode", "-no-color", b.var_file, check=False)
    return result.returncode, result.stdout + result.stderr


def test_apply_then_drift_then_flux_delivers_then_destroy_leaves_nothing(
    bootstrapped: Bootstrapped, tmp_path: Path
) -> None:
    b, kube = bootstrapped, bootstrapped.kube
    b.tofu.run("apply", "-auto-approve", "-no-color", b.var_file)
    applied_s = b.tofu.timings["apply"]

    # Everything a fresh cluster needs before GitOps takes over is there.
    labels = kube.json("get", "namespace", DEV)["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    crds = kube.json("get", "crd")["items"]
    assert {c["metadata"]["name"] for c in crds} >= {
        "gitrepositories.source.toolkit.fluxcd.io",
        "kustomizations.kustomize.toolkit.fluxcd.io",
    }
    assert (
        kube.run("get", "serviceaccount", "-n", NAMESPACE, "kustomize-controller").returncode == 0
    )

    code, _ = plan_exit_code(b)
    assert code == 0, "a second plan right after apply must report no changes"
    clean_plan_s = b.tofu.timings["plan"]

    # A RoleBinding deleted by hand is drift: plan exits 2 and names it; apply restores it.
    kube.run("delete", "rolebinding", "-n", NAMESPACE, BINDING)
    code, out = plan_exit_code(b)
    assert code == 2, out
    assert f'kubectl_manifest.gitops["RoleBinding/{BINDING}"] will be created' in out
    b.tofu.run("apply", "-auto-approve", "-no-color", b.var_file)
    assert kube.run("get", "rolebinding", "-n", NAMESPACE, BINDING).returncode == 0
    assert plan_exit_code(b)[0] == 0

    # Flux, with the identities the bootstrap made, delivers dev from the objects it made.
    flux = Flux(kube, b.cp.server, b.cp.pki.ca_crt, tmp_path / "flux").connect().start()
    try:
        started = time.monotonic()

        def dev_ready() -> bool:
            obj = flux.get("Kustomization", DEV)
            ready = ready_condition(obj)
            applied = (obj.get("status") or {}).get("lastAppliedRevision")
            return ready.get("status") == "True" and applied == flux_revision(b.commit)

        wait_for(
            "Kustomization gitops-platform-dev Ready at the seeded commit",
            dev_ready,
            180,
            alive=flux.alive,
            tolerate=processes.CONNECTION_ERRORS,
        )
        delivered_s = time.monotonic() - started
        assert kube.run("get", "deployment", "-n", DEV, "backend").returncode == 0

        b.tofu.run("destroy", "-auto-approve", "-no-color", b.var_file, timeout=600)
        destroyed_s = b.tofu.timings["destroy"]
    finally:
        flux.stop()

    # Nothing left behind: Flux pruned what it delivered, tofu removed the rest.
    for kind, name in [("namespace", DEV), ("namespace", NAMESPACE),
                       ("crd", "kustomizations.kustomize.toolkit.fluxcd.io"),
                       ("clusterrole", "flux-kustomize-controller"),
                       ("clusterrolebinding", "flux-kustomize-controller-reconciler")]:  # fmt: skip
        gone = kube.run("get", kind, name, check=False)
        assert gone.returncode != 0, (kind, name, gone.stdout)
        assert "NotFound" in gone.stderr, (kind, name, gone.stderr)
    flux_crds = [
        c for c in kube.json("get", "crd")["items"] if "fluxcd.io" in c["metadata"]["name"]
    ]
    assert flux_crds == []
    sys.stderr.write(
        f"tofu bootstrap: init {b.tofu.timings['init']} s, first apply {applied_s} s, "
        f"clean plan {clean_plan_s} s, Flux dev Ready {delivered_s:.1f} s after start, "
        f"destroy {destroyed_s} s\n"
    )
