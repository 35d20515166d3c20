"""Helpers for the image tier: podman, the build helper, free ports, HTTP polling.

Everything runs on loopback: containers use the host's network namespace
(``--network host``) and bind 127.0.0.1, so no traffic leaves the machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tools.platformkit.images import parse_build_output
from tools.platformkit.paths import REPO_ROOT
from tools.platformkit.processes import free_port

TOOLS = REPO_ROOT / "tools" / "images"
SERVICES = ("backend", "frontend")
PORTS = {"backend": 8080, "frontend": 8090}
UID = 10001
# Where podman must be told to use runc (crun cannot set rlimits here); setup.sh
# also writes this as podman's default, the flag keeps a foreign config harmless.
PODMAN = ("podman", "--runtime", "runc")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing(reason: str) -> None:
    """A prerequisite is absent: fail under CI=true, skip loudly elsewhere."""
    if in_ci():
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    sys.stderr.write(f"\n*** image tier SKIPPED: {reason} ***\n")
    pytest.skip(f"image tier: {reason}")


def tool(name: str) -> str:
    """A dev tool from the venv running pytest (.venv/bin), else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        missing(f"{name} is not installed (a dev dependency: `make venv`)")
        raise AssertionError  # unreachable: missing() fails or skips
    return found


def run(
    *args: str, timeout: float = 120, check: bool = True, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
    )
    if check and proc.returncode != 0:
        output = f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        raise AssertionError(f"{' '.join(args)} exited {proc.returncode}\n{output}")
    return proc


def podman(
    *args: str, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    return run(*PODMAN, *args, timeout=timeout, check=check)


@dataclass(frozen=True)
class Image:
    service: str
    ref: str
    kind: str  # cold | warm | skipped
    seconds: float
    size_mb: float
    layers: int
    git_sha: str  # the checkout's HEAD when the fixture asked for the build

    def label(self, name: str) -> str:
        out = podman("image", "inspect", "--format", f'{{{{index .Labels "{name}"}}}}', self.ref)
        return out.stdout.strip()

    def config(self, field: str) -> str:
        fmt = f"{{{{.Config.{field}}}}}"
        return podman("image", "inspect", "--format", fmt, self.ref).stdout.strip()


def build_images() -> dict[str, Image]:
    """Run tools/images/build.sh for both services; it skips unchanged images."""
    head = run("git", "rev-parse", "HEAD").stdout.strip()
    env = {"GIT_SHA": head}
    proc = run("bash", str(TOOLS / "build.sh"), *SERVICES, timeout=3000, check=False, env=env)
    if proc.returncode != 0:
        raise AssertionError(f"image build failed:\n{proc.stderr[-6000:]}")
    images = {
        service: Image(b.service, b.ref, b.kind, b.seconds, b.size_mb, b.layers, head)
        for service, b in parse_build_output(proc.stdout).items()
    }
    assert set(images) == set(SERVICES), proc.stdout
    return images


@dataclass
class Container:
    name: str
    service: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        out = podman("logs", self.name, check=False)
        return out.stdout + out.stderr

    def exec(self, *args: str) -> subprocess.CompletedProcess[str]:
        return podman("exec", self.name, *args, check=False)

    def state(self, field: str) -> str:
        return podman("inspect", "--format", f"{{{{.State.{field}}}}}", self.name).stdout.strip()


@contextmanager
def container(image: Image, env: Mapping[str, str] | None = None) -> Iterator[Container]:
    """Run IMAGE hardened as in Kubernetes: read-only root, writable /tmp only."""
    service = image.service
    port = free_port()
    name = f"images-test-{service}-{uuid.uuid4().hex[:8]}"
    prefix = service.upper()
    settings = {f"{prefix}_HOST": "127.0.0.1", f"{prefix}_PORT": str(port), **(env or {})}
    flags = [f"--env={key}={value}" for key, value in settings.items()]
    podman(
        "run", "--detach", "--name", name, "--network", "host",
        "--read-only", "--tmpfs", "/tmp:rw,size=64m,mode=1777",  # noqa: S108 (in the container)
        "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
        *flags, image.ref,
    )  # fmt: skip
    box = Container(name, service, port)
    try:
        wait_ok(f"{box.url}/healthz", box)
        yield box
    finally:
        podman("rm", "--force", "--time", "0", name, check=False)


def wait_ok(url: str, box: Container | None = None, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response
            last = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        if box is not None and box.state("Running") != "true":
            break
        time.sleep(0.3)
    logs = box.logs() if box else ""
    raise AssertionError(f"{url} not OK after {timeout}s ({last})\n{logs[-3000:]}")
