"""The real node's host-local bridge: its address is the node IP, its /24 the pods' range.

The kubelet refuses a loopback node IP, and the apiserver reaches a kubelet (logs, exec)
at its node IP, so the node needs an address of its own that never leaves the machine: a
Linux bridge with a /24 that no route or address on the host uses yet (10.233.x.0/24,
beside the kwok pods' fake 10.244.0.0/16). The CNI bridge plugin
attaches the pods to the same bridge and hands out the rest of the /24 (host-local
IPAM, its state in the run directory), and the apiserver listens on the bridge address,
so pods reach it through the ``kubernetes`` Service and nothing listens on 0.0.0.0.
"""

from __future__ import annotations

import ipaddress
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tools.platformkit.cluster.components import SERVICE_CIDR

NAME = "gp-node0"  # one real node per machine, so one fixed name
CANDIDATES = [f"10.233.{n}.0/24" for n in range(256)]
CNI_NETWORK = "gitops-platform"


def in_use() -> list[ipaddress.IPv4Network]:
    """Every IPv4 prefix the host routes or has an address in, in any table."""
    out = ""
    for argv in (["ip", "-4", "route", "show", "table", "all"], ["ip", "-4", "-o", "addr", "show"]):
        out += subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    used: list[ipaddress.IPv4Network] = []
    for word in out.split():
        try:
            used.append(ipaddress.IPv4Network(word, strict=False))
        except ValueError:
            continue
    return used


def first_free(candidates: list[str], used: list[ipaddress.IPv4Network]) -> str:
    """The first of CANDIDATES that overlaps none of USED (default routes aside)."""
    for candidate in candidates:
        net = ipaddress.IPv4Network(candidate)
        if not any(net.overlaps(u) for u in used if u.prefixlen > 0):
            return candidate
    raise RuntimeError(f"no free range among {candidates[0]} .. {candidates[-1]}")


def free_subnet(candidates: list[str] = CANDIDATES) -> str:
    """The bridge's /24: the first candidate no route or address on this host uses."""
    return first_free(candidates, in_use())


def _ip(*args: str) -> None:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")


@dataclass
class Bridge:
    subnet: str
    name: str = NAME

    @property
    def address(self) -> str:
        """The node IP: the subnet's first address, also the pods' gateway."""
        return str(next(ipaddress.IPv4Network(self.subnet).hosts()))

    def up(self) -> Bridge:
        prefix = ipaddress.IPv4Network(self.subnet).prefixlen
        _ip("link", "add", self.name, "type", "bridge")
        _ip("addr", "add", f"{self.address}/{prefix}", "dev", self.name)
        _ip("link", "set", self.name, "up")
        return self

    def down(self) -> None:
        subprocess.run(["ip", "link", "del", self.name], capture_output=True, check=False)

    def cni_config(self, ipam_dir: Path) -> str:
        """The CNI network list containerd's CRI plugin reads (conf_dir)."""
        network = {
            "cniVersion": "1.0.0",
            "name": CNI_NETWORK,
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": self.name,
                    "isGateway": True,
                    # Pods only talk to the host, each other and Service IPs: no NAT out.
                    "ipMasq": False,
                    # A pod reaching itself through its Service comes back on its own port.
                    "hairpinMode": True,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": self.subnet, "gateway": self.address}]],
                        # Service IPs through the node, where kube-proxy's rules are; no
                        # default route: nothing beyond the machine is reachable anyway.
                        "routes": [{"dst": SERVICE_CIDR, "gw": self.address}],
                        "dataDir": str(ipam_dir),
                    },
                }
            ],
        }
        return json.dumps(network, indent=1)
