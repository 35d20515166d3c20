"""The real node's pure parts, on tables: address ranges, configurations, the host view.

What the processes do with them is tests/platformkit/node/test_realnode.py's (root).
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest

from tools.platformkit.node import hoststate
from tools.platformkit.node.bridge import Bridge, first_free
from tools.platformkit.node.containerd import SOCKET_DIR, ContainerdConfig
from tools.platformkit.node.kubelet import NODE_LABEL, TAINT_KEY, KubeletConfig
from tools.platformkit.node.kubeproxy import KubeProxyConfig
from tools.platformkit.node.realnode import SOCKET_PATH_MAX, RealNode

CANDIDATES = ["10.233.0.0/24", "10.233.1.0/24", "10.233.2.0/24"]


def _nets(*cidrs: str) -> list[ipaddress.IPv4Network]:
    return [ipaddress.IPv4Network(c) for c in cidrs]


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        ([], "10.233.0.0/24"),
        (["0.0.0.0/0"], "10.233.0.0/24"),  # a default route overlaps everything: ignored
        (["10.233.0.1/32"], "10.233.1.0/24"),  # an address inside the first
        (["10.233.0.0/23"], "10.233.2.0/24"),  # a wider route over the first two
        (["10.0.0.0/8"], None),  # nothing free
    ],
)
def test_the_bridge_takes_the_first_range_nothing_on_the_host_uses(
    used: list[str], expected: str | None
) -> None:
    if expected is None:
        with pytest.raises(RuntimeError, match=r"no free range among 10\.233\.0\.0/24"):
            first_free(CANDIDATES, _nets(*used))
    else:
        assert first_free(CANDIDATES, _nets(*used)) == expected


def test_the_pods_route_service_ips_through_the_node_and_nothing_else(tmp_path: Path) -> None:
    bridge = Bridge("10.233.7.0/24")
    assert bridge.address == "10.233.7.1"
    (plugin,) = json.loads(bridge.cni_config(tmp_path / "ipam"))["plugins"]
    ipam = plugin["ipam"]
    assert plugin["bridge"] == bridge.name
    assert plugin["ipMasq"] is False
    assert ipam["ranges"] == [[{"subnet": "10.233.7.0/24", "gateway": "10.233.7.1"}]]
    assert ipam["routes"] == [{"dst": "10.96.0.0/16", "gw": "10.233.7.1"}]
    assert ipam["dataDir"] == str(tmp_path / "ipam")


def test_containerd_keeps_its_state_in_the_run_and_its_sockets_short(tmp_path: Path) -> None:
    config = ContainerdConfig(tmp_path / "c", "127.0.0.1:5000", "127.0.0.1:5000/s@sha256:1")
    toml = config.toml()
    assert f'root = "{tmp_path / "c" / "root"}"' in toml
    assert f'address = "{SOCKET_DIR / "containerd.sock"}"' in toml
    assert f'address = "{SOCKET_DIR / "containerd.sock.ttrpc"}"' in toml
    assert 'sandbox = "127.0.0.1:5000/s@sha256:1"' in toml
    assert len(str(config.socket)) + len(".ttrpc") <= SOCKET_PATH_MAX
    # ghcr.io, the overlays' registry, resolves to the loopback one over plain HTTP.
    assert config.hosts_toml().startswith('server = "http://127.0.0.1:5000"')


def test_the_kubelet_is_locked_down_and_tainted(tmp_path: Path) -> None:
    kubelet = KubeletConfig(tmp_path, "10.233.7.1", Path("/run/c.sock"), port=1, healthz_port=2)
    config = kubelet.config(tmp_path / "ca.crt")
    assert config["readOnlyPort"] == 0
    assert config["healthzBindAddress"] == "127.0.0.1"
    assert config["authentication"] == {
        "anonymous": {"enabled": False},
        "webhook": {"enabled": True},
        "x509": {"clientCAFile": str(tmp_path / "ca.crt")},
    }
    assert config["authorization"] == {"mode": "Webhook"}
    assert config["failCgroupV1"] is False  # this machine is cgroup v1; the kubelet refuses it
    assert config["registerWithTaints"] == [
        {"key": TAINT_KEY, "value": "true", "effect": "NoSchedule"}
    ]
    argv = kubelet.argv(Path("/bin"))
    assert f"--node-labels={NODE_LABEL}=real" in argv
    assert "--node-ip=10.233.7.1" in argv


def test_kube_proxy_routes_only_the_bridge_range_and_listens_on_loopback(tmp_path: Path) -> None:
    config = KubeProxyConfig(
        tmp_path, "n", "10.233.7.0/24", healthz_port=3, metrics_port=4
    ).config()
    assert config["mode"] == "iptables"
    assert config["clusterCIDR"] == "10.233.7.0/24"
    assert config["nodePortAddresses"] == ["10.233.7.0/24"]
    assert config["healthzBindAddress"] == "127.0.0.1:3"
    assert config["metricsBindAddress"] == "127.0.0.1:4"


def test_a_run_directory_too_long_for_the_kubelets_sockets_is_refused_by_name(
    tmp_path: Path,
) -> None:
    deep = tmp_path / ("d" * 80)
    with pytest.raises(ValueError, match="too long for the kubelet's Unix sockets"):
        RealNode(deep, Path("/bin"), home=tmp_path / "home").prepare()


def _view(**change: tuple[str, ...]) -> hoststate.HostView:
    fields = dict.fromkeys(hoststate.HostView.__dataclass_fields__, ())
    return hoststate.HostView(**(fields | change))  # type: ignore[arg-type]


def test_the_host_view_says_what_came_and_what_went() -> None:
    before = _view(links=("eth0", "veth1"), mounts=("/a",))
    after = _view(links=("eth0", "gp-node0"), mounts=("/a",))
    assert after.differences(before) == ["links: gone ['veth1'], new ['gp-node0']"]
    assert before.differences(before) == []


def test_the_ledger_survives_the_process_that_wrote_it(tmp_path: Path) -> None:
    ledger = hoststate.Ledger(tmp_path / "ledger.json", "/run/x", "gp-node0", "/run/s.sock")
    ledger.links = ["eth0"]
    ledger.started("kubelet", 42, "/bin/kubelet")
    loaded = hoststate.Ledger.load(tmp_path / "ledger.json")
    assert loaded == ledger
    assert hoststate.Ledger.load(tmp_path / "missing.json") is None
