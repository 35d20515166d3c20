"""The backend "images" the local platform can deploy, and what each one bakes in.

There is no registry and no image build here: a version is a digest that the pod
runner maps to the environment the image would have baked in (build SHA, version,
build time), exactly as the drill does (tests/e2e/test_drill.py). Good versions get
ready; the bad one has a readiness dependency that never answers, so its pods start
but never become ready and the rollout exceeds its progress deadline.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from tools.platformkit.gitops.configrepo import ConfigRepo

IMAGE = "backend"  # the image name listed under the dev overlay's images:
BUILD_TIME = "2026-11-26T00:00:00Z"
# Inside the pod network's namespace nothing listens on 127.0.0.1, so this never answers.
NEVER_ANSWERS = "http://127.0.0.1:9/healthz"


@dataclass(frozen=True)
class Version:
    label: str
    good: bool = True

    @property
    def sha(self) -> str:
        """The (made-up) source commit this version was built from."""
        return hashlib.sha1(f"gitops-platform {self.label}".encode()).hexdigest()  # noqa: S324

    @property
    def digest(self) -> str:
        image = f"gitops-platform backend {self.label}"
        return "sha256:" + hashlib.sha256(image.encode()).hexdigest()

    def baked_env(self) -> dict[str, str]:
        env = {
            "BACKEND_GIT_SHA": self.sha,
            "BACKEND_VERSION": self.label,
            "BACKEND_BUILD_TIME": BUILD_TIME,
        }
        if not self.good:
            env |= {
                "BACKEND_READINESS_URLS": NEVER_ANSWERS,
                "BACKEND_READINESS_CHECK_INTERVAL_SECONDS": "0.5",
            }
        return env


SEED = Version("1.0.0")
GOOD = (SEED, Version("1.1.0"), Version("1.2.0"), Version("1.3.0"), Version("1.4.0"))
BAD = Version("2.0.0-broken", good=False)
ALL = (*GOOD, BAD)


def catalog() -> dict[str, dict[str, str]]:
    """Image digest -> the environment baked into that image (the pod runner's catalog)."""
    return {version.digest: version.baked_env() for version in ALL}


def by_digest(digest: str | None) -> Version | None:
    return next((v for v in ALL if v.digest == digest), None)


def next_good(history: list[str]) -> Version:
    """The good version after the newest good one in HISTORY (digests, newest first)."""
    for digest in history:
        version = by_digest(digest)
        if version is not None and version.good:
            return GOOD[(GOOD.index(version) + 1) % len(GOOD)]
    return GOOD[1]


def seed_config_repo(remote: Path, work: Path) -> ConfigRepo:
    """The config repository seeded from k8s/, with SEED promoted: the first thing Flux
    delivers already has a digest the pod runner knows, so /meta answers real values."""
    repo = ConfigRepo.seed(remote, work)
    repo.promote(SEED.digest, SEED.sha)
    return repo
