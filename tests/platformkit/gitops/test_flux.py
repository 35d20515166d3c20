"""Flux's controllers as the platform starts them: a start that lost a port to another
process starts again, and a failure is explained by what Flux itself says.

A second pair of controllers beside the session's, sharded by a label no object of
any other test carries, so it never touches their GitRepositories and Kustomizations.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.platformkit import processes
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.gitops import flux as flux_module
from tools.platformkit.gitops.flux import NAMESPACE, Flux
from tools.platformkit.kube import Kube
from tools.platformkit.polling import wait_for

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.flux,
    pytest.mark.usefixtures("flux"),
    pytest.mark.timeout(180),
]
SHARD = ("flux-start.gitops-platform.test/shard", "true")


@pytest.fixture
def sharded(control_plane: ControlPlane, kube: Kube, tmp_path: Path) -> Iterator[Flux]:
    """Controllers of the session's identities (the ``flux`` fixture installs them, by
    the module's marker), not yet started."""
    other = Flux(kube, control_plane.server, control_plane.pki.ca_crt, tmp_path,
                 watch_all_namespaces=False, watch_label_selector="=".join(SHARD))  # fmt: skip
    try:
        yield other.connect()
    finally:
        other.stop()


def test_a_start_whose_artifact_port_was_taken_starts_again_on_fresh_ports(
    sharded: Flux, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_free_port = processes.free_port
    with processes.occupied_port() as taken:
        # The first port picked is the artifact server's: someone else listens there.
        picks = iter([taken])
        monkeypatch.setattr(
            processes, "free_port", lambda host="127.0.0.1": next(picks, 0) or real_free_port(host)
        )
        sharded.start()

        assert sharded.timings["start_attempts"] == 2
        assert sharded.ports["storage"] != taken
    assert all(sharded.running(controller) for controller in flux_module.CONTROLLERS)
    first_attempt = sharded.log_tail("source-controller", 400)
    assert f"127.0.0.1:{taken}" in first_attempt
    assert flux_module.PORT_TAKEN in first_attempt
    # The artifact server that answers is this controller's: a file in its storage.
    (sharded.state / "storage" / "hello").write_text("mine")
    assert processes.http_get(sharded.ports["storage"], "/hello") == (200, "mine")


def test_a_controller_that_exits_for_another_reason_is_reported_at_once(sharded: Flux) -> None:
    # Not a port: a kubeconfig it cannot read. No second attempt, and the log says why.
    (sharded.state / "kubeconfig" / "source-controller").write_text("not: [a kubeconfig")
    with pytest.raises(RuntimeError, match="source-controller exited") as raised:
        sharded.start()
    assert flux_module.PORT_TAKEN not in str(raised.value)
    assert "start_attempts" not in sharded.timings
    assert not any(sharded.running(controller) for controller in flux_module.CONTROLLERS)


def test_flux_says_which_object_fails_and_why(sharded: Flux, kube: Kube) -> None:
    sharded.start()
    name = "flux-start-unreachable"
    kube.apply({
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": dict([SHARD])},
        # A loopback port nobody listens on: the fetch fails at once.
        "spec": {"url": f"http://127.0.0.1:{processes.free_port()}/nothing.git",
                 "interval": "1m", "ref": {"branch": "main"}},
    })  # fmt: skip
    try:

        def failing() -> str | None:
            text = sharded.account()
            return text if "GitOperationFailed" in text else None

        said = wait_for("Flux's account of the failing GitRepository", failing, 60, every=0.5)
        assert f"GitRepository/{name}: Ready=False GitOperationFailed: " in said
        assert "connection refused" in said
        assert "source-controller: " in said  # its log's error line, too
    finally:
        kube.run("delete", "gitrepository", name, "-n", NAMESPACE, "--wait=false", check=False)
