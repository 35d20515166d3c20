"""FRONTEND_NAMESPACES=*: one watch per kind across the cluster, against the real control plane."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from frontend.cluster.kinds import CLUSTER_KINDS, GITOPS_KINDS, WORKLOAD_KINDS
from tools.platformkit.board import audit_requests, board, status
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.kube import Kube
from tools.platformkit.objects import deployment_manifest
from tools.platformkit.polling import wait_for

pytestmark = pytest.mark.cluster


@pytest.fixture
def other_namespace(kube: Kube) -> Iterator[str]:
    name = f"wide-{secrets.token_hex(3)}"
    kube.run("create", "namespace", name)
    yield name
    kube.run("delete", "namespace", name, "--wait=false", check=False)


def test_one_watch_per_kind_sees_every_namespace(
    kube: Kube, namespace: str, other_namespace: str, kubeconfig: Path,
    control_plane: ControlPlane,
) -> None:  # fmt: skip
    started = time.time()
    with board(kubeconfig, "*") as proc:
        kube.apply(deployment_manifest("left", replicas=1), namespace=namespace)
        kube.apply(deployment_manifest("right", replicas=1), namespace=other_namespace)

        def both() -> bool:
            shown = {g["namespace"] for g in status(proc)["namespaces"]}
            return {namespace, other_namespace} <= shown

        wait_for("both namespaces on the board", both, timeout=60)
        body = status(proc)
        assert body["cluster"]["namespaces"] == ["*"]
        one = httpx.get(proc.url + f"/api/v1/status?namespace={other_namespace}", timeout=5)
        assert one.status_code == 200
        assert [g["namespace"] for g in one.json()["namespaces"]] == [other_namespace]
        assert proc.proc is not None
        watches = [
            e["requestURI"]
            for e in audit_requests(control_plane, proc.proc.pid, started)
            if e.get("verb") == "watch"
        ]  # fmt: skip

    assert watches, "the board watched nothing"
    assert not [uri for uri in watches if "/namespaces/" in uri], watches
    kinds = {uri.split("?", 1)[0].rsplit("/", 1)[-1] for uri in watches}
    # The GitOps kinds join when their CRDs are installed (other tests of the session may
    # have installed Argo CD's and Flux's); they are watched cluster-wide too.
    workload = {k.plural for k in WORKLOAD_KINDS}
    optional = {k.plural for k in (*GITOPS_KINDS, *CLUSTER_KINDS)}  # nodes: when allowed
    assert workload <= kinds <= workload | optional
