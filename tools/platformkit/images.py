"""The service images as the local node pulls them: built, pushed, and varied, all for real.

- ``ensure_built``: ``tools/images/build.sh`` (buildah; it skips a build whose inputs
  are unchanged) and the lines it printed (cold / warm / skipped, time, size, layers).
- ``push``: ``buildah push`` of a local image to the loopback registry
  (``tools.platformkit.node.registry``), in the repository the overlays name
  (``example-org/gitops-platform-backend``...), so ``ghcr.io/<repository>@<digest>``
  resolves once containerd maps ghcr.io to that registry. Returns the digest the
  registry holds, checked with ``crane digest``.
- ``derive``: a version variant of a pushed image with ``crane mutate``: the same
  layers (nothing re-uploaded, nothing copied in buildah's vfs storage), a config whose
  environment and OCI version label differ; a real image with a digest of its own.
  ``VARIANTS`` holds what breaks the backend on purpose: ``bad`` (runs, never Ready:
  its readiness dependency never answers) and ``crash`` (exits at start on an invalid
  setting, so its pod goes CrashLoopBackOff).
- ``sandbox_image``: the node's ``sandbox`` (pause) program as a one-layer image.

Every crane call takes the bin dir that holds crane (``nodebins.bin_dir()``). A step that
fails raises ``ImageError`` naming the command and what it wrote to stderr.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.platformkit.paths import REPO_ROOT

BUILD_SCRIPT = REPO_ROOT / "tools" / "images" / "build.sh"
SERVICES = ("backend", "frontend")
# The repositories the overlays' image names point into (k8s/overlays/*/kustomization.yaml:
# newName ghcr.io/<repository>); the loopback registry holds them under the same names.
REGISTRY = "ghcr.io"  # the overlays' registry; containerd mirrors it to the loopback one
REPOSITORIES = {
    "backend": "example-org/gitops-platform-backend",
    "frontend": "example-org/gitops-platform-frontend",
}
SANDBOX_REPOSITORY = "gitops-platform/sandbox"
VERSION_LABEL = "org.opencontainers.image.version"
REVISION_LABEL = "org.opencontainers.image.revision"

# Inside a pod's network namespace nothing listens on 127.0.0.1:9: this never answers.
NEVER_ANSWERS = "http://127.0.0.1:9/healthz"
# What each kind of backend variant adds to the image's environment.
VARIANTS: Mapping[str, Mapping[str, str]] = {
    "good": {},
    # Starts and serves, but /readyz fails: a rollout of it never progresses.
    "bad": {
        "BACKEND_READINESS_URLS": NEVER_ANSWERS,
        "BACKEND_READINESS_CHECK_INTERVAL_SECONDS": "0.5",
    },
    # Exits 2 at start: "backend: invalid setting BACKEND_PORT='not-a-port': ...".
    "crash": {"BACKEND_PORT": "not-a-port"},
}

_BUILT = re.compile(
    r"^image (?P<ref>\S+): (?P<kind>cold|warm|skipped) build (?P<seconds>[\d.]+)s, "
    r"size (?P<mb>[\d.]+) MB, (?P<layers>\d+) layers$"
)
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


class ImageError(RuntimeError):
    """A build, push or crane step failed; the message names the command and its stderr."""

    def __init__(self, argv: Sequence[str], detail: str) -> None:
        self.argv = list(argv)
        super().__init__(f"{' '.join(self.argv)}: {detail}")


def run(argv: Sequence[str], timeout: float = 300, env: Mapping[str, str] | None = None) -> str:
    """Run ARGV; its stdout, or ImageError with the exit status and the end of stderr."""
    try:
        proc = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False,
            cwd=REPO_ROOT, env=None if env is None else {**os.environ, **env},
        )  # fmt: skip
    except FileNotFoundError:
        raise ImageError(argv, f"{argv[0]} is not installed") from None
    except subprocess.TimeoutExpired:
        raise ImageError(argv, f"no result after {timeout:g}s") from None
    if proc.returncode != 0:
        stderr = (proc.stderr.strip() or proc.stdout.strip())[-3000:]
        raise ImageError(argv, f"exit status {proc.returncode}:\n{stderr}")
    return proc.stdout


# --- build ------------------------------------------------------------------------------


def missing_prerequisites() -> list[str]:
    """What this host lacks to build and push the images, one sentence each."""
    absent = [tool for tool in ("buildah", "runc") if shutil.which(tool) is None]
    if not absent:
        return []
    return [f"{', '.join(absent)} (the images are built with buildah; make system installs it)"]


def local_ref(service: str) -> str:
    """The tag tools/images/build.sh gives SERVICE's image in buildah's storage."""
    return f"localhost/gitops-platform/{service}:local"


@dataclass(frozen=True)
class BuiltImage:
    service: str
    ref: str
    kind: str  # cold | warm | skipped
    seconds: float
    size_mb: float
    layers: int
    line: str  # as build.sh printed it


@dataclass(frozen=True)
class Build:
    images: Mapping[str, BuiltImage]  # service -> what build.sh said of it

    @property
    def refs(self) -> dict[str, str]:
        return {service: image.ref for service, image in self.images.items()}

    @property
    def lines(self) -> list[str]:
        return [image.line for image in self.images.values()]


def parse_build_output(stdout: str) -> dict[str, BuiltImage]:
    """build.sh's result lines (``image REF: KIND build Ns, size N MB, N layers``), by service."""
    found: dict[str, BuiltImage] = {}
    for raw in stdout.splitlines():
        line = raw.strip()
        match = _BUILT.match(line)
        if match:
            ref = match["ref"]
            service = ref.rsplit("/", 1)[-1].split(":", 1)[0]
            found[service] = BuiltImage(service, ref, match["kind"], float(match["seconds"]),
                                        float(match["mb"]), int(match["layers"]), line)  # fmt: skip
    return found


