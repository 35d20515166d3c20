"""The backend versions the local platform deploys: real images in the loopback registry.

A ``Version`` describes one: 1.0.0 (the seed) to 1.4.0 are good, 2.0.0-broken is
``bad`` (it starts, but its readiness dependency never answers, so its pods never get
Ready and the rollout exceeds its progress deadline), and 2.1.0-crash (for tests) exits
at start, so its pods go CrashLoopBackOff.

``publish`` makes them real at run start: the built backend image is pushed to the
loopback registry once, and every version is derived from it with ``crane mutate``:
the same layers, a config whose environment says which version it is
(``BACKEND_VERSION``, ``BACKEND_GIT_SHA``) and, for the broken ones, what breaks them
(``tools.platformkit.images.VARIANTS``). Each has a digest of its own that the registry
serves; the result, ``Releases``, is saved in the run's state dir (``releases.json``)
so ``make promote-good`` and the other commands, separate processes, find the digests.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

from tools.platformkit import images
from tools.platformkit.gitops.configrepo import ConfigRepo, PipelineError
from tools.platformkit.processes import run_pipeline

IMAGE = "backend"  # the image name listed under the dev overlay's images:
REPOSITORY = images.REPOSITORIES[IMAGE]
NEVER_ANSWERS = images.NEVER_ANSWERS
RELEASES_FILE = "releases.json"
BASE_TAG = "build"  # the tag the pushed build itself gets, beside one tag per version

Kind = Literal["good", "bad", "crash"]
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class Version:
    """A backend version: its label and kind. ``good=False`` alone means ``kind="bad"``."""

    label: str
    good: bool = True
    kind: Kind = "good"

    def __post_init__(self) -> None:
        if self.kind not in get_args(Kind):
            raise ValueError(f"{self.label}: unknown kind {self.kind!r}")
        if not self.good and self.kind == "good":
            object.__setattr__(self, "kind", "bad")
        if self.good != (self.kind == "good"):
            raise ValueError(f"{self.label}: good={self.good} contradicts kind={self.kind!r}")
        images.check_tag(self.label)  # it becomes the image's tag

    @property
    def sha(self) -> str:
        """The (made-up, stable) source commit this version was built from."""
        return hashlib.sha1(f"gitops-platform {self.label}".encode()).hexdigest()  # noqa: S324

    def env(self) -> dict[str, str]:
        """What this version's image sets on top of the build's environment."""
        return {"BACKEND_GIT_SHA": self.sha, "BACKEND_VERSION": self.label,
                **images.VARIANTS[self.kind]}  # fmt: skip


SEED = Version("1.0.0")
GOOD = (SEED, Version("1.1.0"), Version("1.2.0"), Version("1.3.0"), Version("1.4.0"))
BAD = Version("2.0.0-broken", good=False)
CRASH = Version("2.1.0-crash", good=False, kind="crash")
ALL = (*GOOD, BAD, CRASH)


@dataclass(frozen=True)
class Release:
    """A version as the registry holds it: its digest and its loopback reference."""

    version: Version
    digest: str
    ref: str  # 127.0.0.1:PORT/example-org/gitops-platform-backend@sha256:...

    @property
    def label(self) -> str:
        return self.version.label

    @property
    def good(self) -> bool:
        return self.version.good

    @property
    def kind(self) -> Kind:
        return self.version.kind

    @property
    def sha(self) -> str:
        return self.version.sha


@dataclass(frozen=True)
class Releases:
    """Every version's real digest, for one run's registry (``publish`` makes it)."""

    registry_host: str
    repository: str
    base_digest: str  # the build as pushed; each version is derived from it
    build_time: str  # BACKEND_BUILD_TIME the build baked in
    revision: str  # the commit the images were built from ("" if unknown)
    releases: tuple[Release, ...]
    frontend_digest: str | None = None  # the frontend build, pushed beside it
    build_version: str = ""  # BACKEND_VERSION the build baked in (git describe)

    def release(self, version: Version) -> Release:
        found = next((r for r in self.releases if r.version == version), None)
        if found is None:
            raise KeyError(f"{version.label} was not published")
        return found

    @property
    def seed(self) -> Release:
        return self.release(SEED)

    @property
    def build(self) -> Release:
        """The build itself, as pushed: what a run delivers first when it knows its commit."""
        label = self.build_version or BASE_TAG
        ref = images.by_digest(self.registry_host, self.repository, self.base_digest)
        return Release(Version(label), self.base_digest, ref)

    @property
    def bad(self) -> Release:
        return self.release(BAD)

    @property
    def crash(self) -> Release:
        return self.release(CRASH)

    @property
    def good(self) -> tuple[Release, ...]:
        return tuple(r for r in self.releases if r.good)

    def by_digest(self, digest: str | None) -> Release | None:
        return next((r for r in self.releases if r.digest == digest), None)

    def next_good(self, history: Sequence[str]) -> Release:
        """The good release after the newest good one in HISTORY (digests, newest first);
        the one after the seed when none is known."""
        good = self.good
        for digest in history:
            release = self.by_digest(digest)
            if release is not None and release.good:
                return good[(good.index(release) + 1) % len(good)]
        return good[1 % len(good)]

    # ---- the run's state dir: how other processes find the digests -------------------------
    def save(self, state_dir: Path) -> Path:
        path = state_dir / RELEASES_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n")
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, state_dir: Path) -> Releases:
        """FileNotFoundError when that run published no images."""
        return cls.from_json(json.loads((state_dir / RELEASES_FILE).read_text()))

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["releases"] = [
            {"label": r.label, "good": r.good, "kind": r.kind, "digest": r.digest, "ref": r.ref}
            for r in self.releases
        ]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Releases:
        releases = tuple(_release(r) for r in data["releases"])
        fields = {f.name for f in dataclasses.fields(cls)} - {"releases"}
        return cls(**{k: data[k] for k in fields if k in data}, releases=releases)


def _release(data: Mapping[str, Any]) -> Release:
    version = Version(str(data["label"]), bool(data["good"]), cast(Kind, data["kind"]))
    return Release(version, images.check_digest(str(data["digest"])), str(data["ref"]))


def publish(
    bin_dir: Path,
    registry_host: str,
    local_refs: Mapping[str, str] | None = None,
    versions: Sequence[Version] = ALL,
) -> Releases:
    """Push the built backend (and frontend, when LOCAL_REFS names one) to the registry at
    REGISTRY_HOST, then derive VERSIONS from the backend: ``Releases`` with real digests.

    LOCAL_REFS: service -> image in buildah's storage (default: build.sh's backend tag;
    ``images.ensure_built`` makes it)."""
    refs = dict(local_refs) if local_refs is not None else {IMAGE: images.local_ref(IMAGE)}
    base = images.push(refs[IMAGE], registry_host, REPOSITORY, bin_dir=bin_dir, tag=BASE_TAG)
    config = images.config_of(bin_dir, images.by_digest(registry_host, REPOSITORY, base))
    revision = images.labels_of(config).get(images.REVISION_LABEL, "")
    releases = []
    for version in versions:
        digest = images.derive(registry_host, REPOSITORY, base, version.label, version.env(),
                               bin_dir=bin_dir)  # fmt: skip
        ref = images.by_digest(registry_host, REPOSITORY, digest)
        releases.append(Release(version, digest, ref))
    frontend = None
    if "frontend" in refs:
        frontend = images.push(refs["frontend"], registry_host, images.REPOSITORIES["frontend"],
                               bin_dir=bin_dir, tag=BASE_TAG)  # fmt: skip
    return Releases(
        registry_host, REPOSITORY, base,
        build_time=images.env_of(config).get("BACKEND_BUILD_TIME", ""),
        build_version=images.env_of(config).get("BACKEND_VERSION", ""),
        revision=revision if _SHA.fullmatch(revision) else "",
        releases=tuple(releases), frontend_digest=frontend,
    )  # fmt: skip


def seed_config_repo(
    remote: Path,
    work: Path,
    releases: Releases | None = None,
    environments: Sequence[str] = ("dev",),
) -> ConfigRepo:
    """The config repository seeded from k8s/. With RELEASES, each of ENVIRONMENTS then pins
    real images, as the pipeline would, so the first thing Flux delivers can be pulled:
    the build itself (backend and frontend, from the checkout's commit) when the build
    knows its commit, else dev's backend at SEED (and the frontend build, if published).
    Without, dev keeps k8s/'s digests (nothing pulls them: kwok's pods are fakes)."""
    repo = ConfigRepo.seed(remote, work)
    if releases is None:
        return repo
    if releases.revision and releases.frontend_digest:
        for env in environments:
            result = run_pipeline(
                "promote", "--repo", str(work), "--env", env, "--source-sha", releases.revision,
                "--image", f"backend={releases.base_digest}",
                "--image", f"frontend={releases.frontend_digest}",
            )  # fmt: skip
            if result.returncode != 0:
                raise PipelineError(result.stderr.strip())
        repo.push()
        return repo
    if releases.frontend_digest:
        frontend = dataclasses.replace(repo, image="frontend")
        frontend.promote(releases.frontend_digest, releases.revision or SEED.sha)
    repo.promote(releases.seed.digest, SEED.sha)
    return repo
