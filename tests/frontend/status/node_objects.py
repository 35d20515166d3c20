"""Node objects as a v1.36 apiserver returns them: ready, lost (the kubelet stopped
posting, as the node lifecycle controller marks it), not ready, cordoned."""

from __future__ import annotations

import copy
from typing import Any

Json = dict[str, Any]
NAME = "gp-node0"  # tools/platformkit/node/kubelet.py NODE_NAME
BEAT = "2026-12-07T10:00:00Z"
LOST_AT = "2026-12-07T10:00:50Z"
LOST = "Kubelet stopped posting node status."
CNI = (
    "container runtime network not ready: NetworkReady=false "
    "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"
)
_KUBELET = {  # type -> (status, reason, message) the kubelet posts on a healthy node
    "MemoryPressure": (
        "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"
    ),
    "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    "Ready": ("True", "KubeletReady", "kubelet is posting ready status"),
}  # fmt: skip


def node(name: str = NAME, rv: str = "100", heartbeat: str = BEAT) -> Json:
    """A Ready node."""
    return {
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "uid": f"uid-{name}",
            "resourceVersion": rv,
            "creationTimestamp": "2026-12-07T09:00:00Z",
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
            "managedFields": [{"manager": "kubelet", "operation": "Update"}],
        },
        "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]},
        "status": {
            "capacity": {"cpu": "4", "memory": "8141152Ki", "pods": "110"},
            "allocatable": {"cpu": "4", "memory": "8038752Ki", "pods": "110"},
            "conditions": [
                {
                    "type": kind,
                    "status": status,
                    "reason": reason,
                    "message": message,
                    "lastHeartbeatTime": heartbeat,
                    "lastTransitionTime": "2026-12-07T09:00:10Z",
                }
                for kind, (status, reason, message) in _KUBELET.items()
            ],
            "addresses": [
                {"type": "InternalIP", "address": "10.0.0.10"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "kubeletVersion": "v1.36.3",
                "containerRuntimeVersion": "containerd://2.2.9",
                "operatingSystem": "linux",
                "architecture": "amd64",
            },
            "images": [
                {"names": [f"registry.local/app@sha256:{n:064x}"], "sizeBytes": 1000 + n}
                for n in range(3)
            ],
        },
    }


def lost(name: str = NAME, rv: str = "200") -> Json:
    """The kubelet stopped renewing: the node lifecycle controller's marks (every
    condition Unknown, NodeStatusUnknown, the unreachable taints)."""
    obj = node(name, rv)
    for entry in obj["status"]["conditions"]:
        entry.update(status="Unknown", reason="NodeStatusUnknown", message=LOST,
                     lastTransitionTime=LOST_AT)  # fmt: skip
    obj["spec"]["taints"] = [
        {"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": LOST_AT},
        {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": LOST_AT},
    ]
    return obj


def not_ready(name: str = NAME, rv: str = "300") -> Json:
    """The kubelet posts Ready=False (here: no CNI yet); the controller taints it."""
    obj = node(name, rv)
    ready = obj["status"]["conditions"][-1]
    ready.update(status="False", reason="KubeletNotReady", message=CNI, lastTransitionTime=LOST_AT)
    obj["spec"]["taints"] = [{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}]
    return obj


def cordoned(name: str = NAME, rv: str = "400") -> Json:
    obj = copy.deepcopy(node(name, rv))
    obj["spec"]["unschedulable"] = True
    obj["spec"]["taints"] = [
        {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": BEAT}
    ]
    return obj