def ensure_built(services: Iterable[str] = SERVICES, timeout: float = 3600) -> Build:
    """Build (or find unchanged) SERVICES' images with tools/images/build.sh.

    A first build also makes the local Debian bases (debootstrap; minutes); afterwards
    an unchanged checkout is "skipped" in about a second.
    """
    wanted = list(services)
    unknown = set(wanted) - set(SERVICES)
    if unknown:
        raise ValueError(f"no image for {sorted(unknown)}; known: {SERVICES}")
    argv = ["bash", str(BUILD_SCRIPT), *wanted]
    built = parse_build_output(run(argv, timeout=timeout))
    if set(built) != set(wanted):
        raise ImageError(argv, f"printed no result line for {sorted(set(wanted) - set(built))}")
    return Build({service: built[service] for service in wanted})


# --- registry references ----------------------------------------------------------------


def check_digest(digest: str) -> str:
    if not _DIGEST.fullmatch(digest):
        raise ValueError(f"not a sha256 digest: {digest!r}")
    return digest


def check_tag(tag: str) -> str:
    """An OCI tag (version labels become tags): [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}."""
    if not _TAG.fullmatch(tag):
        raise ValueError(f"not a valid image tag: {tag!r}")
    return tag


def by_digest(registry_host: str, repository: str, digest: str) -> str:
    """``HOST/REPOSITORY@sha256:...``."""
    return f"{registry_host}/{repository}@{check_digest(digest)}"


def crane(bin_dir: Path, *args: str, timeout: float = 120) -> str:
    """``crane --insecure ARGS`` (the loopback registry speaks plain HTTP); its stdout."""
    return run([str(bin_dir / "crane"), *args, "--insecure"], timeout=timeout)


def digest_of(bin_dir: Path, ref: str) -> str:
    """The manifest digest the registry serves for REF (``crane digest``)."""
    return check_digest(crane(bin_dir, "digest", ref).strip())


def config_of(bin_dir: Path, ref: str) -> dict[str, Any]:
    """The image config the registry serves for REF (``crane config``)."""
    config: dict[str, Any] = json.loads(crane(bin_dir, "config", ref))
    return config


def env_of(config: Mapping[str, Any]) -> dict[str, str]:
    """An image config's environment as a dict (``Env``: ``["K=V", ...]``)."""
    pairs = (item.partition("=") for item in (config.get("config") or {}).get("Env") or [])
    return {key: value for key, _, value in pairs}


