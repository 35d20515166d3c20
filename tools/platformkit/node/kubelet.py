"""The kubelet's configuration and identity on the real node.

Its client identity is a certificate ``O=system:nodes, CN=system:node:NAME`` signed by
the cluster CA, so the apiserver's Node authorizer limits it to its own node and pods.
It serves its API (logs, exec) on the bridge address only, with webhook authentication
and authorization and no anonymous or read-only port; its health endpoint is on
loopback. This machine has cgroup v1: kubelet 1.35+ refuses it unless ``failCgroupV1``
is false, and the cgroupfs driver is used because no systemd manages cgroups here. On a
cgroup v2 host the same file works (``failCgroupV1`` only matters on v1).

The node carries a taint that only the platform's own workloads tolerate: anything
else the scheduler places goes to kwok's fake nodes, and the images that run here are
only the ones the registry on loopback holds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tools.platformkit.cluster.pki import Pki, issue_client, write_kubeconfig

NODE_NAME = "gitops-real-node"
TAINT_KEY = "gitops-platform.io/real-node"
NODE_LABEL = "gitops-platform.io/node"  # = "real"


def cgroup_v2() -> bool:
    return Path("/sys/fs/cgroup/cgroup.controllers").exists()


@dataclass(frozen=True)
class KubeletConfig:
    directory: Path
    node_ip: str
    runtime_socket: Path
    port: int
    healthz_port: int
    name: str = NODE_NAME

    @property
    def config_path(self) -> Path:
        return self.directory / "kubelet.yaml"

    @property
    def kubeconfig(self) -> Path:
        return self.directory / "kubelet.kubeconfig"

    @property
    def root_dir(self) -> Path:
        return self.directory / "root"

    def config(self, ca_file: Path) -> dict[str, object]:
        d = self.directory
        return {
            "apiVersion": "kubelet.config.k8s.io/v1beta1",
            "kind": "KubeletConfiguration",
            "address": self.node_ip,
            "port": self.port,
            "readOnlyPort": 0,
            "healthzBindAddress": "127.0.0.1",
            "healthzPort": self.healthz_port,
            "authentication": {
                "anonymous": {"enabled": False},
                "webhook": {"enabled": True},
                "x509": {"clientCAFile": str(ca_file)},
            },
            "authorization": {"mode": "Webhook"},
            "cgroupDriver": "systemd"
            if cgroup_v2() and Path("/run/systemd/system").exists()
            else "cgroupfs",
            "failCgroupV1": False,
            "failSwapOn": False,
            "containerRuntimeEndpoint": f"unix://{self.runtime_socket}",
            "podLogsDir": str(d / "pod-logs"),
            "clusterDomain": "cluster.local",
            "resolvConf": "/etc/resolv.conf",
            # Small thresholds: a shared build machine's disk is often fuller than 85 %.
            "evictionHard": {
                "memory.available": "100Mi",
                "nodefs.available": "1%",
                "imagefs.available": "1%",
                "nodefs.inodesFree": "1%",
            },
            "imageGCHighThresholdPercent": 100,
            "imageGCLowThresholdPercent": 99,
            "serializeImagePulls": False,
            "registerWithTaints": [{"key": TAINT_KEY, "value": "true", "effect": "NoSchedule"}],
            "nodeStatusReportFrequency": "10s",
            "shutdownGracePeriod": "0s",
            "maxPods": 30,
        }

    def write(self, pki: Pki, server: str, cluster: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"node-{self.name}"
        if not pki.crt(stem).exists():
            issue_client(pki, stem, f"system:node:{self.name}", "system:nodes")
        # The kubelet reads YAML; JSON is YAML.
        self.config_path.write_text(json.dumps(self.config(pki.ca_crt), indent=1))
        write_kubeconfig(self.kubeconfig, server, pki, stem, cluster)

    def argv(self, bin_dir: Path) -> list[str]:
        return [
            str(bin_dir / "kubelet"),
            f"--config={self.config_path}",
            f"--kubeconfig={self.kubeconfig}",
            f"--root-dir={self.root_dir}",
            f"--cert-dir={self.directory / 'pki'}",
            f"--hostname-override={self.name}",
            f"--node-ip={self.node_ip}",
            f"--node-labels={NODE_LABEL}=real",
            "--v=1",
        ]
