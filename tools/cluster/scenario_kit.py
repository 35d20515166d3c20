"""Building blocks for the fixture scenarios: context, predicates, kubectl helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.kube import ApiClient, Json, Kube
from tools.platformkit.objects import IMAGE, deployment_manifest

WaitFor = Callable[..., Json]
Steps = Iterator[tuple[str, Json]]


@dataclass(frozen=True)
class Ctx:
    """What a scenario drives: the cluster, kubectl, the raw API, its namespace."""

    cp: ControlPlane
    kube: Kube
    api: ApiClient
    ns: str
    wait_for: WaitFor

    def wait(self, check: Callable[[Json], bool], what: str, timeout: float = 60) -> Json:
        return self.wait_for(self.api, self.ns, check, what, timeout)


Run = Callable[[Ctx], Steps]
IMAGE_V2 = IMAGE.rsplit(":", 1)[0] + ":6.9.1"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    cases: tuple[str, ...]
    run: Run


def cond(dep: Json, kind: str) -> Json:
    found: Json = next(
        (c for c in dep.get("status", {}).get("conditions", []) if c["type"] == kind), {}
    )
    return found


def complete(snap: Json) -> bool:
    dep = snap["deployment"]
    st, want = dep.get("status", {}), dep["spec"]["replicas"]
    return (
        st.get("observedGeneration", 0) >= dep["metadata"]["generation"]
        and st.get("updatedReplicas", 0)
        == st.get("replicas", 0)
        == st.get("availableReplicas", 0)
        == want
        and cond(dep, "Progressing").get("reason") == "NewReplicaSetAvailable"
        and len(snap["pods"]) == want
    )


def waiting(pod: Json, init: bool = False) -> str:
    key = "initContainerStatuses" if init else "containerStatuses"
    statuses = pod.get("status", {}).get(key) or [{}]
    reason: str = statuses[0].get("state", {}).get("waiting", {}).get("reason", "")
    return reason


def apply_web(c: Ctx, **kw: Any) -> None:
    c.kube.apply(deployment_manifest("web", replicas=kw.pop("replicas", 3), **kw), namespace=c.ns)


def patch_template(c: Ctx, image: str, labels: dict[str, str]) -> None:
    patch = {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }
    c.kube.run(
        "patch", "deployment", "web", "-n", c.ns, "-p", json.dumps({"spec": {"template": patch}})
    )


def status(snap: Json) -> Json:
    status: Json = snap["deployment"].get("status", {})
    return status


def settled(snap: Json, replicas: int = 3) -> bool:
    """Controllers caught up: generations observed, status counts the live pods."""
    dep, rs_list = snap["deployment"], snap["replicasets"]
    return (
        status(snap).get("observedGeneration") == dep["metadata"]["generation"]
        and status(snap).get("replicas", 0) == replicas
        and all(
            r["status"].get("observedGeneration") == r["metadata"]["generation"] for r in rs_list
        )
        and sum(r["status"].get("replicas", 0) for r in rs_list) == replicas
    )


def reason(snap: Json, kind: str) -> str:
    return str(cond(snap["deployment"], kind).get("reason", ""))
