"""Supervisor for a real local control plane: etcd, kube-apiserver, KCM, scheduler, kwok.

Plain processes (not kwokctl) so tests can stop and restart the apiserver alone.
Everything binds to 127.0.0.1 on free ports; state lives in
``~/.cache/gitops-platform/cluster/<name>/`` (kubeconfig, pki, logs, audit.log).

CLI: ``python -m tools.platformkit.cluster.controlplane up|down|status [--name dev] [--nodes N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import ssl
import sys
import time
from pathlib import Path
from typing import Any

from tools.platformkit import binaries, polling, processes
from tools.platformkit.cluster.components import COMPONENTS, component_argv
from tools.platformkit.cluster.pki import Pki, create_pki, write_kubeconfig
from tools.platformkit.kube import ApiClient

# Not loopback by default: EndpointSlice validation rejects 127.0.0.0/8 endpoint
# addresses (measured on 1.36), so Services would get no endpoints. Override with
# GITOPS_POD_CIDR=127.20.0.0/16 when processes must bind to pod IPs (docs/testing.md).
DEFAULT_POD_CIDR = os.environ.get("GITOPS_POD_CIDR", "10.244.0.0/16")


def clusters_root() -> Path:
    return binaries.cache_root() / "cluster"


def log(msg: str) -> None:
    sys.stderr.write(f"[controlplane] {msg}\n")
    sys.stderr.flush()


class ControlPlane:
    def __init__(
        self,
        name: str = "dev",
        nodes: int = 2,
        pod_cidr: str = DEFAULT_POD_CIDR,
        host: str = "127.0.0.1",
    ):
        """HOST: the apiserver's address (a real node's bridge address, so pods reach it)."""
        self.name = name
        self.host = host
        self.dir = clusters_root() / name
        self.nodes = nodes
        self.pod_cidr = pod_cidr
        self.ports: dict[str, int] = {}
        self.pids: dict[str, int] = {}
        self.argv: dict[str, list[str]] = {}
        self.env: dict[str, dict[str, str]] = {}
        self.timings: dict[str, float] = {}

    # ---- paths and clients -------------------------------------------------------
    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @property
    def audit_log(self) -> Path:
        return self.dir / "audit.log"

    @property
    def kube_cache(self) -> Path:
        """kubectl's discovery cache for this cluster (KUBECACHEDIR), removed with its state."""
        return self.dir / "kube-cache"

    @property
    def pki(self) -> Pki:
        return Pki(self.dir / "pki")

    @property
    def server(self) -> str:
        return f"https://{self.host}:{self.ports['kube-apiserver']}"

    @property
    def etcd_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['etcd']}"

    def log_path(self, component: str) -> Path:
        return self.dir / "logs" / f"{component}.log"

    def ssl_context(self, client: str | None = "admin") -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.pki.ca_crt))
        if client:
            ctx.load_cert_chain(str(self.pki.crt(client)), str(self.pki.key(client)))
        return ctx

    def api(self, token: str | None = None) -> ApiClient:
        """Admin client (client cert), or a bearer-token client when TOKEN is given."""
        return ApiClient(self.server, self.ssl_context(None if token else "admin"), token=token)

    # ---- state ------------------------------------------------------------------
    def _save(self) -> None:
        state = {
            "name": self.name,
            "nodes": self.nodes,
            "pod_cidr": self.pod_cidr,
            "host": self.host,
            "ports": self.ports,
            "pids": self.pids,
            "argv": self.argv,
            "env": self.env,
            "timings": self.timings,
            "owner_pid": os.getpid(),
        }
        (self.dir / "state.json").write_text(json.dumps(state, indent=1))

    @classmethod
    def load(cls, name: str) -> ControlPlane:
        state: dict[str, Any] = json.loads((clusters_root() / name / "state.json").read_text())
        cp = cls(name, state["nodes"], state["pod_cidr"], state.get("host", "127.0.0.1"))
        cp.ports, cp.pids, cp.argv = state["ports"], state["pids"], state["argv"]
        cp.env, cp.timings = state["env"], state["timings"]
        return cp

    def alive(self, component: str) -> bool:
        pid = self.pids.get(component)
        return pid is not None and processes.is_ours(pid, self.argv[component][0])

    # ---- lifecycle ----------------------------------------------------------------
    def _configure(self, bin_dir: Path) -> None:
        for c in ("etcd", "etcd-peer", *COMPONENTS[1:]):
            self.ports[c] = processes.free_port()
        for client in ("admin", "kube-controller-manager", "kube-scheduler", "kwok"):
            name = "kubeconfig" if client == "admin" else f"kubeconfig-{client}"
            write_kubeconfig(self.dir / name, self.server, self.pki, client, f"gitops-{self.name}")
        self.argv = component_argv(
            self.dir, bin_dir, self.ports, self.pki, self.pod_cidr, binaries.stage_dir(), self.host
        )
        # KWOK_WORKDIR isolates kwok from any ~/.kwok/kwok.yaml on the machine.
        self.env = {"kwok": {"KWOK_WORKDIR": str(self.dir / "kwok")}}

    def _probe(self, component: str) -> bool:
        port = self.ports[component]
        if component == "etcd":
            return processes.http_get(port, "/health")[0] == 200
        if component == "kwok":
            return processes.http_get(port, "/healthz")[0] == 200
        if component == "kube-apiserver":
            return processes.https_get(self.host, port, "/readyz", self.ssl_context())[0] == 200
        # KCM and scheduler serve self-signed certs; this only reads their health.
        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE
        return processes.https_get("127.0.0.1", port, "/healthz", insecure)[0] == 200

    def start(self, component: str, wait: bool = True, timeout: float = 90) -> None:
        if self.alive(component):
            return
        t0 = time.monotonic()
        argv = self.argv[component]
        self.pids[component] = processes.spawn(
            argv, self.log_path(component), self.env.get(component)
        )
        self._save()
        if wait:
            self.wait_ready(component, timeout)
            self.timings[component] = round(time.monotonic() - t0, 2)
            self._save()

    def wait_ready(self, component: str, timeout: float = 90) -> None:
        pid = self.pids[component]
        what = f"{component} pid {pid} (log {self.log_path(component)})"
        try:
            polling.wait_for(
                what,
                lambda: self._probe(component),
                timeout,
                alive=lambda: self.alive(component),
                tolerate=processes.CONNECTION_ERRORS,
            )
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; exit status {processes.exit_code(pid)}") from None

    def stop(self, component: str, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL after GRACE seconds (0: kill at once, like a crash)."""
        pid = self.pids.get(component)
        if pid is not None:
            processes.stop(pid, self.argv[component][0], grace)

    def up(self) -> ControlPlane:
        t0 = time.monotonic()
        bin_dir = binaries.ensure_built()
        self.timings["build"] = round(time.monotonic() - t0, 2)
        if (self.dir / "state.json").exists():
            old = ControlPlane.load(self.name)
            if any(old.alive(c) for c in COMPONENTS):
                raise RuntimeError(f"cluster {self.name!r} already running; run `down` first")
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "logs").mkdir(parents=True)
        t1 = time.monotonic()
        create_pki(self.dir / "pki", extra_ips=(self.host,) if self.host != "127.0.0.1" else ())
        self._configure(bin_dir)
        self.timings["pki+config"] = round(time.monotonic() - t1, 2)
        try:
            self.start("etcd", timeout=30)
            self.start("kube-apiserver", timeout=120)
            for c in ("kube-controller-manager", "kube-scheduler", "kwok"):
                self.start(c, wait=False)
            for c in ("kube-controller-manager", "kube-scheduler", "kwok"):
                self.wait_ready(c)
            t2 = time.monotonic()
            self._create_nodes()
            self.timings["nodes+serviceaccount"] = round(time.monotonic() - t2, 2)
        except BaseException:
            for c in COMPONENTS:
                log(f"--- {c} log tail ---\n{self.log_tail(c, 15)}")
            self.down(keep_state=True)
            raise
        self.timings["total_startup"] = round(time.monotonic() - t1, 2)
        self._save()
        return self

    def _create_nodes(self) -> None:
        api = self.api()
        for i in range(self.nodes):
            name = f"kwok-node-{i}"
            node = {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": name,
                    "annotations": {
                        "kwok.x-k8s.io/node": "fake",
                        "node.alpha.kubernetes.io/ttl": "0",
                    },
                    "labels": {
                        "type": "kwok",
                        "kubernetes.io/hostname": name,
                        "kubernetes.io/os": "linux",
                        "kubernetes.io/arch": "amd64",
                    },
                },
                # No taints: unmodified manifests must schedule here.
                "status": {
                    "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
                    "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"},
                },
            }
            status, body = api.request("POST", "/api/v1/nodes", node)
            if status not in (201, 409):
                raise RuntimeError(f"create node {name}: HTTP {status} {body}")

        def nodes_ready() -> bool:
            items = api.get("/api/v1/nodes").get("items", [])
            ready = [
                n
                for n in items
                for c in n.get("status", {}).get("conditions", [])
                if c["type"] == "Ready" and c["status"] == "True"
            ]
            return len(ready) >= self.nodes

        def default_sa() -> bool:
            path = "/api/v1/namespaces/default/serviceaccounts/default"
            return api.request("GET", path)[0] == 200

        polling.wait_for(
            "fake nodes Ready",
            nodes_ready,
            60,
            alive=lambda: self.alive("kwok"),
            tolerate=processes.CONNECTION_ERRORS,
        )
        polling.wait_for(
            "default ServiceAccount",
            default_sa,
            60,
            alive=lambda: self.alive("kube-controller-manager"),
            tolerate=processes.CONNECTION_ERRORS,
        )

    def down(self, keep_state: bool = False) -> None:
        for c in reversed(COMPONENTS):
            self.stop(c)
        if not keep_state:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, component: str, lines: int = 40) -> str:
        try:
            text = self.log_path(component).read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def status(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for c in COMPONENTS:
            alive = self.alive(c)
            rss = processes.rss_mib(self.pids[c]) if alive else 0.0
            out[c] = {"pid": self.pids.get(c), "alive": alive, "rss_mib": round(rss, 1)}
        return out


def sweep_stale(prefix: str = "pytest-") -> None:
    """Stop clusters left by killed test runs (their owner PID is gone)."""
    root = clusters_root()
    for state in root.glob(f"{prefix}*/state.json") if root.exists() else ():
        owner = json.loads(state.read_text()).get("owner_pid", 0)
        if owner and Path(f"/proc/{owner}").exists():
            continue
        log(f"removing stale cluster {state.parent.name}")
        ControlPlane.load(state.parent.name).down()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.platformkit.cluster.controlplane")
    parser.add_argument("command", choices=("up", "down", "status", "build"))
    parser.add_argument("--name", default=os.environ.get("GITOPS_CLUSTER", "dev"))
    parser.add_argument("--nodes", type=int, default=2)
    parser.add_argument("--pod-cidr", default=DEFAULT_POD_CIDR)
    args = parser.parse_args(argv)
    state = clusters_root() / args.name / "state.json"
    if args.command == "build":
        sys.stdout.write(f"{binaries.ensure_built()}\n")
    elif args.command == "up":
        cp = ControlPlane(args.name, args.nodes, args.pod_cidr).up()
        log(f"start-up timings (s): {json.dumps(cp.timings)}")
        log(f"memory: {json.dumps({c: s['rss_mib'] for c, s in cp.status().items()})} MiB")
        sys.stdout.write(f"export KUBECONFIG={cp.kubeconfig}\n")
    elif not state.exists():
        log(f"no cluster named {args.name!r} ({state} missing)")
        return 0 if args.command == "down" else 1
    elif args.command == "down":
        ControlPlane.load(args.name).down()
        log(f"cluster {args.name!r} stopped and its state removed")
    else:
        cp = ControlPlane.load(args.name)
        info = {"kubeconfig": str(cp.kubeconfig), "server": cp.server, "components": cp.status()}
        sys.stdout.write(json.dumps(info, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
