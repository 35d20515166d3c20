"""``make run``: the whole platform on this machine, delivered by Flux from a local git server.

Start order (each step registers how to undo it; ``down`` runs them in reverse):
run lock and state dir -> builds and images (cached after the first run) -> the real
node's bridge (root only) -> control plane on the bridge's address, while the registry
starts, the images are pushed and every backend version derived (real digests), the
source repository is seeded with this checkout's history and the config repository
with k8s/ and the build promoted to dev, staging and prod -> the real node (containerd,
kubelet, kube-proxy) -> board process (it imports while the rest starts) -> the
OpenTofu bootstrap (infra/live/local: namespaces, Flux's CRDs and identities, the
GitRepository, the three Kustomizations, the board's read access) -> Flux -> the
board's identity, once Flux has delivered its ServiceAccount -> wait until the board
says every environment is Healthy at the seeded commit -> the pipeline runner
(``runner``), which from then on delivers each push to the source repository.
Stopping is the same list backwards; each step is timed and printed.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable

import httpx

from tools.localplatform import (
    banner,
    builds,
    dev_board,
    node,
    parts,
    rundir,
    runner,
    sources,
    stale,
    versions,
)
from tools.localplatform.console import Console
from tools.localplatform.node import Artifacts, LocalNode
from tools.localplatform.supervisor import Supervisor
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

ENVIRONMENTS = ("dev", "staging", "prod")  # delivered in this order (Flux's dependsOn)
NAMESPACES = {env: f"gitops-platform-{env}" for env in ENVIRONMENTS}  # the overlays' own
NAMESPACE = NAMESPACES["dev"]  # the board's identity and its backend panel live here
# progressDeadlineSeconds of the backends: a new pod starts here in about 4 s and the kubelet
# judges readiness after failureThreshold 2 x periodSeconds 5 = 10 s; so a version whose pods
# never get Ready is judged failed 15 s after its last progress (docs/pipeline.md).
DEADLINE_S = 15


class Platform:
    def __init__(
        self, console: Console, name: str, board_port: int, real_node: bool,
        prod_gate: str = "auto",
    ) -> None:  # fmt: skip
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
        self.prod_gate = prod_gate
        self.runner_pid = 0
        self.git: parts.GitServerProcess | None = None
        self.supervisor: Supervisor | None = None  # once up: restarts what exits

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
        self.info.prod_gate = self.prod_gate
        self.info.save(self.root)
        if self.node is not None:  # kwok's fake pods answer nothing that verify could judge
            self.start_runner()
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
        git = GitServer(self.state / "git")
        self.git = parts.GitServerProcess(git, self.state / "logs" / "git-server.log").start()
        self.on_down("stopped the git server", self.git.stop)
        self.info.pids[parts.GIT_SERVER] = self.git.pid
        self.on_down("stopped the registry", self.artifacts.stop)

        def seed() -> None:
            try:
                releases = self.artifacts.publish(build, sandbox=self.node is not None)
                source = sources.seed(git.create_repo("services"), self.state / "source")
                self.info.source_remote, self.info.source_clone = (
                    str(source.remote),
                    str(source.work),
                )
                self.info.source_url = git.url("services")
                remote = git.create_repo("gitops-platform")
                work = self.state / "work"
                seeded.append(versions.seed_config_repo(remote, work, releases, ENVIRONMENTS))
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
        say.say(f"git server {self.info.git_url}: k8s/ seeded, then this checkout's build "
                f"promoted to {', '.join(ENVIRONMENTS)} as {repo.head()[:12]}; the services' "
                f"source at {self.info.source_url}")  # fmt: skip
        sources.notify_flux(repo.remote, cp.kubeconfig, binaries.find_kubectl())
        self.info.save(self.root)
        return cp, repo

    def _bootstrap(self, cp: ControlPlane) -> None:
        """infra/live/local, applied as on a real cluster: namespaces, Flux's CRDs and
        identities, the GitRepository, the three environments' Kustomizations and the
        board's read access to staging and prod. State stays in the run."""
        local = self.node
        environments = {
            env: {
                "interval": "10m", "retry_interval": "10s", "timeout": "60s",
                "patches": local.patches(DEADLINE_S, node.BACKEND_IPS[env]) if local else [],
            }
            for env in ENVIRONMENTS
        }  # fmt: skip
        tofu = Tofu("live/local", self.state / "tofu")
        variables = tofu.var_file({
            "kubeconfig": str(cp.kubeconfig),
            "git_url": self.info.git_url,
            "flux_build_dir": str(flux.build_root()),
            "environments": environments,
            "board_reader": {"namespace": NAMESPACE, "service_account": dev_board.SERVICE_ACCOUNT},
        })  # fmt: skip
        with self.console.step("OpenTofu bootstrap (infra/live/local): CRDs, identities, "
                               "dev, staging, prod"):  # fmt: skip
            tofu.init(state=self.state / "tofu" / "terraform.tfstate")
            tofu.run("apply", "-auto-approve", "-no-color", variables)
        self.info.progress_deadline_s = DEADLINE_S if self.node else 600

    def _start_board(self, backend_url: str) -> ServiceProcess:
        env = {
            "FRONTEND_KUBECONFIG": str(self.state / "board.kubeconfig"),  # written once known
            "FRONTEND_NAMESPACES": ",".join(NAMESPACES.values()),
            # The board's own backend panel and pod probes: dev's backend.
            "FRONTEND_BACKEND_POD_SELECTOR": "app.kubernetes.io/name=backend,environment=dev",
            "FRONTEND_GITOPS_NAMESPACES": flux.NAMESPACE,
            "FRONTEND_BACKEND_URL": backend_url,
            "FRONTEND_PROBE_PODS": "true" if self.node else "false",
            "FRONTEND_PROBE_INTERVAL_SECONDS": "1",
            "FRONTEND_BACKOFF_MAX_SECONDS": "5",
            "FRONTEND_ENVIRONMENT": "local",
            # The config repository the pipeline pushes its promotions and records to,
            # and the source repository (lead time from each source commit): read-only.
            "FRONTEND_DELIVERY_REPO": str(self.info.remote),
            "FRONTEND_DELIVERY_SOURCE_REPO": str(self.info.source_remote),
            "FRONTEND_DELIVERY_REFRESH_SECONDS": "5",
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
            self._wait_on_flux("the board's ServiceAccount",
                               lambda: api.request("GET", sa)[0] == 200, 90)  # fmt: skip
        with say.step("board: the frontend with dev's `frontend` ServiceAccount (read-only Role)"):
            dev_board.board_kubeconfig(kube, cp, NAMESPACE, self.state / "board.kubeconfig")
            wait_for("board /readyz", lambda: answers(proc.url + "/readyz"), 60, alive=proc.alive)

    def _wait_on_flux(
        self, what: str, check: Callable[[], bool], timeout: float,
        also_alive: Callable[[], bool] = lambda: True,
    ) -> None:  # fmt: skip
        """Wait for what Flux delivers: at once if a controller (or ALSO_ALIVE) exits, and on
        a timeout with what Flux says (its objects' Ready conditions, its last errors)."""
        flux = self.flux
        if flux is None:
            raise RuntimeError("Flux is not running")
        try:
            wait_for(what, check, timeout, alive=lambda: flux.alive() and also_alive())
        except TimeoutError as exc:
            raise TimeoutError(f"{exc}; Flux says: {flux.account()}") from None

    def _wait_ready(self, proc: ServiceProcess, commit: str) -> None:
        real = self.node is not None
        last: dict[str, str] = {}

        def healthy() -> bool:
            try:
                status = board_status(self.info.board_url)
            except httpx.HTTPError:
                return False
            ready = True
            for env, namespace in NAMESPACES.items():
                view = dev_board.dev_view(status, namespace)
                if view is None:
                    ready = False
                    continue
                if view.line() != last.get(env):
                    last[env] = view.line()
                    self.console.say(f"board: {env}: {view.line()}")
                answering = bool(view.serving) and view.service_version is not None
                ready = ready and view.health == "Healthy" and view.done and view.flux_at(commit)
                ready = ready and (answering or not real or env != "dev")
            return ready

        with self.console.step(f"waiting for the board: dev, staging and prod Healthy, Flux "
                               f"Ready at {commit[:12]}"):  # fmt: skip
            self._wait_on_flux("board: every environment Healthy", healthy, 300, proc.alive)
        self.ready_s = self.console.elapsed()

    def start_runner(self) -> int:
        """The pipeline runner: from now on a push to the source repository delivers itself.
        It keeps no state (git is its state): a new one resumes where an old one was."""
        log = self.state / "logs" / "pipeline.log"
        argv = [sys.executable, "-m", "tools.localplatform", "runner"]
        first = not self.runner_pid
        # The mark lets the next run find it and its steps if this one is killed (stale).
        env = {"PYTHONUNBUFFERED": "1", runner.RUNNER_MARK: str(self.state)}
        self.runner_pid = processes.spawn(argv, log, env)
        if first:
            self.on_down("stopped the pipeline runner", self._stop_runner)
        self.info.pids[parts.RUNNER] = self.runner_pid
        self.info.save(self.root)
        return self.runner_pid

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

    def _stop_runner(self) -> None:
        processes.stop(self.runner_pid, sys.executable, timeout=10)

    def problem(self) -> str | None:
        """Restarts what has exited (``supervisor``); why to stop, when a part keeps exiting."""
        if self.supervisor is None:
            self.supervisor = parts.supervisor(self)
        return self.supervisor.check()

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
