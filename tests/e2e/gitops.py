"""The drill's stand-ins for GitHub and for the GitOps controller, with real parts.

- ``ConfigRepo``: a local bare git repository (the remote) and a work clone that
  the pipeline commits in, seeded with this checkout's real ``k8s/`` tree.
- ``sync``: what Argo CD or Flux would do: a fresh checkout of the remote, then a
  server-side apply of the environment's overlay. The drill only adds a wrapper
  kustomization that retargets the namespace and tunes timings for the test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from delivery.git import run as git
from tests.support.kube import Kube

ROOT = Path(__file__).resolve().parents[2]


def tool(name: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run one of the delivery console scripts exactly as CI does."""
    module = {"promote": "promote_cli", "verify": "verify_cli", "rollback": "rollback_cli"}[name]
    argv = [sys.executable, "-m", f"delivery.{module}", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=cwd, timeout=300)


@dataclass
class ConfigRepo:
    remote: Path
    work: Path

    @classmethod
    def create(cls, root: Path) -> ConfigRepo:
        remote, work = root / "remote.git", root / "work"
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        subprocess.run(
            ["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True
        )
        git(work, "config", "user.name", "github-actions[bot]")
        git(work, "config", "user.email", "ci@example.invalid")
        shutil.copytree(ROOT / "k8s", work / "k8s")
        git(work, "add", "k8s")
        git(work, "commit", "-qm", "chore: seed the config repository")
        git(work, "push", "-q", "origin", "HEAD:main")
        return cls(remote, work)

    def push(self) -> str:
        git(self.work, "push", "-q", "origin", "HEAD:main")
        return git(self.work, "rev-parse", "HEAD")


WRAPPER = """\
# Drill only: retarget the dev overlay at the test namespace, let the pod runner
# own readiness, and shorten the progress deadline and the drain delay so a
# stuck rollout is judged within the test's time bound.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {namespace}
resources:
  - ../overlays/{env}
patches:
  - target: {{kind: Deployment, name: backend}}
    patch: |-
      - op: add
        path: /spec/template/metadata/labels/runner.gitops-platform.test~1managed
        value: "true"
      - {{op: replace, path: /spec/progressDeadlineSeconds, value: {deadline}}}
      - {{op: replace, path: /spec/minReadySeconds, value: 1}}
      - {{op: add, path: /spec/replicas, value: {replicas}}}
  - target: {{kind: ConfigMap, name: backend}}
    patch: |-
      - {{op: replace, path: /data/BACKEND_DRAIN_DELAY_SECONDS, value: "{drain}"}}
  - target: {{kind: HorizontalPodAutoscaler, name: backend}}
    patch: |-
      - {{op: replace, path: /spec/minReplicas, value: {replicas}}}
      - {{op: replace, path: /spec/maxReplicas, value: {replicas}}}
"""


def sync(
    repo: ConfigRepo,
    kube: Kube,
    namespace: str,
    env: str = "dev",
    deadline: int = 30,
    replicas: int = 2,
    drain: int = 2,
) -> str:
    """Fresh checkout of the remote, then server-side apply of the overlay; return its SHA."""
    with tempfile.TemporaryDirectory(prefix="drill-sync-") as tmp:
        checkout = Path(tmp) / "checkout"
        subprocess.run(
            ["git", "clone", "-q", str(repo.remote), str(checkout)], check=True, capture_output=True
        )
        wrapper = checkout / "k8s" / "drill"
        wrapper.mkdir()
        (wrapper / "kustomization.yaml").write_text(
            WRAPPER.format(
                namespace=namespace, env=env, deadline=deadline, replicas=replicas, drain=drain
            )
        )
        rendered = kube.run("kustomize", str(wrapper)).stdout
        kube.run(
            "apply",
            "--server-side",
            "--force-conflicts",
            "--field-manager=drill-sync",
            "-f",
            "-",
            input=rendered,
        )
        return git(checkout, "rev-parse", "HEAD")
