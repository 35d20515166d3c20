"""Command lines and config files of the control-plane components.

Flags follow kubeadm/kwokctl where they matter (see docs/decisions/0002): loopback
binds, no loopback --advertise-address (the apiserver derives one from the default
route), per-component identities, leader election off so restarts are instant.
"""

from __future__ import annotations

from pathlib import Path

from tools.platformkit.cluster.pki import Pki
from tools.platformkit.cluster.stages import write_stage_file

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
SERVICE_CIDR = "10.96.0.0/16"
HEALTH_PATHS = "/healthz,/readyz,/livez,/metrics"
AUDIT_POLICY = """apiVersion: audit.k8s.io/v1
kind: Policy
# One line per request (ResponseComplete; watches also log ResponseStarted) with
# user, userAgent, verb and objectRef, so request rates can be counted per client.
omitStages: ["RequestReceived"]
rules:
- level: Metadata
"""


def component_argv(
    d: Path,
    bin_dir: Path,
    p: dict[str, int],
    pki: Pki,
    pod_cidr: str,
    stages: Path,
    host: str = "127.0.0.1",
) -> dict[str, list[str]]:
    """Write config files into state dir D and return each component's argv.

    HOST is the apiserver's address: loopback, or a real node's host-local bridge
    address, so pods reach it through the ``kubernetes`` Service (never 0.0.0.0).
    """
    (d / "audit-policy.yaml").write_text(AUDIT_POLICY)
    (d / "scheduler.yaml").write_text(
        "apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n"
        f"clientConnection: {{kubeconfig: {d / 'kubeconfig-kube-scheduler'}}}\n"
        "leaderElection: {leaderElect: false}\n"
    )
    faults = write_stage_file(d / "kwok-fault-stages.json")
    etcd = f"http://127.0.0.1:{p['etcd']}"
    peer = f"http://127.0.0.1:{p['etcd-peer']}"
    b = str(bin_dir)
    return {
        "etcd": [
            f"{b}/etcd",
            "--name=node0",
            f"--data-dir={d / 'etcd-data'}",
            f"--listen-client-urls={etcd}",
            f"--advertise-client-urls={etcd}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=node0={peer}",
            "--listen-metrics-urls=http://127.0.0.1:0",
            "--quota-backend-bytes=8589934592",
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ],
        "kube-apiserver": [
            f"{b}/kube-apiserver",
            f"--etcd-servers={etcd}",
            f"--bind-address={host}",
            *([f"--advertise-address={host}"] if host != "127.0.0.1" else []),
            f"--secure-port={p['kube-apiserver']}",
            f"--tls-cert-file={pki.crt('apiserver')}",
            f"--tls-private-key-file={pki.key('apiserver')}",
            f"--client-ca-file={pki.ca_crt}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--authorization-mode=Node,RBAC",
            # kubectl logs/exec reach a real kubelet at its node IP, as itself.
            "--kubelet-preferred-address-types=InternalIP,Hostname",
            f"--kubelet-client-certificate={pki.crt('apiserver-kubelet-client')}",
            f"--kubelet-client-key={pki.key('apiserver-kubelet-client')}",
            "--allow-privileged=true",
            "--profiling=false",
            f"--audit-policy-file={d / 'audit-policy.yaml'}",
            f"--audit-log-path={d / 'audit.log'}",
            # The watch cache serves old resourceVersions regardless of etcd compaction;
            # podtemplates (unused by the platform) skip it, so a watch there shows etcd's
            # own 410 after compaction (see tools.platformkit.cluster.faults).
            "--watch-cache-sizes=podtemplates#0",
        ],
        "kube-controller-manager": [
            f"{b}/kube-controller-manager",
            f"--kubeconfig={d / 'kubeconfig-kube-controller-manager'}",
            "--bind-address=127.0.0.1",
            f"--secure-port={p['kube-controller-manager']}",
            f"--authorization-always-allow-paths={HEALTH_PATHS}",
            "--leader-elect=false",
            # One identity per controller, as kubeadm does: the audit log can tell them apart.
            "--use-service-account-credentials=true",
            f"--root-ca-file={pki.ca_crt}",
            f"--service-account-private-key-file={pki.sa_key}",
            "--profiling=false",
        ],
        "kube-scheduler": [
            f"{b}/kube-scheduler",
            f"--config={d / 'scheduler.yaml'}",
            "--bind-address=127.0.0.1",
            f"--secure-port={p['kube-scheduler']}",
            f"--authorization-always-allow-paths={HEALTH_PATHS}",
            "--profiling=false",
        ],
        "kwok": [
            f"{b}/kwok",
            f"--kubeconfig={d / 'kubeconfig-kwok'}",
            # Upstream "fast" stages (copied into the build cache) + our fault stages.
            f"--config={stages / 'fast'}",
            f"--config={faults}",
            # Only the fake nodes (they carry this annotation): a real node's kubelet owns
            # its Lease and its pods' statuses, and kwok must never touch them.
            "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
            "--node-ip=127.0.0.1",
            f"--node-port={p['kwok']}",
            # Without --server-address kwok would listen on 0.0.0.0.
            f"--server-address=127.0.0.1:{p['kwok']}",
            "--node-lease-duration-seconds=40",
            f"--cidr={pod_cidr}",
        ],
    }
