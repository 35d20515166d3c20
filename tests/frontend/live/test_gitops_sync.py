"""GitOps sync status on the board, from real Argo CD and Flux objects on the real API server.

No Argo CD or Flux controller runs here: their CRDs (from the Go modules, via
tools/k8s/fetch-crds.sh) are installed, and the status a controller would write is
written through the real API, so the board discovers the CRDs, lists and watches
real custom objects, and maps them onto the Deployment card.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tools.platformkit.board import board, status
from tools.platformkit.kube import Kube
from tools.platformkit.objects import deployment_manifest
from tools.platformkit.paths import REPO_ROOT as ROOT
from tools.platformkit.polling import wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def gitops_crds(kube: Kube) -> None:
    out = subprocess.run(
        ["bash", str(ROOT / "tools/k8s/fetch-crds.sh")], capture_output=True, text=True, check=True
    ).stdout.strip()
    crds = Path(out)
    for name in ("application-crd.yaml", "kustomize.toolkit.fluxcd.io_kustomizations.yaml"):
        kube.run("apply", "--server-side", "--force-conflicts", "-f", str(crds / name))
    established = ("crd/applications.argoproj.io", "crd/kustomizations.kustomize.toolkit.fluxcd.io")
    kube.run("wait", "--for=condition=Established", "--timeout=60s", *established)


def gitops_of(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    for group in body["namespaces"]:
        for entry in group["deployments"]:
            if entry["deployment"]["name"] == name:
                found: list[dict[str, Any]] = entry["gitops"]
                return found
    return []


@pytest.mark.usefixtures("gitops_crds")
def test_board_shows_argo_cd_and_flux_sync_status(
    kube: Kube, namespace: str, kubeconfig: Path
) -> None:
    control = f"{namespace}-gitops"[:63]
    kube.run("create", "namespace", control)
    kube.apply(deployment_manifest("web", replicas=1), namespace=namespace)
    application = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web-dev", "namespace": control},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://example.invalid/config.git", "path": "k8s/overlays/dev"},
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
        },
        # Argo CD writes status with the object itself (the CRD has no status subresource).
        "status": {
            "sync": {"status": "OutOfSync", "revision": "c" * 40},
            "health": {"status": "Progressing"},
            "resources": [
                {"group": "apps", "kind": "Deployment", "namespace": namespace, "name": "web",
                 "status": "OutOfSync", "health": {"status": "Progressing"}},
            ],
        },
    }  # fmt: skip
    kustomization = {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": "apps-dev", "namespace": control},
        "spec": {
            "interval": "1m",
            "path": "./k8s/overlays/dev",
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": "config"},
        },
    }
    kube.apply(application, kustomization)
    flux_status = {
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
                            "message": "Applied revision: main@sha1:" + "d" * 40,
                            "lastTransitionTime": "2026-11-26T00:00:00Z"}],
            "lastAppliedRevision": "main@sha1:" + "d" * 40,
            "inventory": {"entries": [{"id": f"{namespace}_web_apps_Deployment", "v": "v1"}]},
        }
    }  # fmt: skip
    kube.run("patch", "kustomization.kustomize.toolkit.fluxcd.io", "apps-dev", "-n", control,
             "--subresource=status", "--type=merge", "-p", json.dumps(flux_status))  # fmt: skip
    try:
        with board(
            kubeconfig,
            namespace,
            FRONTEND_GITOPS_NAMESPACES=control,
            FRONTEND_CRD_RECHECK_SECONDS="5",
        ) as proc:

            def both() -> list[dict[str, Any]] | None:
                entries = gitops_of(status(proc), "web")
                return entries if len(entries) == 2 else None

            found = wait_for("both GitOps tools on the web card", both, timeout=60)
            by_tool = {entry["tool"]: entry for entry in found}
            assert by_tool["Argo CD"]["sync"] == "OutOfSync"
            assert by_tool["Argo CD"]["health"] == "Progressing"
            assert by_tool["Argo CD"]["source"] == f"{control}/web-dev"
            assert by_tool["Flux"]["sync"] == "Ready"
            assert by_tool["Flux"]["source"] == f"{control}/apps-dev"

            # The environments view from the same objects: Flux's first, then Argo CD's,
            # each with what it applied and that workload's health.
            view = httpx.get(proc.url + "/api/v1/environments", timeout=5).json()
            assert [e["source"] for e in view["environments"]] == [
                f"{control}/apps-dev",
                f"{control}/web-dev",
            ]
            for env in view["environments"]:
                (applied,) = env["workloads"]
                assert (applied["namespace"], applied["name"]) == (namespace, "web")
                assert applied["health"] is not None
            assert view["environments"][0]["applied_revision"] == "main@sha1:" + "d" * 12
            (row,) = view["applications"]
            assert row["application"] == "web"

            # Argo CD finishes the sync: the board follows the watch, without a reload.
            resource = {
                "group": "apps", "kind": "Deployment", "namespace": namespace, "name": "web",
                "status": "Synced", "health": {"status": "Healthy"},
            }  # fmt: skip
            synced = {
                "status": {
                    "sync": {"status": "Synced", "revision": "c" * 40},
                    "health": {"status": "Healthy"},
                    "resources": [resource],
                }
            }
            kube.run("patch", "application.argoproj.io", "web-dev", "-n", control, "--type=merge",
                     "-p", json.dumps(synced))  # fmt: skip
            wait_for(
                "Argo CD Synced on the board",
                lambda: any(
                    (e["tool"], e["sync"], e["health"]) == ("Argo CD", "Synced", "Healthy")
                    for e in gitops_of(status(proc), "web")
                ),
                timeout=30,
            )  # fmt: skip
            assert "Synced" in httpx.get(proc.url + "/", timeout=5).text
    finally:
        kube.run("delete", "namespace", control, "--wait=false", check=False)
