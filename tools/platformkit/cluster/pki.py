"""Cluster PKI via the openssl CLI, and kubeconfig files.

One CA signs a serving cert for kube-apiserver and one client cert per component,
so the audit log and RBAC see distinct users (as on a kubeadm cluster) instead of
one shared admin identity.
"""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass
from pathlib import Path

# (file stem, CN, O). KCM and scheduler use the identities the RBAC bootstrap
# policy already grants; kwok patches node/pod status everywhere, so it is admin.
CLIENTS = (
    ("admin", "gitops-admin", "system:masters"),
    ("kube-controller-manager", "system:kube-controller-manager", ""),
    ("kube-scheduler", "system:kube-scheduler", ""),
    ("kwok", "kwok-controller", "system:masters"),
    # The apiserver's identity towards kubelets (logs, exec, port-forward), as kubeadm's.
    ("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"),
)
SERVER_SANS = (
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,"
    "DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1"
)


@dataclass(frozen=True)
class Pki:
    directory: Path

    @property
    def ca_crt(self) -> Path:
        return self.directory / "ca.crt"

    @property
    def sa_key(self) -> Path:
        return self.directory / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.directory / "sa.pub"

    def crt(self, stem: str) -> Path:
        return self.directory / f"{stem}.crt"

    def key(self, stem: str) -> Path:
        return self.directory / f"{stem}.key"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _sign(d: Path, stem: str, subject: str, ext: str) -> None:
    _openssl("genrsa", "-traditional", "-out", f"{stem}.key", "2048", cwd=d)
    _openssl("req", "-new", "-key", f"{stem}.key", "-subj", subject, "-out", f"{stem}.csr", cwd=d)
    (d / f"{stem}.ext").write_text(ext)
    _openssl(
        "x509",
        "-req",
        "-in",
        f"{stem}.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "3650",
        "-extfile",
        f"{stem}.ext",
        "-out",
        f"{stem}.crt",
        cwd=d,
    )


def issue_client(pki: Pki, stem: str, cn: str, org: str = "") -> Pki:
    """One more client certificate signed by the cluster CA (a kubelet's node identity)."""
    base = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
    subject = (f"/O={org}" if org else "") + f"/CN={cn}"
    _sign(pki.directory, stem, subject, base + "extendedKeyUsage=clientAuth\n")
    return pki


def create_pki(directory: Path, extra_ips: tuple[str, ...] = ()) -> Pki:
    """The CA, the apiserver's serving cert (EXTRA_IPS added to its names) and the clients."""
    d = directory
    d.mkdir(parents=True, exist_ok=True)
    _openssl("genrsa", "-traditional", "-out", "ca.key", "2048", cwd=d)
    _openssl(
        "req",
        "-x509",
        "-new",
        "-nodes",
        "-key",
        "ca.key",
        "-subj",
        "/CN=gitops-platform-ca",
        "-days",
        "3650",
        "-out",
        "ca.crt",
        cwd=d,
    )
    base = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
    _sign(
        d,
        "apiserver",
        "/CN=kube-apiserver",
        base
        + "extendedKeyUsage=serverAuth\nsubjectAltName="
        + ",".join([SERVER_SANS, *(f"IP:{ip}" for ip in extra_ips)])
        + "\n",
    )
    for stem, cn, org in CLIENTS:
        subject = (f"/O={org}" if org else "") + f"/CN={cn}"
        _sign(d, stem, subject, base + "extendedKeyUsage=clientAuth\n")
    _openssl("genrsa", "-traditional", "-out", "sa.key", "2048", cwd=d)
    _openssl("rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=d)
    return Pki(d)


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def write_kubeconfig(path: Path, server: str, pki: Pki, client: str, cluster: str) -> Path:
    """Self-contained kubeconfig (certs embedded), so it can be copied anywhere."""
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: {cluster}\n  cluster:\n    server: {server}\n"
        f"    certificate-authority-data: {_b64(pki.ca_crt)}\n"
        f"users:\n- name: {client}\n  user:\n"
        f"    client-certificate-data: {_b64(pki.crt(client))}\n"
        f"    client-key-data: {_b64(pki.key(client))}\n"
        f"contexts:\n- name: {cluster}\n  context:\n    cluster: {cluster}\n"
        f"    user: {client}\n    namespace: default\n"
        f"current-context: {cluster}\n"
    )
    path.chmod(0o600)
    return path
