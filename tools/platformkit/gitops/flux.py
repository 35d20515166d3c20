"""Flux's source-controller and kustomize-controller, run as local processes.

Built by ``tools/flux/build.sh`` from the pinned Go modules (versions in
``tools/k8s/versions.env``). Each controller gets its own identity: a ServiceAccount
in ``flux-system`` whose token is minted by the apiserver (TokenRequest), bound to
the ClusterRoles Flux ships in the same module (``config/rbac``, read from the build
cache, never copied into this repository). Flux binds kustomize-controller to
cluster-admin (its "cluster-reconciler" binding), because it applies whatever the
config repository holds; that is kept. See docs/decisions/0009-flux-reconciles-the-platform.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tools.platformkit import binaries, polling, processes
from tools.platformkit.kube import Kube, service_account_kubeconfig
from tools.platformkit.paths import REPO_ROOT

BUILD_SCRIPT = REPO_ROOT / "tools" / "flux" / "build.sh"
VERSIONS_FILE = REPO_ROOT / "tools" / "k8s" / "versions.env"
NAMESPACE = "flux-system"
CONTROLLERS = ("source-controller", "kustomize-controller")
GROUPS = {"GitRepository": "gitrepositories.source.toolkit.fluxcd.io",
          "Kustomization": "kustomizations.kustomize.toolkit.fluxcd.io"}  # fmt: skip
# Flux's ClusterRole in config/rbac/role.yaml is named manager-role in both modules.
_ROLE_FILE = "role.yaml"
# What Go's net package says when a listener's port is taken (in a controller's log).
PORT_TAKEN = "address already in use"
START_ATTEMPTS = 3


def build_root() -> Path:
    pins = dict(
        line.split("=", 1)
        for line in VERSIONS_FILE.read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    name = f"flux-source-{pins['FLUX_SOURCE_VERSION']}-kustomize-{pins['FLUX_KUSTOMIZE_VERSION']}"
    return binaries.cache_root() / name


def is_built() -> bool:
    root = build_root()
    return (root / ".complete").exists() and all((root / "bin" / c).exists() for c in CONTROLLERS)


def missing_prerequisites() -> list[str]:
    if is_built():
        return []
    return [] if shutil.which("go") else ["go (to build the Flux controllers once)"]


def ensure_built() -> Path:
    """Build (or reuse) the controllers; the cold build prints its progress on stderr."""
    if not is_built():
        subprocess.run(["bash", str(BUILD_SCRIPT)], check=True, stdout=subprocess.DEVNULL)
    return build_root()


def reconcile_token() -> str:
    """A fresh value for ``reconcile.fluxcd.io/requestedAt``, as ``flux reconcile`` writes."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Flux:
    """Both controllers against one control plane; ``state`` holds storage, logs, kubeconfigs."""

    kube: Kube
    server: str
    ca_file: Path
    state: Path
    # False: only objects in flux-system are reconciled (Flux's single-namespace mode), so
    # Kustomizations other tests create elsewhere, with a status they wrote, stay theirs.
    watch_all_namespaces: bool = True
    # Flux's sharding flag: only objects with this label (``key=value``) are reconciled.
    watch_label_selector: str | None = None
    pids: dict[str, int] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    # How each controller was started: ``restart`` starts it again the same way, on the
    # same ports (the storage address is in every GitRepository's artifact URL).
    argv: dict[str, list[str]] = field(default_factory=dict)
    env: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return build_root()

    def log_path(self, controller: str) -> Path:
        return self.state / "logs" / f"{controller}.log"

    def install(self) -> Flux:
        """CRDs of every controller the binaries start, the namespace and the identities."""
        started = time.monotonic()
        self.kube.run("apply", "--server-side", "-f", str(self.root / "crds"))
        for crd in self._crd_names():
            self.kube.run("wait", "--for=condition=Established", f"crd/{crd}", "--timeout=60s")
        self.kube.run("create", "namespace", NAMESPACE, check=False)
        for controller in CONTROLLERS:
            self._identity(controller)
        self.timings["install_s"] = round(time.monotonic() - started, 2)
        return self

    def _crd_names(self) -> list[str]:
        names = []
        for path in sorted((self.root / "crds").glob("*.yaml")):
            doc = _load(path.read_text())
            names.append(str(doc["metadata"]["name"]))
        return names

    def _identity(self, controller: str) -> None:
        rbac = self.root / "rbac" / controller
        role: dict[str, Any] = _load((rbac / _ROLE_FILE).read_text())
        name = f"flux-{controller}"
        role["metadata"] = {"name": name}
        objects: list[dict[str, Any]] = [
            {"apiVersion": "v1", "kind": "ServiceAccount",
             "metadata": {"name": controller, "namespace": NAMESPACE}},
            role,
            _binding(name, name, controller),
        ]  # fmt: skip
        if (rbac / "cluster_role_binding.yaml").exists():
            upstream = _load((rbac / "cluster_role_binding.yaml").read_text())
            objects.append(_binding(f"{name}-reconciler", upstream["roleRef"]["name"], controller))
        self.kube.run("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                           "items": objects}))  # fmt: skip
        self._kubeconfig(controller)

    def connect(self) -> Flux:
        """Kubeconfigs for identities someone else created (infra/modules/bootstrap)."""
        for controller in CONTROLLERS:
            self._kubeconfig(controller)
        return self

    def _kubeconfig(self, controller: str) -> None:
        service_account_kubeconfig(
            self.kube, self.server, self.ca_file, controller, NAMESPACE,
            self.state / "kubeconfig" / controller,
        )  # fmt: skip

    def start(self, timeout: float = 60) -> Flux:
        """Both controllers, ready, with the artifact server answering.

        Ports are picked free and bound by the controllers a moment later; another process
        can take one in between. The artifact server binds last, after /readyz already
        answers, and its controller exits when the port is taken: so the storage port is
        waited on too, and a start that lost a port is tried again on fresh ones."""
        started = time.monotonic()
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._start_once(timeout)
                self.timings["start_attempts"] = attempt
                break
            except RuntimeError as exc:
                self.stop()
                if attempt == START_ATTEMPTS or PORT_TAKEN not in str(exc):
                    raise
        self.timings["start_s"] = round(time.monotonic() - started, 2)
        return self

    def _start_once(self, timeout: float) -> None:
        storage = self.state / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        (self.state / "logs").mkdir(parents=True, exist_ok=True)
        for name in ("storage", "source-metrics", "source-health", "kustomize-metrics",
                     "kustomize-health"):  # fmt: skip
            self.ports[name] = processes.free_port()
        watch = f"--watch-all-namespaces={str(self.watch_all_namespaces).lower()}"
        common = [watch, "--log-level=info", "--log-encoding=json"]
        if self.watch_label_selector:
            common.append(f"--watch-label-selector={self.watch_label_selector}")
        argv = {
            "source-controller": [
                f"--storage-path={storage}",
                f"--storage-addr=127.0.0.1:{self.ports['storage']}",
                f"--storage-adv-addr=127.0.0.1:{self.ports['storage']}",
                f"--metrics-addr=127.0.0.1:{self.ports['source-metrics']}",
                f"--health-addr=127.0.0.1:{self.ports['source-health']}",
                *common,
            ],
            "kustomize-controller": [
                f"--metrics-addr=127.0.0.1:{self.ports['kustomize-metrics']}",
                f"--health-addr=127.0.0.1:{self.ports['kustomize-health']}",
                # Dependencies (dependsOn) are re-checked every 5 s instead of 30 s,
                # and a new revision cancels a health check still waiting on the old one.
                "--requeue-dependency=5s",
                "--feature-gates=CancelHealthCheckOnNewRevision=true",
                "--no-remote-bases=true",
                *common,
            ],
        }
        for controller in CONTROLLERS:
            self.env[controller] = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(self.state),
                "TMPDIR": str(self.state),
                "KUBECONFIG": str(self.state / "kubeconfig" / controller),
                "RUNTIME_NAMESPACE": NAMESPACE,
            }
            self.argv[controller] = [str(self.root / "bin" / controller), *argv[controller]]
            self.restart(controller)
        for short, controller in (("source", CONTROLLERS[0]), ("kustomize", CONTROLLERS[1])):
            health = self.ports[f"{short}-health"]
            self._wait(f"{controller} ready", controller,
                       lambda port=health: processes.http_get(port, "/readyz")[0] == 200,  # type: ignore[misc]
                       timeout)  # fmt: skip
        # The artifact server binds after /readyz answers. A file only our storage holds,
        # read back through the port, proves the server there is this controller's.
        probe = storage / ".port-probe"
        token = os.urandom(8).hex()
        probe.write_text(token)
        try:
            self._wait(f"{CONTROLLERS[0]}'s artifact server", CONTROLLERS[0],
                       lambda: processes.http_get(self.ports["storage"], "/" + probe.name)
                       == (200, token), timeout)  # fmt: skip
        finally:
            probe.unlink(missing_ok=True)

    def _wait(self, what: str, controller: str, check: Callable[[], bool], timeout: float) -> None:
        polling.wait_for(what, check, timeout, alive=lambda: self._alive(controller),
                         tolerate=processes.CONNECTION_ERRORS)  # fmt: skip

    def restart(self, controller: str) -> int:
        """Start CONTROLLER as ``start`` did (its argv, environment and ports); its PID."""
        self.pids[controller] = processes.spawn(
            self.argv[controller], self.log_path(controller), self.env[controller]
        )
        return self.pids[controller]

    def running(self, controller: str) -> bool:
        """Whether CONTROLLER runs (no exception when it has exited, unlike ``alive``)."""
        return processes.is_ours(self.pids.get(controller, 0), self.argv[controller][0])

    def alive(self) -> bool:
        """True while both controllers run; raises with a log tail when one has exited."""
        return all(self._alive(controller) for controller in self.pids)

    def _alive(self, controller: str) -> bool:
        if processes.exit_code(self.pids[controller]) is None:
            return True
        raise RuntimeError(f"{controller} exited: {self.log_tail(controller)}")

    def log_tail(self, controller: str, lines: int = 30) -> str:
        return processes.log_tail(self.log_path(controller), lines)

    def account(self, errors: int = 3) -> str:
        """What Flux says, for an error message: each object's Ready condition and each
        controller's last ERRORS errors (its JSON log lines at level error)."""
        lines: list[str] = []
        try:
            found = self.kube.json("get", ",".join(GROUPS.values()), "-n", NAMESPACE)
        except subprocess.CalledProcessError as exc:
            lines.append(f"objects not read: {(exc.stderr or '').strip()[:200]}")
            found = {}
        for obj in found.get("items") or []:
            ready = ready_condition(obj)
            said = f"Ready={ready.get('status', '?')} {ready.get('reason', '')}: "
            lines.append(f"{obj['kind']}/{obj['metadata']['name']}: "
                         f"{said}{str(ready.get('message', ''))[:300]}")  # fmt: skip
        for controller in self.argv:
            for line in _errors(processes.log_tail(self.log_path(controller), 400))[-errors:]:
                lines.append(f"{controller}: {line}")
            if not self.running(controller):
                lines.append(f"{controller}: not running")
        return "; ".join(lines) or "nothing yet"

    def stop(self) -> None:
        for controller, pid in self.pids.items():
            processes.stop(pid, str(self.root / "bin" / controller))
        self.pids.clear()

    def rss_mib(self) -> dict[str, float]:
        return {c: processes.rss_mib(pid) for c, pid in self.pids.items()}

    # --- what `flux reconcile` and `flux get` do ----------------------------------

    def reconcile(self, kind: str, name: str, namespace: str = NAMESPACE) -> str:
        token = reconcile_token()
        self.kube.run(
            "annotate", "--overwrite", GROUPS[kind] + "/" + name, "-n", namespace,
            f"reconcile.fluxcd.io/requestedAt={token}",
        )  # fmt: skip
        return token

    def get(self, kind: str, name: str, namespace: str = NAMESPACE) -> dict[str, Any]:
        return self.kube.json("get", GROUPS[kind] + "/" + name, "-n", namespace)


def _errors(log: str) -> list[str]:
    """The error lines of a controller's JSON log, as "msg: error"."""
    found = []
    for line in log.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("level") == "error":
            found.append(f"{entry.get('msg', '')}: {str(entry.get('error', ''))[:300]}")
    return found


def ready_condition(obj: dict[str, Any]) -> dict[str, Any]:
    """The Ready condition of a Flux object, or ``{}`` before the controller wrote one."""
    conditions: list[dict[str, Any]] = (obj.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == "Ready"), {})


def _load(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _binding(name: str, role: str, controller: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": controller, "namespace": NAMESPACE}],
    }
