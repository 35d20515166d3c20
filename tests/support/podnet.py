"""A network namespace standing in for the pod network, so pod IPs are real addresses.

EndpointSlice validation rejects loopback addresses, so backend processes cannot
simply bind 127.x pod IPs and still sit behind a Service. Instead the whole pod
CIDR is made local inside a namespace this test run creates (a "test host"), and
a veth pair routes it from the root namespace. Traffic to pod IPs therefore never
leaves this machine: it goes to processes in our own namespace.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from dataclasses import dataclass

# The veth link between the root namespace and the pod namespace (RFC 2544 range).
_LINK = ipaddress.ip_network("198.18.0.0/30")


def _ip(*args: str, netns: str | None = None) -> None:
    argv = ["ip", *(["-n", netns] if netns else []), *args]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")


def missing_prerequisite() -> str | None:
    if shutil.which("ip") is None:
        return "the pod network needs iproute2 (apt-get install iproute2)"
    if os.geteuid() != 0:
        return "the pod network needs root (ip netns add)"
    return None


@dataclass
class PodNetwork:
    """``cidr`` becomes local inside namespace ``name``; the root namespace routes to it."""

    cidr: str = "10.244.0.0/16"
    name: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"gp-pods-{os.getpid()}"
        suffix = str(os.getpid() % 100000)
        self.host_if, self.pod_if = f"gph{suffix}", f"gpp{suffix}"

    def up(self) -> PodNetwork:
        hosts = list(_LINK.hosts())
        _ip("netns", "add", self.name)
        try:
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.pod_if)
            _ip("link", "set", self.pod_if, "netns", self.name)
            _ip("addr", "add", f"{hosts[0]}/{_LINK.prefixlen}", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            _ip("link", "set", "lo", "up", netns=self.name)
            # On a loopback device the whole prefix becomes local: any pod IP is bindable.
            _ip("addr", "add", self.cidr, "dev", "lo", netns=self.name)
            _ip("addr", "add", f"{hosts[1]}/{_LINK.prefixlen}", "dev", self.pod_if, netns=self.name)
            _ip("link", "set", self.pod_if, "up", netns=self.name)
            _ip("route", "add", self.cidr, "via", str(hosts[1]))
        except RuntimeError:
            self.down()
            raise
        return self

    def exec_prefix(self) -> list[str]:
        """Prefix for an argv that must run inside the pod network (``ip netns exec`` execs)."""
        return ["ip", "netns", "exec", self.name]

    def down(self) -> None:
        for argv in (["ip", "route", "del", self.cidr], ["ip", "link", "del", self.host_if]):
            subprocess.run(argv, capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
