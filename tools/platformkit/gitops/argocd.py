"""Argo CD's application-controller and repo-server (and their Redis), run as local processes.

Built by ``tools/argocd/build.sh`` from the Go module pinned in ``tools/k8s/versions.env``
(the same release whose CRDs the manifest checks validate against), with the
``kustomize`` binary the repo-server shells out to. No API server, no UI, no
ApplicationSet controller: only what turns a git commit into a synced Application.

How this differs from an upstream install, and why (each deviation is deliberate):

- **No ApplicationSet controller** (not built): ``dev_application`` renders the dev
  Application from the repository's ApplicationSet template in Python, exactly as the
  List generator would for ``env: dev``, then patches only the repo URL and the
  destination namespace (see there).
- **The controller's metrics listener binds 0.0.0.0.** Argo CD v3.2.11 hard-codes
  ``0.0.0.0:<--metrics-port>`` (controller/appcontroller.go); there is no flag or
  environment variable for the address. It gets a free port; every other listener
  (Redis, the repo-server's gRPC and metrics) binds 127.0.0.1.
- **In-cluster destination outside a pod**: ``ARGOCD_FAKE_IN_CLUSTER=true`` makes
  ``https://kubernetes.default.svc`` mean ``$KUBECONFIG``. The controller authenticates
  as its own ServiceAccount (token minted by the apiserver), bound to cluster-admin,
  which is what upstream's ``argocd-application-controller`` ClusterRole amounts to.
- ``--persist-resource-health``: v3 stopped writing per-resource health into
  ``status.resources`` by default; the board reads it from there.
- Redis with no persistence (``--save "" --appendonly no``): it is only a cache.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.platformkit import binaries, polling, processes
from tools.platformkit.gitops import bootstrap
from tools.platformkit.kube import Kube, service_account_kubeconfig
from tools.platformkit.paths import REPO_ROOT

BUILD_SCRIPT = REPO_ROOT / "tools" / "argocd" / "build.sh"
VERSIONS_FILE = REPO_ROOT / "tools" / "k8s" / "versions.env"
ARGOCD_CONFIG = REPO_ROOT / "k8s" / "gitops" / "argocd"
BINARIES = ("argocd", "argocd-application-controller", "argocd-repo-server", "kustomize")
CONTROLLER_SA = "argocd-application-controller"
APPLICATIONS = "applications.argoproj.io"
Json = dict[str, Any]


# --- the build ------------------------------------------------------------------------


def version() -> str:
    pins = dict(
        line.split("=", 1)
        for line in VERSIONS_FILE.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return pins["ARGOCD_VERSION"].strip()


def build_root() -> Path:
    return binaries.cache_root() / f"argocd-{version()}"


def is_built() -> bool:
    root = build_root()
    return (
        (root / ".complete").exists()
        and (root / ".kustomize-complete").exists()
        and all(os.access(root / "bin" / name, os.X_OK) for name in BINARIES)
    )


def missing_prerequisites() -> list[str]:
    missing = []
    if not is_built() and shutil.which("go") is None:
        missing.append(f"go (to build Argo CD {version()} once into {build_root()})")
    if shutil.which("redis-server") is None:
        missing.append("redis-server (Debian package redis-server; tools/setup-system.sh)")
    if shutil.which("git") is None:
        missing.append("git (the repo-server clones with it)")
    return missing


def ensure_built() -> Path:
    """Build (or reuse) the binaries; a cold build prints its progress on stderr."""
    if not is_built():
        subprocess.run(["bash", str(BUILD_SCRIPT)], check=True, stdout=subprocess.DEVNULL)
    if not is_built():
        raise RuntimeError(f"{BUILD_SCRIPT} finished but {build_root()} is incomplete")
    return build_root()


# --- the objects: the repository's own, with only the documented local changes -------


def rendered() -> list[Json]:
    """``kubectl kustomize k8s/gitops/argocd``: exactly what a user would apply."""
    return bootstrap.kustomize(ARGOCD_CONFIG)


_PARAM = re.compile(r"\{\{\s*\.(\w+)\s*\}\}")


def render_template(value: Any, params: dict[str, str]) -> Any:
    """The ApplicationSet controller's goTemplate rendering, for the one construct used.

    The repository's template only uses ``{{.key}}`` substitutions; anything else
    (pipelines, functions) raises instead of being rendered wrongly, and an unknown
    key raises as ``missingkey=error`` does.
    """
    if isinstance(value, dict):
        return {k: render_template(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [render_template(v, params) for v in value]
    if not isinstance(value, str):
        return value
    rendered_text = _PARAM.sub(lambda m: params[m.group(1)], value)
    if "{{" in rendered_text:
        raise ValueError(f"template construct not supported here: {value!r}")
    return rendered_text


def dev_application(objects: list[Json], namespace: str, git_url: str, target: str) -> Json:
    """The Application the ApplicationSet controller would generate for ``env: dev``.

    NOT the ApplicationSet controller (it is not built): the repository's ApplicationSet
    is read as is, its List generator's ``dev`` element is taken and its template is
    rendered by ``render_template``. The generated Application then gets exactly these
    local changes, nothing else:

    - ``metadata.namespace``: where this run's Argo CD lives (the controller's ``-n``);
    - ``spec.source.repoURL``: the loopback git server instead of GitHub;
    - ``spec.destination.namespace`` and ``spec.source.kustomize.namespace``: a namespace
      of this test's own. The overlay sets ``namespace: gitops-platform-dev`` itself, which
      a destination namespace alone does not override; ``kustomize.namespace`` is Argo CD's
      own override (``kustomize edit set namespace``), the counterpart of Flux's
      ``targetNamespace``, and renames the overlay's Namespace object too.
    """
    appset = next(o for o in objects if o["kind"] == "ApplicationSet")
    elements = appset["spec"]["generators"][0]["list"]["elements"]
    params = next(e for e in elements if e["env"] == "dev")
    app: Json = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        **render_template(appset["spec"]["template"], params),
    }
    app["metadata"]["namespace"] = namespace
    source = app["spec"]["source"]
    source["repoURL"] = git_url
    source["kustomize"] = {**source.get("kustomize", {}), "namespace": target}
    app["spec"]["destination"]["namespace"] = target
    return app


def project(objects: list[Json], namespace: str, git_url: str, target: str) -> Json:
    """The repository's AppProject, allowed only the local repository and ``target``.

    Changed: ``metadata.namespace`` (this run's Argo CD), ``sourceRepos`` (the loopback
    git server), ``destinations`` (the same server, ``target`` instead of the three
    ``gitops-platform-*`` namespaces). The kind whitelists are the repository's.
    """
    obj = next(o for o in objects if o["kind"] == "AppProject")
    obj["metadata"]["namespace"] = namespace
    server = obj["spec"]["destinations"][0]["server"]
    obj["spec"]["sourceRepos"] = [git_url]
    obj["spec"]["destinations"] = [{"server": server, "namespace": target}]
    return obj


# --- the processes --------------------------------------------------------------------


def _established(kube: Kube, crd: str) -> bool:
    conditions = (kube.json("get", "crd", crd).get("status") or {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


def _redis_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class ArgoCD:
    """Redis, the repo-server and the application-controller against one control plane."""

    kube: Kube
    server: str
    ca_file: Path
    state: Path
    namespace: str = field(default_factory=lambda: f"argocd-{secrets.token_hex(3)}")
    pids: dict[str, int] = field(default_factory=dict)
    binaries: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def bin(self) -> Path:
        return build_root() / "bin"

    def log_path(self, name: str) -> Path:
        return self.state / "logs" / f"{name}.log"

    def install(self) -> ArgoCD:
        """CRDs, the namespace, the settings objects every component reads, an identity."""
        started = time.monotonic()
        crds = build_root() / "crds"
        self.kube.run("apply", "--server-side", "-f", str(crds))
        for name in ("applications", "appprojects", "applicationsets"):
            # Polled: `kubectl wait` errors out while a new CRD has no conditions yet.
            polling.wait_for(
                f"crd/{name}.argoproj.io Established",
                lambda name=name: _established(self.kube, f"{name}.argoproj.io"),  # type: ignore[misc]
                60,
                tolerate=processes.CONNECTION_ERRORS,
            )
        self.kube.run("create", "namespace", self.namespace)
        secret_key = base64.b64encode(secrets.token_bytes(32)).decode()
        part_of = {"app.kubernetes.io/part-of": "argocd"}
        settings = [
            {"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "argocd-cm", "labels": {**part_of,
                          "app.kubernetes.io/name": "argocd-cm"}}, "data": {}},
            {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
             "metadata": {"name": "argocd-secret", "labels": {**part_of,
                          "app.kubernetes.io/name": "argocd-secret"}},
             "data": {"server.secretkey": secret_key}},
            {"apiVersion": "v1", "kind": "ServiceAccount",
             "metadata": {"name": CONTROLLER_SA}},
        ]  # fmt: skip
        self.kube.apply(*settings, namespace=self.namespace)
        self.kube.apply({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": self._binding()},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": CONTROLLER_SA,
                          "namespace": self.namespace}],
        })  # fmt: skip
        service_account_kubeconfig(
            self.kube, self.server, self.ca_file, CONTROLLER_SA, self.namespace, self.kubeconfig()
        )
        self.timings["install_s"] = round(time.monotonic() - started, 2)
        return self

    def _binding(self) -> str:
        return f"{self.namespace}-application-controller"

    def kubeconfig(self) -> Path:
        return self.state / "kubeconfig" / CONTROLLER_SA

    def start(self, timeout: float = 60) -> ArgoCD:
        started = time.monotonic()
        (self.state / "logs").mkdir(parents=True, exist_ok=True)
        (self.state / "tmp").mkdir(parents=True, exist_ok=True)
        (self.state / "redis").mkdir(parents=True, exist_ok=True)
        for name in ("redis", "repo-server", "repo-server-metrics", "controller-metrics"):
            self.ports[name] = processes.free_port()
        redis = f"127.0.0.1:{self.ports['redis']}"
        repo_server = f"127.0.0.1:{self.ports['repo-server']}"
        path = f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"
        base_env = {"PATH": path, "HOME": str(self.state), "TMPDIR": str(self.state / "tmp")}
        logs = ["--loglevel", "info", "--logformat", "json"]

        self._spawn(
            "redis", shutil.which("redis-server") or "redis-server",
            ["--port", str(self.ports["redis"]), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.state / "redis"),
             "--protected-mode", "yes", "--loglevel", "warning"],
            base_env,
        )  # fmt: skip
        self._wait("redis", lambda: _redis_ping(self.ports["redis"]), timeout)
        self.timings["redis_s"] = round(time.monotonic() - started, 2)

        self._spawn(
            "repo-server", str(self.bin / "argocd-repo-server"),
            ["--address", "127.0.0.1", "--port", str(self.ports["repo-server"]),
             "--metrics-address", "127.0.0.1",
             "--metrics-port", str(self.ports["repo-server-metrics"]),
             "--disable-tls", "--redis", redis, *logs],
            {**base_env, "ARGOCD_GPG_ENABLED": "false",
             "ARGOCD_ASK_PASS_SOCK": str(self.state / "tmp" / "reposerver-ask-pass.sock")},
        )  # fmt: skip
        self._wait(
            "repo-server",
            lambda: processes.http_get(self.ports["repo-server-metrics"], "/healthz")[0] == 200,
            timeout,
        )
        self.timings["repo_server_s"] = round(time.monotonic() - started, 2)

        self._spawn(
            "application-controller", str(self.bin / "argocd-application-controller"),
            ["--kubeconfig", str(self.kubeconfig()), "--namespace", self.namespace,
             "--redis", redis, "--repo-server", repo_server, "--repo-server-plaintext",
             "--metrics-port", str(self.ports["controller-metrics"]),
             "--status-processors", "2", "--operation-processors", "2",
             "--persist-resource-health", *logs],
            {**base_env, "ARGOCD_FAKE_IN_CLUSTER": "true",
             "KUBECONFIG": str(self.kubeconfig())},
        )  # fmt: skip
        self._wait(
            "application-controller",
            lambda: processes.http_get(self.ports["controller-metrics"], "/healthz")[0] == 200,
            timeout,
        )
        self.timings["start_s"] = round(time.monotonic() - started, 2)
        return self

    def _spawn(self, name: str, binary: str, args: list[str], env: dict[str, str]) -> None:
        self.binaries[name] = binary
        self.pids[name] = processes.spawn([binary, *args], self.log_path(name), env)

    def _wait(self, name: str, probe: Callable[[], bool], timeout: float) -> None:
        polling.wait_for(
            f"{name} ready",
            probe,
            timeout,
            alive=lambda: self._alive(name),
            tolerate=processes.CONNECTION_ERRORS,
        )

    def _alive(self, name: str) -> bool:
        if processes.exit_code(self.pids[name]) is None:
            return True
        raise RuntimeError(f"{name} exited: {self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 30) -> str:
        return processes.log_tail(self.log_path(name), lines)

    def rss_mib(self) -> dict[str, tuple[float, float]]:
        """(current, peak) resident memory per process, MiB."""
        return {
            name: (round(processes.rss_mib(pid), 1), round(peak_rss_mib(pid), 1))
            for name, pid in self.pids.items()
            if processes.is_ours(pid, self.binaries[name])
        }

    def stop(self) -> None:
        """Controller first (it writes through Redis and calls the repo-server), by PID only."""
        for name in ("application-controller", "repo-server", "redis"):
            pid = self.pids.pop(name, None)
            if pid is not None:
                processes.stop(pid, self.binaries[name])

    def uninstall(self) -> None:
        self.kube.run("delete", "clusterrolebinding", self._binding(), check=False)
        self.kube.run("delete", "namespace", self.namespace, "--wait=false", check=False)

    # --- what `argocd app get` and `argocd app sync` do, without the API server -------

    def application(self, name: str) -> Json:
        return self.kube.json("get", f"{APPLICATIONS}/{name}", "-n", self.namespace)

    def refresh(self, name: str, kind: str = "normal") -> None:
        """``argocd app get --refresh``: the annotation the API server sets for it."""
        self.kube.run(
            "annotate", "--overwrite", f"{APPLICATIONS}/{name}", "-n", self.namespace,
            f"argocd.argoproj.io/refresh={kind}",
        )  # fmt: skip
