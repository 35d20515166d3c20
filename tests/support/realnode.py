"""pytest plugin: the real-node tier (marker ``realnode``).

A real node is a kubelet with containerd, runc, CNI and kube-proxy, beside a control
plane whose apiserver listens on the node's bridge, with the project's images pushed to
a registry on loopback. It needs root, the node's build (``tools/node/build.sh``) and
the image tier's buildah. Without them the marked tests are skipped with a loud banner;
with ``CI=true`` the run fails at collection instead. One real node per machine, so the
fixture is module-scoped: each module that uses it gets its own, stopped (and the host
put back) before the next module starts one.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pytest

from tools.platformkit import binaries, images
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.kube import Kube
from tools.platformkit.node import hoststate, nodebins
from tools.platformkit.node.realnode import RealNode
from tools.platformkit.node.registry import Registry

MARKER = "realnode"
_BUILD_ERROR = pytest.StashKey[str]()
_BUILT = pytest.StashKey[images.Build]()
_SKIP = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}: runs a real kubelet + containerd node (root)")


def _missing() -> list[str]:
    missing = nodebins.missing_prerequisites() + binaries.missing_prerequisites()
    missing += images.missing_prerequisites()
    return missing


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = [i for i in items if i.get_closest_marker(MARKER)]
    if not selected:
        return
    missing = _missing()
    if missing:
        what = "; ".join(missing)
        if os.environ.get("CI") == "true":
            raise pytest.UsageError(f"CI=true: the real-node tier cannot run, missing: {what}")
        config.stash[_SKIP] = f"real-node tier SKIPPED ({len(selected)} tests), missing: {what}"
        for item in selected:
            item.add_marker(pytest.mark.skip(reason=f"real-node tier: missing {what}"))
        return
    capman = config.pluginmanager.getplugin("capturemanager")
    try:
        with capman.global_and_fixture_disabled():
            sys.stderr.write("\n[real node] building or reusing kubelet, containerd, crane\n")
            nodebins.ensure_built()
            sys.stderr.write("[real node] building or reusing the service images (buildah)\n")
            config.stash[_BUILT] = images.ensure_built()
    except Exception as exc:
        config.stash[_BUILD_ERROR] = f"real-node tier: build failed: {exc}"


@dataclass
class NodeCluster:
    """A control plane on the node's bridge, the registry, the node, the images in it."""

    cp: ControlPlane
    node: RealNode
    registry: Registry
    kube: Kube
    digests: dict[str, str]  # service -> the digest pushed for it (ghcr.io name mirrored)
    before: hoststate.HostView

    def derive(self, label: str, env: Mapping[str, str]) -> str:
        """A backend variant of the pushed build (``images.derive``): its digest."""
        base, repository = self.digests["backend"], images.REPOSITORIES["backend"]
        host, bin_dir = self.registry.host, self.node.bin_dir
        return images.derive(host, repository, base, label, env, bin_dir=bin_dir)

    def image(self, service: str, digest: str | None = None) -> str:
        return f"{images.REGISTRY}/{images.REPOSITORIES[service]}@{digest or self.digests[service]}"


@pytest.fixture(scope="module")
def node_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NodeCluster]:
    if _BUILD_ERROR in request.config.stash:
        pytest.fail(request.config.stash[_BUILD_ERROR], pytrace=False)
    state = tmp_path_factory.mktemp("real-node")
    before = hoststate.view(str(state / "node"), str(nodebins.bin_dir()))
    node = RealNode(state / "node", nodebins.bin_dir())
    cp: ControlPlane | None = None
    registry: Registry | None = None
    try:
        bridge = node.prepare()
        cp = ControlPlane(f"pytest-node-{os.getpid()}", nodes=1, host=bridge.address).up()
        registry = Registry(nodebins.bin_dir(), state / "registry").start()
        node.record("registry", registry.pid, str(registry.crane))
        sandbox = images.sandbox_image(nodebins.bin_dir(), registry.host)
        digests = {
            service: images.push(
                ref, registry.host, images.REPOSITORIES[service], bin_dir=nodebins.bin_dir()
            )
            for service, ref in request.config.stash[_BUILT].refs.items()
        }
        node.start(cp, registry.host, sandbox)
        kube = Kube(str(binaries.find_kubectl()), cp.kubeconfig)
        yield NodeCluster(cp, node, registry, kube, digests, before)
    finally:
        node.stop()
        if registry is not None:
            registry.stop()
        if cp is not None:
            cp.down()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skip = terminalreporter.config.stash.get(_SKIP, None)
    if skip:
        terminalreporter.write_sep("!", "REAL-NODE TIER NOT RUN", red=True, bold=True)
        terminalreporter.write_line(skip, red=True, bold=True)
