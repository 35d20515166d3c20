"""The drill's pod network (tests.support.podnet), on ranges no other run on this host uses.

``PodNetwork`` routes its pod CIDR over a veth link with fixed addresses
(198.18.0.0/30), so two of them (``make run`` and a ``make test`` drill, say) would
fight over the same routes. This wrapper picks a pod CIDR and a link /30 that no route
or address on the host uses yet, and otherwise keeps PodNetwork's behaviour: ``down``,
``exec_prefix`` and the interface names are inherited unchanged.
"""

from __future__ import annotations

import ipaddress
import subprocess
from dataclasses import dataclass, field

from tests.support.podnet import PodNetwork

# Candidates, tried in order: pod CIDRs 10.245.0.0/16 .. 10.254.0.0/16, links in 198.18.1.0/24.
POD_CIDRS = [f"10.{n}.0.0/16" for n in range(245, 255)]
LINKS = [f"198.18.1.{4 * n}/30" for n in range(64)]


def _ip(*args: str, netns: str | None = None) -> None:
    argv = ["ip", *(["-n", netns] if netns else []), *args]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {result.stderr.strip()}")


def _in_use() -> list[ipaddress.IPv4Network]:
    """Every IPv4 prefix the host routes or has an address in, in any table."""
    out = subprocess.run(
        ["ip", "-4", "route", "show", "table", "all"], capture_output=True, text=True, check=False
    ).stdout
    out += subprocess.run(
        ["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=False
    ).stdout
    used: list[ipaddress.IPv4Network] = []
    for word in out.split():
        try:
            used.append(ipaddress.IPv4Network(word, strict=False))
        except ValueError:
            continue
    return used


def _free(candidates: list[str], used: list[ipaddress.IPv4Network]) -> str:
    for candidate in candidates:
        net = ipaddress.IPv4Network(candidate)
        if not any(net.overlaps(u) for u in used if u.prefixlen > 0):
            return candidate
    raise RuntimeError(f"no free range among {candidates[0]} .. {candidates[-1]}")


def free_ranges() -> tuple[str, str]:
    """(pod CIDR, link /30) that nothing on this host uses."""
    used = _in_use()
    return _free(POD_CIDRS, used), _free(LINKS, used)


@dataclass
class PlatformPodNetwork(PodNetwork):
    link: str = field(default="198.18.1.0/30")

    def up(self) -> PlatformPodNetwork:
        net = ipaddress.IPv4Network(self.link)
        host, pod = (str(a) for a in list(net.hosts())[:2])
        _ip("netns", "add", self.name)
        try:
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.pod_if)
            _ip("link", "set", self.pod_if, "netns", self.name)
            _ip("addr", "add", f"{host}/{net.prefixlen}", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            _ip("link", "set", "lo", "up", netns=self.name)
            # On a loopback device the whole prefix becomes local: any pod IP is bindable.
            _ip("addr", "add", self.cidr, "dev", "lo", netns=self.name)
            _ip("addr", "add", f"{pod}/{net.prefixlen}", "dev", self.pod_if, netns=self.name)
            _ip("link", "set", self.pod_if, "up", netns=self.name)
            _ip("route", "add", self.cidr, "via", pod)
        except RuntimeError:
            self.down()
            raise
        return self

    def exists(self) -> bool:
        names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False)
        return any(line.split()[0] == self.name for line in names.stdout.splitlines() if line)
