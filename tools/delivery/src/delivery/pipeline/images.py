"""The pipeline's build step: both service images from one source commit, pushed by tag,
their digests read back from the push (what promotion pins).

It runs the commit's own ``tools/images/build.sh`` (buildah, layer cache) in the
commit's tree, so CI and the local runner build the same way. The backend, the
deployment probe whose ``/meta`` proves which commit serves, is built for every commit;
the frontend only when its inputs changed since ``--since`` (when given), because a
frontend build is most of a warm build's time and an unchanged one gains nothing.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ("backend", "frontend")
LOCAL_TAG = "pipeline"  # build.sh's IMAGE_TAG: one tag reused, so old layers can go
# What each image is built from (Dockerfile COPY lines, and the build script itself).
_COMMON = (".dockerignore", "pyproject.toml", "uv.lock", "services/servicekit/", "tools/images/")
INPUTS = {
    "backend": ("Dockerfile.backend", "services/backend/", *_COMMON),
    "frontend": ("Dockerfile.frontend", "services/frontend/", "tools/delivery/", *_COMMON),
}


class BuildError(RuntimeError):
    """A build or a push failed; the message has the tail of its output."""


@dataclass(frozen=True)
class Built:
    source_sha: str
    images: dict[str, str]  # service -> digest the registry serves
    seconds: dict[str, float] = field(default_factory=dict)  # build + push, per service
    lines: tuple[str, ...] = ()  # build.sh's summary lines


def needs_build(service: str, changed: Iterable[str] | None) -> bool:
    """CHANGED: the paths changed since the last build (None: unknown, build all)."""
    if service == "backend" or changed is None:
        return True
    return any(path == i or path.startswith(i) for path in changed for i in INPUTS[service])


def repository(registry: str, service: str) -> str:
    """REGISTRY (host[/owner], any case) -> the image repository (lowercase, as OCI wants)."""
    return f"{registry.rstrip('/').lower()}/gitops-platform-{service}"


def changed_paths(context: Path, since: str, sha: str) -> list[str] | None:
    result = subprocess.run(
        ["git", "-C", str(context), "diff", "--name-only", since, sha],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.split() if result.returncode == 0 else None


def _run(argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 1800) -> str:
    try:
        result = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"{argv[0]} did not finish in {timeout:.0f}s") from None
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-15:])
        raise BuildError(f"{' '.join(argv[:3])} exited {result.returncode}:\n{tail}")
    return result.stdout


def build_and_push(
    context: Path,
    sha: str,
    version: str,
    registry: str,
    services: Sequence[str] = SERVICES,
    upstream: bool = False,
    tls_verify: bool = True,
) -> Built:
    """Build SERVICES from the tree at CONTEXT (the commit SHA) and push each to
    REGISTRY as ``gitops-platform-<service>:<sha>``."""
    images, seconds, lines = {}, {}, []
    for service in services:
        started = time.monotonic()
        env = {
            "GIT_SHA": sha,
            "VERSION": version,
            "IMAGE_TAG": LOCAL_TAG,
            "IMAGES_CONTEXT": str(context),
        }
        argv = ["bash", str(context / "tools/images/build.sh"), service]
        if upstream:
            argv.insert(2, "--upstream")
        lines += _run(argv, env).strip().splitlines()
        images[service] = push(
            f"localhost/gitops-platform/{service}:{LOCAL_TAG}",
            f"{repository(registry, service)}:{sha}",
            tls_verify,
        )
        seconds[service] = round(time.monotonic() - started, 1)
    return Built(sha, images, seconds, tuple(lines))


def push(local: str, target: str, tls_verify: bool = True) -> str:
    """``buildah push`` LOCAL to TARGET; the digest of the manifest pushed."""
    with tempfile.TemporaryDirectory(prefix="pipeline-push-") as scratch:
        digest_file = Path(scratch) / "digest"
        _run(
            [
                "buildah",
                "push",
                "--quiet",
                f"--tls-verify={str(tls_verify).lower()}",
                "--digestfile",
                str(digest_file),
                local,
                f"docker://{target}",
            ],
            timeout=900,
        )
        return digest_file.read_text().strip()


def login_from_env(registry: str, environ: Mapping[str, str] | None = None) -> bool:
    """``buildah login`` with REGISTRY_USER and REGISTRY_TOKEN, when both are set (CI)."""
    env = os.environ if environ is None else environ
    user, token = env.get("REGISTRY_USER", ""), env.get("REGISTRY_TOKEN", "")
    if not (user and token):
        return False
    host = registry.split("/", 1)[0]
    result = subprocess.run(
        ["buildah", "login", "--username", user, "--password-stdin", host],
        input=token,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(f"buildah login {host} failed: {result.stderr.strip()}")
    return True