def labels_of(config: Mapping[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = (config.get("config") or {}).get("Labels") or {}
    return dict(labels)


def _digest_in(output: str, argv: Sequence[str]) -> str:
    """The digest of the ``HOST/REPO@sha256:...`` line crane printed last."""
    lines = output.strip().splitlines()
    digest = lines[-1].rpartition("@")[2] if lines else ""
    if not _DIGEST.fullmatch(digest):
        raise ImageError(argv, f"printed no image digest: {output.strip()!r}")
    return digest


# --- push and derive ----------------------------------------------------------------------


def push(
    local_ref: str, registry_host: str, repository: str, *, bin_dir: Path, tag: str | None = None
) -> str:
    """``buildah push`` LOCAL_REF to ``HOST/REPOSITORY:TAG`` (TAG: LOCAL_REF's own); the
    digest of the manifest the registry then serves under that tag."""
    tag = check_tag(tag or local_ref.rpartition(":")[2])
    target = f"{registry_host}/{repository}:{tag}"
    with tempfile.TemporaryDirectory(prefix="push-") as scratch:
        digest_file = Path(scratch) / "digest"
        argv = ["buildah", "push", "--quiet", "--tls-verify=false",
                "--digestfile", str(digest_file), local_ref, f"docker://{target}"]  # fmt: skip
        run(argv, timeout=900)
        pushed = digest_file.read_text().strip()
    served = digest_of(bin_dir, target)
    if served != pushed:
        raise ImageError(argv, f"pushed {pushed}, but {target} serves {served}")
    return served


def mutate_args(
    registry_host: str,
    repository: str,
    base_digest: str,
    version_label: str,
    env: Mapping[str, str],
) -> list[str]:
    """``crane mutate`` arguments (after ``crane``) for a variant of BASE_DIGEST: ENV set, the
    OCI version label VERSION_LABEL, tagged VERSION_LABEL in the same repository."""
    for name in env:
        if not _ENV_NAME.fullmatch(name):
            raise ValueError(f"not an environment variable name: {name!r}")
    args = ["mutate", by_digest(registry_host, repository, base_digest)]
    for name, value in env.items():
        args += ["--env", f"{name}={value}"]  # crane splits at the first '=' only
    args += ["--label", f"{VERSION_LABEL}={version_label}",
             "--tag", f"{registry_host}/{repository}:{check_tag(version_label)}"]  # fmt: skip
    return args


def derive(
    registry_host: str,
    repository: str,
    base_digest: str,
    version_label: str,
    env: Mapping[str, str],
    *,
    bin_dir: Path,
) -> str:
    """A variant of the pushed image BASE_DIGEST whose config differs only in ENV and the
    version label; pushed by crane as ``REPOSITORY:VERSION_LABEL``. Its digest.

    Only the new config and manifest travel; the layers are referenced, never copied.
    The same inputs give the same digest (the config keeps the base's timestamps)."""
    args = mutate_args(registry_host, repository, base_digest, version_label, env)
    argv = [str(bin_dir / "crane"), *args, "--insecure"]
    return _digest_in(run(argv), argv)


# --- the sandbox (pause) image ----------------------------------------------------------


def platform_of(machine: str | None = None) -> str:
    """``linux/<GOARCH>`` of this machine (or of MACHINE, as ``uname -m`` says it)."""
    name = machine or platform.machine()
    try:
        return f"linux/{_ARCH[name.lower()]}"
    except KeyError:
        raise ValueError(f"no OCI architecture known for machine {name!r}") from None


def single_file_layer(source: Path, name: str) -> bytes:
    """An uncompressed layer tar holding SOURCE as /NAME (root-owned, 0755, mtime 0):
    the same file always gives the same bytes, so the same image digest."""
    data = source.read_bytes()
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o755, 0
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def sandbox_image(bin_dir: Path, registry_host: str) -> str:
    """Push BIN_DIR/sandbox as a one-layer image ``HOST/gitops-platform/sandbox:<hash>``
    (entrypoint /sandbox, this machine's platform); its reference by digest."""
    binary = bin_dir / "sandbox"
    if not binary.is_file():
        raise ImageError([str(binary)], "missing: build the node binaries (tools/node/build.sh)")
    tag = hashlib.sha256(binary.read_bytes()).hexdigest()[:16]
    target = f"{registry_host}/{SANDBOX_REPOSITORY}:{tag}"
    with tempfile.TemporaryDirectory(prefix="sandbox-image-") as scratch:
        layer = Path(scratch) / "sandbox.tar"
        layer.write_bytes(single_file_layer(binary, "sandbox"))
        crane(bin_dir, "append", "--oci-empty-base", "--new_layer", str(layer),
              "--new_tag", target)  # fmt: skip
    args = ("mutate", target, "--entrypoint", "/sandbox", "--set-platform", platform_of(),
            "--tag", target)  # fmt: skip
    argv = [str(bin_dir / "crane"), *args, "--insecure"]
    digest = _digest_in(run(argv), argv)
    return by_digest(registry_host, SANDBOX_REPOSITORY, digest)
