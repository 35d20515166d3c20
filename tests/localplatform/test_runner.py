"""The pipeline runner journals what its builds pushed, so a restarted registry serves it
again: a real crane registry, an image pushed under the name ``pipeline build`` gives it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from delivery.pipeline import images as pipeline_images
from tools.localplatform import node, rundir
from tools.localplatform.runner import Runner
from tools.platformkit import images
from tools.platformkit.node import nodebins
from tools.platformkit.node.registry import MANIFEST_TYPES

pytestmark = [pytest.mark.realnode, pytest.mark.timeout(120)]


def test_a_build_s_images_come_back_after_a_registry_restart(tmp_path: Path) -> None:
    registry = node.registry_of(tmp_path).start()
    try:
        (tmp_path / "logs").mkdir()
        info = rundir.RuntimeInfo(os.getpid(), str(tmp_path), "c", "ns", registry=registry.url)
        runner = Runner(info)
        # What `pipeline build --registry <runner.registry>` pushes for the backend.
        target = pipeline_images.repository(runner.registry, "backend") + ":abc"
        bin_dir = nodebins.bin_dir()
        images.crane(bin_dir, "copy", images.sandbox_image(bin_dir, registry.host), target)
        digest = images.digest_of(bin_dir, target)
        runner.keep_manifests({"backend-digest": digest, "frontend-digest": ""})

        registry.stop()
        registry.start()
        repository = target.removeprefix(registry.host + "/").rpartition(":")[0]
        manifest = f"{registry.url}/v2/{repository}/manifests/{digest}"
        accept = {"Accept": ", ".join(MANIFEST_TYPES)}
        assert httpx.get(manifest, headers=accept, timeout=5).status_code == 404
        registry.journal.replay(registry.url)
        assert httpx.get(manifest, headers=accept, timeout=5).status_code == 200

        registry.stop()  # a registry that does not answer: logged, not raised
        runner.keep_manifests({"backend-digest": digest})
        logged = [json.loads(line) for line in runner.journal.read_text().splitlines()]
        assert logged[-1]["event"] == "manifest-not-kept"
        assert logged[-1]["digest"] == digest
    finally:
        registry.stop()
