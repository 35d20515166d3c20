"""StatefulSets and DaemonSets on the board, against the real control plane: each rolls
out and the board says what ``kubectl rollout status`` says, at the same moment."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tools.platformkit.board import board, status
from tools.platformkit.cluster.faults import fault_labels
from tools.platformkit.kube import Kube
from tools.platformkit.objects import IMAGE
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import ServiceProcess

pytestmark = pytest.mark.cluster
Json = dict[str, Any]
NEXT_IMAGE = f"{IMAGE[:-5]}6.9.1"


def workload_manifest(kind: str, name: str, *, on_delete: bool = False, **spec: Any) -> Json:
    strategy = {"type": "OnDelete" if on_delete else "RollingUpdate"}
    labels = {"app": name, **fault_labels("slow-ready")}
    return {
        "apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}}, "updateStrategy": strategy,
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": "app", "image": IMAGE}]}},
            **spec,
        },
    }  # fmt: skip


def workload(proc: ServiceProcess, key: str, name: str) -> Json | None:
    for group in status(proc)["namespaces"]:
        for entry in group[key]:
            if entry["workload"]["name"] == name:
                found: Json = entry["workload"]
                return found
    return None


def kubectl_says(kube: Kube, namespace: str, ref: str) -> str:
    result = kube.run("rollout", "status", ref, "-n", namespace, "--watch=false", check=False)
    return (result.stdout or result.stderr).strip().removeprefix("error: ")


def agree(kube: Kube, proc: ServiceProcess, namespace: str, key: str, ref: str) -> Json:
    """Wait until the board's message is kubectl's, read twice around it (a stable moment)."""
    name = ref.split("/", 1)[1]

    def same() -> Json | None:
        before = kubectl_says(kube, namespace, ref)
        card = workload(proc, key, name)
        after = kubectl_says(kube, namespace, ref)
        return card if card and before == after == card["rollout"]["message"] else None

    found: Json = wait_for(f"the board and kubectl agree on {ref}", same, timeout=90, every=0.3)
    return found


def test_a_statefulset_rolls_out_with_kubectls_messages(
    kube: Kube, namespace: str, kubeconfig: Path
) -> None:
    with board(kubeconfig, namespace) as proc:
        kube.apply(workload_manifest("StatefulSet", "db", replicas=3, serviceName="db"),
                   namespace=namespace)  # fmt: skip
        first = agree(kube, proc, namespace, "statefulsets", "statefulset/db")
        wait_for("db rolled out", lambda: (c := workload(proc, "statefulsets", "db"))
                 and c["rollout"]["done"] and c)  # fmt: skip
        first = agree(kube, proc, namespace, "statefulsets", "statefulset/db")
        assert first["kind"] == "StatefulSet"
        assert first["health"]["code"] == "Healthy"
        # v1.36 leaves rollingUpdate unset, so kubectl compares the revisions.
        assert re.fullmatch(
            r"statefulset rolling update complete 3 pods at revision db-[0-9a-f]+\.\.\.",
            first["rollout"]["message"],
        ), first["rollout"]
        assert [p["name"] for p in first["pods"]] == ["db-0", "db-1", "db-2"]

        # A partitioned update: only ordinals >= 2 move; kubectl calls that complete.
        kube.run("patch", "statefulset/db", "-n", namespace, "--type=merge", "-p",
                 '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}')  # fmt: skip
        kube.run("set", "image", "statefulset/db", f"app={NEXT_IMAGE}", "-n", namespace)
        seen: set[str] = set()

        def partitioned() -> Json | None:
            card = workload(proc, "statefulsets", "db")
            if card:
                seen.add(card["rollout"]["message"])
            return (
                card
                if card
                and card["rollout"]["message"].startswith("partitioned roll out complete: 1")
                else None
            )

        wait_for("the partition rolled out", partitioned, timeout=90, every=0.2)
        done = agree(kube, proc, namespace, "statefulsets", "statefulset/db")
        assert (
            done["rollout"]["message"]
            == "partitioned roll out complete: 1 new pods have been updated..."
        )
        assert done["revision"] == 2
        current = [p["name"] for p in done["pods"] if p["current"]]
        assert current == ["db-2"], done["pods"]
        history = [r["revision"] for r in done["revisions"]["history"]]
        assert history == [2, 1]
        assert any(m.startswith(("Waiting for", "partitioned")) for m in seen), seen


def test_a_daemonset_rolls_out_and_an_on_delete_one_is_kubectls_error(
    kube: Kube, namespace: str, kubeconfig: Path
) -> None:
    # Created before the board starts, so it arrives in the initial LIST, whose items carry
    # no kind: the board must still know it is a DaemonSet.
    kube.apply(workload_manifest("DaemonSet", "legacy", on_delete=True), namespace=namespace)
    with board(kubeconfig, namespace) as proc:
        kube.apply(workload_manifest("DaemonSet", "agent"), namespace=namespace)
        wait_for("agent rolled out", lambda: (c := workload(proc, "daemonsets", "agent"))
                 and c["rollout"]["done"] and c)  # fmt: skip
        agent = agree(kube, proc, namespace, "daemonsets", "daemonset/agent")
        assert agent["rollout"]["message"] == 'daemon set "agent" successfully rolled out'
        assert agent["counts"]["desired"] == len(agent["pods"]) >= 2

        kube.run("set", "image", "daemonset/agent", f"app={NEXT_IMAGE}", "-n", namespace)
        seen: set[str] = set()

        def rolled() -> Json | None:
            card = workload(proc, "daemonsets", "agent")
            if card:
                seen.add(card["rollout"]["message"])
            return card if card and card["revision"] == 2 and card["rollout"]["done"] else None

        wait_for("agent at revision 2", rolled, timeout=90, every=0.2)
        done = agree(kube, proc, namespace, "daemonsets", "daemonset/agent")
        assert done["health"]["code"] == "Healthy"
        assert all(p["current"] for p in done["pods"])
        assert any(
            m.startswith('Waiting for daemon set "agent" rollout to finish') for m in seen
        ), seen

        legacy = agree(kube, proc, namespace, "daemonsets", "daemonset/legacy")
        assert (
            legacy["rollout"]["message"]
            == "rollout status is only available for RollingUpdate strategy type"
        )
        assert legacy["rollout"]["error"] is True
        assert legacy["health"]["message"].startswith("daemon set ")
