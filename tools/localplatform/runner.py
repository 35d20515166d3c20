"""The pipeline runner of ``make run``: a push to the source repository starts the pipeline
by itself, and every step is the ``pipeline`` command CI's workflows call.

It watches the source repository's ``main`` (the bare repository the git server
serves), and from the config repository's history alone decides the next step
(``delivery.pipeline.plan``): verify a promotion that has no record yet (and on failure
revert it, verify the previous version again, record both); build the images of a new
source commit and promote them to dev; promote a verified version to the next
environment (to prod only when the gate is ``auto``). It keeps no state of its own, so a
restarted runner resumes where git says the pipeline is. Each step, its command and its
duration go to its log and, as JSON lines, to ``pipeline.jsonl`` in the run's logs.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import httpx

from delivery.git import GitError
from delivery.git import run as git
from delivery.overlay import read_digests
from delivery.pipeline import images as pipeline_images
from delivery.pipeline import plan, remote, state
from tools.localplatform import node, rundir
from tools.platformkit import images
from tools.platformkit.node.registry import RegistryError

RUNNER_MARK = "GITOPS_PLATFORM_RUNNER"  # in its environment: the run's state dir
POLL_S = 0.5  # how often the runner looks at the source repository's main
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
VERIFY = ("--consecutive", "3", "--interval", "0.5", "--timeout", "180")


@dataclass(frozen=True)
class Paths:
    source_remote: Path
    config_remote: Path
    source: Path  # the runner's clone of the source: where images are built
    config: Path  # the runner's clone of the config repository: where it commits

    @classmethod
    def of(cls, info: rundir.RuntimeInfo) -> Paths:
        base = Path(info.state_dir) / "pipeline"
        return cls(Path(info.source_remote), Path(info.remote), base / "source", base / "config")


class Runner:
    def __init__(self, info: rundir.RuntimeInfo) -> None:
        self.info, self.paths = info, Paths.of(info)
        self.journal = Path(info.state_dir) / "logs" / "pipeline.jsonl"
        host = urlsplit(info.registry).netloc or info.registry  # info.registry is a URL
        self.registry = f"{host}/{images.REPOSITORIES['backend'].split('/')[0]}"
        self.gates: dict[str, plan.Gate] = {
            "prod": "auto" if info.prod_gate == "auto" else "pull-request"
        }
        self.stopping = False
        self.child: subprocess.Popen[str] | None = None
        self.failed_builds: set[str] = set()

    def prepare(self) -> None:
        for remote_path, clone in (
            (self.paths.source_remote, self.paths.source),
            (self.paths.config_remote, self.paths.config),
        ):
            if not (clone / ".git").is_dir():
                clone.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run(["git", "clone", "-q", str(remote_path), str(clone)], check=True)
        git(self.paths.config, "config", "user.name", "local-pipeline")
        git(self.paths.config, "config", "user.email", "pipeline@gitops-platform.invalid")

    def log(self, event: str, **fields: object) -> None:
        line = {"at": round(time.time(), 3), "event": event, **fields}
        with self.journal.open("a") as out:
            out.write(json.dumps(line) + "\n")
        detail = " ".join(f"{k}={v}" for k, v in fields.items())
        print(f"[pipeline] {event} {detail}".rstrip(), flush=True)

    def source_head(self) -> str | None:
        try:
            return git(self.paths.source_remote, "rev-parse", "-q", "--verify", "refs/heads/main")
        except GitError:
            return None

    def heads(self) -> str:
        """What the pipeline's next step depends on: both repositories' refs (cheap to read,
        so an idle runner reads nothing else)."""
        refs = []
        for repo in (self.paths.source_remote, self.paths.config_remote):
            result = subprocess.run(
                ["git", "-C", str(repo), "for-each-ref", "--format=%(objectname) %(refname)"],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            refs.append(result.stdout)
        return "".join(refs)

    def step(self) -> plan.Step:
        remote.sync(self.paths.config)
        states = state.read_states(self.paths.config)
        return plan.next_step(self.source_head(), states, self.gates)

    def pipeline(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "delivery.pipeline.cli", *args]
        started = time.monotonic()
        self.log("run", command=" ".join(["pipeline", *args[:3]]))
        # A step must not outlive the runner: a runner killed mid-verify is started again
        # and verifies anew, and an orphaned verify would then write a second record.
        self.child = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_dies_with(os.getpid()),  # noqa: PLW1509 - the runner has one thread
        )  # fmt: skip
        out, err = self.child.communicate()
        code, self.child = self.child.returncode, None
        for line in err.strip().splitlines():
            print(f"  {line}", flush=True)
        self.log(
            "ran",
            command=f"pipeline {args[0]}",
            code=code,
            seconds=round(time.monotonic() - started, 2),
        )
        return subprocess.CompletedProcess(argv, code, out, err)

    def run_step(self, step: plan.Step) -> None:
        self.log("step", **{k: v for k, v in asdict(step).items() if v})
        if step.action == "verify" and step.promotion:
            self.pipeline(
                "verify",
                "--repo",
                str(self.paths.config),
                "--promotion",
                step.promotion,
                "--kubeconfig",
                self.info.kubeconfig,
                "--kubectl",
                self.info.kubectl,
                "--status-url",
                f"{self.info.board_url}/api/v1/status",
                "--judge-rollout",
                *VERIFY,
                "--push",
                "--run",
                f"make run (pipeline runner, pid {self.pid})",
            )
        elif step.action == "build" and step.source_sha and step.env:
            self.build_and_promote(step.source_sha, step.env)
        elif step.action == "promote" and step.env and step.from_env:
            self.pipeline(
                "promote",
                "--repo",
                str(self.paths.config),
                "--env",
                step.env,
                "--from",
                step.from_env,
                "--push",
            )

    @property
    def pid(self) -> int:
        return os.getpid()

    def frontend_source(self, env: str) -> str | None:
        """The source commit ENV's frontend image was built from: the Source-Commit of the
        newest commit that brought its digest into the overlay (``git log -S``). The
        frontend is rebuilt only if its inputs changed since then."""
        path = state.overlay_path(env)
        digest = read_digests(git(self.paths.config, "show", f"HEAD:{path}"), path).get("frontend")
        if not digest:
            return None
        found = git(self.paths.config, "log", "-1", f"-S{digest}",
                    "--format=%(trailers:key=Source-Commit,valueonly)", "--", path)  # fmt: skip
        return found.strip() or None

    def build_and_promote(self, sha: str, env: str) -> None:
        source = self.paths.source
        git(source, "fetch", "-q", "origin", "+refs/heads/main:refs/remotes/origin/main")
        git(source, "checkout", "-q", "--force", "--detach", sha)
        since = self.frontend_source(env)
        known = since is not None and _has_commit(source, since)
        built = self.pipeline(
            "build",
            "--context",
            str(source),
            "--sha",
            sha,
            "--registry",
            self.registry,
            "--insecure-registry",
            *(["--since", since] if known and since else []),
        )
        if built.returncode != 0:
            self.log("build-failed", source=sha)
            self.failed_builds.add(sha)
            return
        digests = dict(line.split("=", 1) for line in built.stdout.split() if "=" in line)
        self.keep_manifests(digests)
        self.pipeline(
            "promote",
            "--repo",
            str(self.paths.config),
            "--env",
            env,
            "--source-sha",
            sha,
            "--image",
            f"backend={digests.get('backend-digest', '')}",
            "--image",
            f"frontend={digests.get('frontend-digest', '')}",
            "--push",
        )

    def keep_manifests(self, digests: dict[str, str]) -> None:
        """Journal what the build pushed, so a restarted registry serves it again (a revert
        to it must pull). A registry that does not answer now has lost the push anyway."""
        journal = node.registry_of(Path(self.info.state_dir)).journal
        for service in pipeline_images.SERVICES:
            digest = digests.get(f"{service}-digest")
            if not digest:  # not rebuilt: kept when it was
                continue
            repository = pipeline_images.repository(self.registry, service).partition("/")[2]
            try:
                journal.keep(self.info.registry, repository, digest)
            except (RegistryError, httpx.HTTPError) as exc:
                self.log("manifest-not-kept", service=service, digest=digest, why=str(exc))

    def serve(self) -> int:
        self.prepare()
        self.log("watching", source=str(self.paths.source_remote), prod_gate=self.info.prod_gate)
        idle_said, idle_at = "", ""
        while not self.stopping:
            heads = self.heads()
            if heads == idle_at:
                time.sleep(POLL_S)
                continue
            try:
                step = self.step()
            except (GitError, OSError, ValueError) as exc:
                self.log("error", why=str(exc))
                time.sleep(2)
                continue
            if step.action == "build" and step.source_sha in self.failed_builds:
                step = plan.Step("idle", why=f"the build of {step.source_sha} failed")
            if step.action == "idle":
                if step.why != idle_said:
                    self.log("idle", why=step.why)
                    idle_said = step.why
                idle_at = heads  # nothing to do until a ref moves
                continue
            idle_said = idle_at = ""
            self.run_step(step)
        return 0


def _dies_with(parent: int) -> Callable[[], None]:
    """For ``preexec_fn``: the child gets SIGKILL when PARENT dies (Linux's
    PR_SET_PDEATHSIG), and exits at once if PARENT is already gone."""

    def arm() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)

    return arm


def _has_commit(repo: Path, sha: str) -> bool:
    try:
        git(repo, "cat-file", "-e", f"{sha}^{{commit}}")
    except GitError:
        return False
    return True


def main() -> int:
    runner = Runner(rundir.load())

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # The platform is going away: end the step in hand too. A promotion left without
        # a record is verified (or reverted) first by the next runner: plan's first rule.
        runner.stopping = True
        if runner.child is not None:
            runner.child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return runner.serve()
