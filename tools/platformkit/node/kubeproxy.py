"""kube-proxy for the real node: Service IPs routed by iptables to ready endpoints.

It reads EndpointSlices, so a pod the kubelet's readiness probe marks unready leaves the
rules within one sync. Its identity is ``system:kube-proxy``, which the apiserver's
bootstrap RBAC already binds to ``system:node-proxier``. It changes no conntrack sysctl
(limits left as they are: zeros below) and serves NodePorts on the bridge address only,
never on loopback, so ``route_localnet`` stays off. Its chains are the host ledger's to
remove (``hoststate``), with ``kube-proxy --cleanup`` first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tools.platformkit.cluster.pki import Pki, issue_client, write_kubeconfig

STEM = "kube-proxy"


@dataclass(frozen=True)
class KubeProxyConfig:
    directory: Path
    node_name: str
    node_subnet: str  # the bridge's /24: the pods' range (clusterCIDR)
    healthz_port: int
    metrics_port: int

    @property
    def config_path(self) -> Path:
        return self.directory / "kube-proxy.yaml"

    @property
    def kubeconfig(self) -> Path:
        return self.directory / "kube-proxy.kubeconfig"

    def config(self) -> dict[str, object]:
        return {
            "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
            "kind": "KubeProxyConfiguration",
            "clientConnection": {"kubeconfig": str(self.kubeconfig)},
            "hostnameOverride": self.node_name,
            "mode": "iptables",
            "clusterCIDR": self.node_subnet,
            "healthzBindAddress": f"127.0.0.1:{self.healthz_port}",
            "metricsBindAddress": f"127.0.0.1:{self.metrics_port}",
            "nodePortAddresses": [self.node_subnet],
            "iptables": {"localhostNodePorts": False, "syncPeriod": "30s", "minSyncPeriod": "0s"},
            "conntrack": {
                "maxPerCore": 0,
                "min": 0,
                "tcpEstablishedTimeout": "0s",
                "tcpCloseWaitTimeout": "0s",
            },
        }

    def write(self, pki: Pki, server: str, cluster: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if not pki.crt(STEM).exists():
            issue_client(pki, STEM, "system:kube-proxy")
        self.config_path.write_text(json.dumps(self.config(), indent=1))
        write_kubeconfig(self.kubeconfig, server, pki, STEM, cluster)

    def argv(self, bin_dir: Path) -> list[str]:
        return [str(bin_dir / "kube-proxy"), f"--config={self.config_path}", "--v=1"]
