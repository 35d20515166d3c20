"""The services' source repository of ``make run``, and the config repository's push hook.

The source repository is a bare repository on the local git server holding this
checkout's history up to its HEAD (``git push`` of HEAD: the commit the run's first
images were built from), and a work clone of it for a person (``make change-good``,
``make change-bad``, or any commit pushed there): the pipeline runner builds what
lands on its ``main``.

The config repository's ``post-receive`` hook asks Flux to fetch at once after a push to
``main``, as a forge's webhook does through Flux's notification-controller Receiver:
``reconcile.fluxcd.io/requestedAt`` on the GitRepository (``flux reconcile source git``).
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from delivery.git import run as git
from tools.platformkit.gitops import bootstrap, flux
from tools.platformkit.paths import REPO_ROOT

AUTHOR = ("platform-user", "user@gitops-platform.invalid")


@dataclass(frozen=True)
class SourceRepo:
    remote: Path  # bare, on the git server
    work: Path  # a person's clone


def seed(remote: Path, work: Path, checkout: Path = REPO_ROOT) -> SourceRepo:
    """Push CHECKOUT's HEAD (with its history) to the empty bare REMOTE's main; clone it."""
    git(checkout, "push", "-q", str(remote), "HEAD:refs/heads/main")
    subprocess.run(["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True)
    git(work, "config", "user.name", AUTHOR[0])
    git(work, "config", "user.email", AUTHOR[1])
    return SourceRepo(remote, work)


def hook_script(kubectl: str | Path, kubeconfig: Path) -> str:
    target = f"gitrepository/{bootstrap.SOURCE_NAME}"
    annotate = " ".join(
        shlex.quote(a)
        for a in (
            str(kubectl),
            "--kubeconfig",
            str(kubeconfig),
            "-n",
            flux.NAMESPACE,
            "annotate",
            "--overwrite",
            target,
        )
    )
    return (
        "#!/bin/sh\n"
        "# Written by make run (tools/localplatform/sources.py): a push to main asks Flux to\n"
        "# fetch now, as a forge's webhook does through a Flux Receiver. Never fails a push.\n"
        "while read -r _old _new ref; do\n"
        '  if [ "$ref" = refs/heads/main ]; then\n'
        f'    {annotate} "reconcile.fluxcd.io/requestedAt=$(date +%s.%N)" >/dev/null 2>&1 || true\n'
        "  fi\n"
        "done\n"
        "exit 0\n"
    )


def notify_flux(config_remote: Path, kubeconfig: Path, kubectl: str | Path | None) -> None:
    """Install the config repository's post-receive hook (see the module's docstring)."""
    if kubectl is None:
        return
    hook = config_remote / "hooks" / "post-receive"
    hook.write_text(hook_script(kubectl, kubeconfig))
    hook.chmod(0o755)
