"""Image tier fixtures: install/configure podman and buildah, build both images once.

The build is cached twice over: buildah's layer cache, and tools/images/build.sh
skipping a build whose inputs hash matches the existing image's label, so a
repeated run with no change costs seconds. With CI=true a missing prerequisite
fails the tier; elsewhere it is skipped with a loud message.
"""

from __future__ import annotations

import os
import platform
import shutil

import pytest

from tests.images.support import TOOLS, Image, build_images, in_ci, missing, run

_IMAGES = pytest.StashKey[dict[str, Image]]()


def _prepare() -> None:
    if platform.system() != "Linux":
        missing("podman and buildah need Linux")
    have = all(shutil.which(cmd) for cmd in ("buildah", "podman", "runc", "debootstrap"))
    if not have and (os.geteuid() != 0 or shutil.which("apt-get") is None):
        missing("buildah, podman, runc and debootstrap are missing and cannot be installed "
                "(tools/images/setup.sh needs root and apt-get)")  # fmt: skip
    proc = run("bash", str(TOOLS / "setup.sh"), timeout=900, check=False)
    if proc.returncode != 0:
        detail = (proc.stdout + proc.stderr)[-2000:]
        if in_ci():
            pytest.fail(f"CI=true and tools/images/setup.sh failed:\n{detail}", pytrace=False)
        missing(f"tools/images/setup.sh failed:\n{detail}")


@pytest.fixture(scope="session")
def images(request: pytest.FixtureRequest) -> dict[str, Image]:
    """Both service images, built with the local Debian base."""
    _prepare()
    built = build_images()
    request.config.stash[_IMAGES] = built
    return built


@pytest.fixture(scope="session")
def backend_image(images: dict[str, Image]) -> Image:
    return images["backend"]


@pytest.fixture(scope="session")
def frontend_image(images: dict[str, Image]) -> Image:
    return images["frontend"]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    built = terminalreporter.config.stash.get(_IMAGES, None)
    if not built:
        return
    terminalreporter.section("container images")
    for image in built.values():
        terminalreporter.write_line(
            f"{image.ref}: {image.size_mb:.1f} MB, {image.layers} layers "
            f"({image.kind} build, {image.seconds:.1f}s)"
        )
