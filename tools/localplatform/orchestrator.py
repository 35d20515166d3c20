"""``make run``: the whole platform on this machine, delivered by Flux from a local git server.

Start order (each step registers how to undo it; ``down`` runs them in reverse):
run lock and state dir -> builds and images (cached after the first run) -> the real
node's bridge (root only) -> control plane on the bridge's address, while the registry
starts, the images are pushed and every backend version derived (real digests), and
the config repository is seeded with them -> the real node (containerd, kubelet,
kube-proxy) -> board process (it imports while the rest starts) -> the OpenTofu
bootstrap (infra/live/local: namespaces, Flux's CRDs and identities, the GitRepository
and dev's Kustomization) -> Flux -> the board's identity, once Flux has delivered its
ServiceAccount -> wait until the board says dev is Healthy at the seeded commit, its
pods answering /meta. Stopping is the same list backwards; each step is timed and printed.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable

import httpx

from tools.localplatform import banner, builds, dev_board, node, rundir, stale, versions
from tools.localplatform.console import Console
from tools.localplatform.node import Artifacts, LocalNode
from tools.platformkit import binaries, images, processes
from tools.platformkit.board import status as board_status
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.gitops import flux
from tools.platformkit.gitops.configrepo import ConfigRepo
from tools.platformkit.gitops.flux import Flux
from tools.platformkit.gitops.gitserver import GitServer
from tools.platformkit.kube import Kube
from tools.platformkit.polling import answers, wait_for
from tools.platformkit.processes import DEAD_BACKEND, ServiceProcess
from tools.platformkit.tofu import Tofu

NAMESPACE = "gitops-platform-dev"  # the dev overlay's own namespace (not retargeted)
DEADLINE_S = 30  # progressDeadlineSeconds of dev's backend, so a bad version is judged soon


class Platform:
    def __init__(self, console: Console, name: str, board_port: int, real_node: bool) -> None:
        self.console, self.name, self.board_port = console, name, board_port
        self.want_node = real_node
        self.root = rundir.run_root()
        self.state = self.root / str(os.getpid())
        self.undo: list[tuple[str, Callable[[], None]]] = []
        self.info = rundir.RuntimeInfo(os.getpid(), str(self.state), name, NAMESPACE)
        self.node_problem: str | None = None  # why there is no real node (None: there is)
        self.board: ServiceProcess | None = None
        self.cp: ControlPlane | None = None
        self.flux: Flux | None = None
        self.node: LocalNode | None = None
        self.artifacts = Artifacts(self.state)
        self.ready_s = 0.0

    def on_down(self, what: str, action: Callable[[], None]) -> None:
        self.undo.append((what, action))

    # ---- start -----------------------------------------------------------------------
    def up(self) -> rundir.RuntimeInfo:
        say = self.console
        lock = rundir.Lock(self.root)
        lock.acquire()  # AlreadyRunningError: another `make run` is up
        self.on_down("released the run lock", lock.release)
        current = rundir.current_file(self.root)
        if current.exists():
            stale.clean(current, say)
        self.state.mkdir(parents=True)
        (self.state / "logs").mkdir()
        # kubectl's discovery cache (~/.kube/cache by default) goes with the run, too.
        os.environ["KUBECACHEDIR"] = str(self.state / "kube-cache")
        self.on_down(f"removed {self.state}", lambda: shutil.rmtree(self.state, True))
        self.info.save(self.root)
        self.on_down(f"removed {current}", lambda: current.unlink(missing_ok=True))
        self._check_port()
        missing = node.missing_prerequisites()
        if not self.want_node:
            self.node_problem = "--no-real-node was given"
        elif missing:
            self.node_problem = "; ".join(missing)
        if self.node_problem:
            say.warn(banner.left_out(self.node_problem))
        build = builds.ensure(say, real_node=not self.node_problem)
        host = self._node_bridge() if not self.node_problem else "127.0.0.1"
        cp, repo = self._control_plane_and_repo(host, build)
        kube = Kube(str(binaries.find_kubectl()), cp.kubeconfig)
        self.info.kubectl = kube.kubectl
        if self.node is not None:
            with say.step(
                f"real node {node.NODE_NAME} (containerd, kubelet, kube-proxy) on {host}"
            ):
                self.node.start(cp, self.artifacts)
            self.info.real_node = True
            self.info.pids |= {f"node {k}": v for k, v in self.node.pids.items()}
            self.info.service_url = f"http://{node.BACKEND_IP}"
        proc = self._start_board(self.info.service_url or DEAD_BACKEND)
        self._bootstrap(cp)
        with say.step("Flux: source- and kustomize-controller, as the bootstrap's identities"):
            self.flux = Flux(kube, cp.server, cp.pki.ca_crt, self.state / "flux").connect()
            self.on_down("stopped the Flux controllers", self.flux.stop)
            self.flux.start()
            self.info.pids |= self.flux.pids
        self._board_identity(kube, cp, proc)
        self._wait_ready(proc, repo.head())
        self.info.save(self.root)
        return self.info

    def _check_port(self) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", self.board_port))
            except OSError:
                raise RuntimeError(
                    f"port {self.board_port} on 127.0.0.1 is taken (`make run-services`, or "
                    "another board?); stop that, or choose another: make run FRONTEND_PORT=<port>"
                ) from None

    def _node_bridge(self) -> str:
        """The real node's bridge, made before the control plane that listens on it."""
        local = self.node = LocalNode(self.state)
        self.on_down("stopped the real node; the host is as it was", self._stop_node)
        with self.console.step("real node: the machine's node lock, its bridge"):
            address = local.prepare()
        if local.cleaned:
            self.console.warn(f"a killed run's node left: {'; '.join(local.cleaned)}; put back")
        return address

    def _stop_node(self) -> None:
        if self.node is not None:
            for what in self.node.stop():
                self.console.say(f"  {what}")

    def _control_plane_and_repo(
        self, host: str, build: images.Build
    ) -> tuple[ControlPlane, ConfigRepo]:
        say = self.console
        seeded: list[ConfigRepo] = []
        failed: list[BaseException] = []
        git = GitServer(self.state / "git").start()
        self.on_down("stopped the git server", git.stop)
        self.on_down("stopped the registry", self.artifacts.stop)

        def seed() -> None:
            try:
                releases = self.artifacts.publish(build, sandbox=self.node is not None)
                remote = git.create_repo("gitops-platform")
                work = self.state / "work"
                seeded.append(versions.seed_config_repo(remote, work, releases))
            except BaseException as exc:
                failed.append(exc)

        seeding = threading.Thread(target=seed, name="seed-config-repo", daemon=True)
        seeding.start()
        with say.step(f"control plane {self.name!r} on {host} (etcd, apiserver, KCM, scheduler, "
                      "kwok), while the images are pushed"):  # fmt: skip
            # kwok's fake nodes only without the real node: then they "run" dev's pods.
            self.cp = cp = ControlPlane(self.name, nodes=0 if self.node else 2, host=host)
            self.on_down(f"stopped control plane {self.name!r}, removed its state", cp.down)
            cp.up()
            self.info.pids |= cp.pids
            self.info.kubeconfig, self.info.server = str(cp.kubeconfig), cp.server
            self.info.ca_file = str(cp.pki.ca_crt)
        with say.step("registry: images pushed, every backend version derived"):
            seeding.join()
        if failed:
            raise failed[0]
        self.info.registry = self.artifacts.registry.url
        self.info.pids["registry"] = self.artifacts.registry.pid
        repo = seeded[0]
        self.info.work_clone, self.info.remote = str(repo.work), str(repo.remote)
        self.info.git_url, self.info.seeded_commit = git.url("gitops-platform"), repo.head()
        say.say(f"git server {self.info.git_url}: k8s/ seeded, then promoted "
                f"{versions.SEED.label} as {repo.head()[:12]}")  # fmt: skip
        self.info.save(self.root)
        return cp, repo

    def _bootstrap(self, cp: ControlPlane) -> None:
        """infra/live/local, applied as on a real cluster: namespaces, Flux's CRDs and
        identities, the GitRepository and dev's Kustomization. State stays in the run."""
        patches = self.node.patches(DEADLINE_S) if self.node else []
        dev = {"interval": "10m", "retry_interval": "10s", "timeout": "60s", "patches": patches}
        tofu = Tofu("live/local", self.state / "tofu")
        variables = tofu.var_file({
            "kubeconfig": str(cp.kubeconfig),
            "git_url": self.info.git_url,
            "flux_build_dir": str(flux.build_root()),
            "environments": {"dev": dev},
        })  # fmt: skip
        with self.console.step("OpenTofu bootstrap (infra/live/local): CRDs, identities, dev"):
            tofu.init(state=self.state / "tofu" / "terraform.tfstate")
            tofu.run("apply", "-auto-approve", "-no-color", variables)
        self.info.progress_deadline_s = DEADLINE_S if self.node else 600

    def _start_board(self, backend_url: str) -> ServiceProcess:
        env = {
            "FRONTEND_KUBECONFIG": str(self.state / "board.kubeconfig"),  # written once known
            "FRONTEND_NAMESPACES": NAMESPACE,
            "FRONTEND_GITOPS_NAMESPACES": flux.NAMESPACE,
            "FRONTEND_BACKEND_URL": backend_url,
            "FRONTEND_PROBE_PODS": "true" if self.node else "false",
            "FRONTEND_PROBE_INTERVAL_SECONDS": "1",
            "FRONTEND_BACKOFF_MAX_SECONDS": "5",
            "FRONTEND_ENVIRONMENT": "local",
            # The work clone holds the deployment records `make verify` writes: the
            # delivery panel reads them there (read-only).
            "FRONTEND_DELIVERY_REPO": str(self.info.work_clone),
            "TMPDIR": str(self.state),  # whatever the Kubernetes client writes goes with the run
        }
        proc = dev_board.board_process(env, self.board_port, self.state / "logs" / "board.log")
        self.on_down("stopped the board", proc.stop)
        self.board = proc.start()
        self.info.pids["board"] = proc.pid
        self.info.board_url = proc.url
        self.info.save(self.root)
        return proc

    def _board_identity(self, kube: Kube, cp: ControlPlane, proc: ServiceProcess) -> None:
        say, api = self.console, cp.api()
        sa = f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/{dev_board.SERVICE_ACCOUNT}"
        with say.step(f"Flux's first apply of dev (ServiceAccount {NAMESPACE}/frontend)"):
            wait_for("the board's ServiceAccount", lambda: api.request("GET", sa)[0] == 200, 90)
        with say.step("board: the frontend with dev's `frontend` ServiceAccount (read-only Role)"):
            dev_board.board_kubeconfig(kube, cp, NAMESPACE, self.state / "board.kubeconfig")
            wait_for("board /readyz", lambda: answers(proc.url + "/readyz"), 60, alive=proc.alive)

    def _wait_ready(self, proc: ServiceProcess, commit: str) -> None:
        real = self.node is not None
        last = [""]

        def healthy() -> bool:
            try:
                view = dev_board.dev_view(board_status(self.info.board_url), NAMESPACE)
            except httpx.HTTPError:
                return False
            if view is None:
                return False
            if view.line() != last[0]:
                last[0] = view.line()
                self.console.say(f"board: {view.line()}")
            answering = versions.SEED.label in view.serving and view.service_version is not None
            return (
                view.health == "Healthy"
                and view.done
                and view.flux_at(commit)
                and (answering or not real)
            )

        with self.console.step(f"waiting for the board: dev Healthy, Flux Ready at {commit[:12]}"):
            wait_for("board: dev Healthy", healthy, 300, alive=proc.alive)
        self.ready_s = self.console.elapsed()

    # ---- running and stopping -------------------------------------------------------------
    def memory(self) -> str:
        """RSS of what runs, by part, in MiB (read from /proc, once)."""
        registry = self.artifacts.registry.pid
        parts = {
            "control plane": set(self.cp.pids.values()) if self.cp else set(),
            "Flux": set(self.flux.pids.values()) if self.flux else set(),
            "board": {self.board.pid} if self.board else set(),
            "registry": {registry} if registry else set(),
        }
        if self.node is not None:
            for name, pid in self.node.pids.items():
                parts[name] = {pid}
            parts["pods (containers and shims)"] = self.node.pod_pids()
        sizes = {name: node.rss_mib(pids) for name, pids in parts.items() if pids}
        total = sum(sizes.values())
        return ", ".join(f"{n} {v:.0f}" for n, v in sizes.items()) + f"; total {total:.0f} MiB"

    def problem(self) -> str | None:
        """A component that died while the platform was up, in words (None: all alive)."""
        if self.node is not None and (gone := self.node.problem()):
            return gone
        if self.artifacts.registry.pid and not self.artifacts.registry.alive():
            return f"the registry exited (log {self.artifacts.registry.log_path})"
        if self.board is not None and not self.board.alive():
            return f"the board exited: {self.board.log_tail(10)}"
        if self.flux is not None:
            for controller, pid in self.flux.pids.items():
                if processes.exit_code(pid) is not None:
                    return f"{controller} exited (log {self.flux.log_path(controller)})"
        if self.cp is not None:
            for component in self.cp.pids:
                if not self.cp.alive(component):
                    return f"{component} exited (log {self.cp.log_path(component)})"
        return None

    def down(self) -> None:
        for what, action in reversed(self.undo):
            started = time.monotonic()
            try:
                action()
            except Exception as exc:  # keep going: everything else must still stop
                self.console.warn(f"could not finish ({what}): {exc}")
                continue
            self.console.say(f"{what} ({time.monotonic() - started:.1f}s)")
        self.undo.clear()
