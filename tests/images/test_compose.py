"""compose.yaml: both services up, healthy, and the board shows the backend.

Run with podman-compose (PyPI) on the host's network (compose.hostnet.yaml), so
every request stays on loopback. podman here has no systemd to run health checks
on a timer, so the test runs each container's compose-defined check itself with
`podman healthcheck run`, as the timer would.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.images.support import PODMAN, Image, podman, tool
from tools.platformkit.paths import REPO_ROOT
from tools.platformkit.processes import free_port

pytestmark = [pytest.mark.images, pytest.mark.timeout(3000)]

OVERRIDE = Path(__file__).with_name("compose.hostnet.yaml")
HEALTHY_WITHIN = 90.0


class Compose:
    def __init__(self, project: str, env: dict[str, str]) -> None:
        self.project = project
        self.env = {**os.environ, **env}
        self.files = ["-f", str(REPO_ROOT / "compose.yaml"), "-f", str(OVERRIDE)]

    def __call__(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        cmd = [tool("podman-compose"), "--podman-path", "podman", "-p", self.project]
        proc = subprocess.run(
            [*cmd, *self.files, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env,
            cwd=REPO_ROOT,
            check=False,
        )
        assert proc.returncode == 0, f"podman-compose {args}: {proc.stdout}\n{proc.stderr}"
        return proc

    def container(self, service: str) -> str:
        out = podman(
            "ps", "--all", "--format", "{{.Names}}",
            "--filter", f"label=io.podman.compose.project={self.project}",
            "--filter", f"label=io.podman.compose.service={service}",
        )  # fmt: skip
        names = out.stdout.split()
        assert len(names) == 1, f"{service}: {names}"
        return names[0]


@pytest.fixture
def compose_up(images: dict[str, Image]) -> Iterator[tuple[Compose, dict[str, int]]]:
    ports = {"backend": free_port(), "frontend": free_port()}
    env = {
        "BACKEND_PORT": str(ports["backend"]),
        "FRONTEND_PORT": str(ports["frontend"]),
        # The images the fixture built; compose must not build or pull its own.
        "IMAGE_TAG": images["backend"].ref.rsplit(":", 1)[1],
    }
    compose = Compose(f"images-test-{os.getpid()}", env)
    try:
        compose("up", "--detach", "--no-build")
        yield compose, ports
    finally:
        try:
            compose("down", "--timeout", "20", timeout=120)
        finally:
            # Whatever down left behind (it should leave nothing).
            left = podman(
                "ps", "--all", "--quiet",
                "--filter", f"label=io.podman.compose.project={compose.project}",
            ).stdout.split()  # fmt: skip
            if left:
                podman("rm", "--force", "--time", "0", *left, check=False)


def _healthy(name: str) -> bool:
    check = subprocess.run(
        [*PODMAN, "healthcheck", "run", name],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return check.returncode == 0


def test_compose_up_healthy_and_board_shows_backend(
    compose_up: tuple[Compose, dict[str, int]], backend_image: Image
) -> None:
    compose, ports = compose_up
    names = {service: compose.container(service) for service in ("backend", "frontend")}

    deadline = time.monotonic() + HEALTHY_WITHIN
    pending = set(names)
    while pending and time.monotonic() < deadline:
        pending = {service for service in pending if not _healthy(names[service])}
        if pending:
            time.sleep(1)
    logs = {s: podman("logs", n, check=False).stderr[-2000:] for s, n in names.items()}
    assert not pending, f"not healthy within {HEALTHY_WITHIN}s: {pending}\n{logs}"
    for name in names.values():
        status = podman("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()
        assert status == "healthy", name
        readonly = podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", name)
        assert readonly.stdout.strip() == "true", name
        assert podman("exec", name, "id", "-u").stdout.strip() == "10001"

    # The board's backend panel shows the backend's build SHA (once it has probed).
    sha = backend_image.label("org.opencontainers.image.revision")
    board = f"http://127.0.0.1:{ports['frontend']}"
    deadline = time.monotonic() + 30
    status_text = page = ""
    while time.monotonic() < deadline:
        status_text = httpx.get(f"{board}/api/v1/status", timeout=5).text
        page = httpx.get(f"{board}/", timeout=5).text
        if sha in status_text and sha[:12] in page:
            break
        time.sleep(1)
    assert sha in status_text, status_text[:2000]
    assert sha[:12] in page, "the board page shows the backend's short SHA"
    assert "no cluster configured" in page.lower()
