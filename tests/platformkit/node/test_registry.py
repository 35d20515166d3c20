"""The loopback registry (``crane registry serve``) loses its manifests when it restarts;
the manifest journal puts them back, byte for byte, so with the same digests.

Real crane, real pushes (``crane append``, ``crane index append``); no node is started.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tools.platformkit import images
from tools.platformkit.node import nodebins
from tools.platformkit.node.registry import MANIFEST_TYPES, Registry, RegistryError

pytestmark = [pytest.mark.realnode, pytest.mark.timeout(120)]


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    started = Registry(nodebins.bin_dir(), tmp_path / "registry").start()
    try:
        yield started
    finally:
        started.stop()


def served(registry: Registry, repository: str, reference: str) -> tuple[int, str]:
    response = httpx.get(f"{registry.url}/v2/{repository}/manifests/{reference}",
                         headers={"Accept": ", ".join(MANIFEST_TYPES)}, timeout=5)  # fmt: skip
    return response.status_code, response.headers.get("docker-content-digest", "")


def test_a_restarted_registry_serves_what_the_journal_kept_with_the_same_digests(
    registry: Registry,
) -> None:
    bin_dir = nodebins.bin_dir()
    image = images.sandbox_image(bin_dir, registry.host)  # HOST/REPO@sha256:...
    repository, _, digest = image.removeprefix(registry.host + "/").partition("@")
    index = f"{registry.host}/{repository}:both"
    images.crane(bin_dir, "index", "append", "--manifest", image, "--tag", index)
    index_digest = images.digest_of(bin_dir, index)

    kept = registry.journal.keep(registry.url, repository, "both")
    assert kept == [digest, index_digest]  # an index's manifests before the index

    registry.stop()
    registry.start()  # same port and blob directory, manifests gone
    assert served(registry, repository, digest)[0] == 404
    assert registry.journal.replay(registry.url) == 2
    assert served(registry, repository, digest) == (200, digest)
    assert served(registry, repository, index_digest) == (200, index_digest)
    assert served(registry, repository, "both") == (200, index_digest)  # its tag, too
    # And whole: the image's config and layer blobs are still on disk behind it.
    config = images.config_of(bin_dir, image)
    assert config["config"]["Entrypoint"] == ["/sandbox"]


def test_keeping_a_digest_the_registry_does_not_have_says_so(registry: Registry) -> None:
    missing = "sha256:" + "0" * 64
    with pytest.raises(RegistryError, match=f"GET nothing/here manifest {missing}: 404"):
        registry.journal.keep(registry.url, "nothing/here", missing)
    assert registry.journal.replay(registry.url) == 0  # nothing kept, nothing put back
