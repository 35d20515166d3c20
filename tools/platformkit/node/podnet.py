"""A network namespace standing in for the pod network, so pod IPs are real addresses.

EndpointSlice validation rejects loopback addresses, so backend processes cannot
simply bind 127.x pod IPs and still sit behind a Service. Instead the whole pod
CIDR is made local inside a namespace this test run creates (a "test host"), and
a veth pair routes it from the root namespace. Traffic to pod IPs therefore never
leaves this machine: it goes to processes in our own namespace.

The defaults (pod CIDR 10.244.0.0/16, the control plane's default, and the veth link
198.18.0.0/30) are the drill's. Two pod networks on one host (``make run`` beside a
drill, or two drills) must not share either: ``free_cidr`` and ``free_link`` pick the
first candidate no route or address on the host uses yet. ``make run`` takes
``free_ranges()`` (10.245-10.254.0.0/16, /30s in 198.18.1.0/24); the drill keeps the
defaults unless they are taken (``DRILL_CIDRS``, ``DRILL_LINKS``). Choosing is not
atomic: two networks that start at the same instant could still pick the same ranges.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from dataclasses import dataclass

DEFAULT_CIDR = "10.244.0.0/16"
DEFAULT_LINK = "198.18.0.0/30"  # the veth link between the two namespaces (RFC 2544 range)
# free_ranges()'s candidates, tried in order; the defaults above are not among them.
POD_CIDRS = [f"10.{n}.0.0/16" for n in range(245, 255)]
LINKS = [f"198.18.1.{4 * n}/30" for n in range(64)]
# The drill's: the defaults first.
DRILL_CIDRS = [DEFAULT_CIDR, *POD_CIDRS]
DRILL_LINKS = [DEFAULT_LINK, *LINKS]


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


def _in_use() -> list[ipaddress.IPv4Network]:
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


def _free(candidates: list[str], used: list[ipaddress.IPv4Network]) -> str:
    for candidate in candidates:
        net = ipaddress.IPv4Network(candidate)
        if not any(net.overlaps(u) for u in used if u.prefixlen > 0):
            return candidate
    raise RuntimeError(f"no free range among {candidates[0]} .. {candidates[-1]}")


def free_cidr(candidates: list[str] = POD_CIDRS) -> str:
    """The first pod CIDR among CANDIDATES that no route or address on this host uses."""
    return _free(candidates, _in_use())


def free_link(candidates: list[str] = LINKS) -> str:
    """The first veth link /30 among CANDIDATES that nothing on this host uses."""
    return _free(candidates, _in_use())


def free_ranges() -> tuple[str, str]:
    """(pod CIDR, link /30) for a pod network beside the drill's: ``make run``'s."""
    return free_cidr(), free_link()


@dataclass
class PodNetwork:
    """``cidr`` becomes local inside namespace ``name``; the root namespace routes to it.

    ``link`` is the veth pair's /30: its first address is ``host_if``'s (root
    namespace), its second ``pod_if``'s, the pod namespace's side the route goes via.
    Names left empty come from this process's PID.
    """

    cidr: str = DEFAULT_CIDR
    name: str = ""
    link: str = DEFAULT_LINK
    host_if: str = ""
    pod_if: str = ""

    def __post_init__(self) -> None:
        self.name = self.name or f"gp-pods-{os.getpid()}"
        suffix = str(os.getpid() % 100000)
        self.host_if = self.host_if or f"gph{suffix}"
        self.pod_if = self.pod_if or f"gpp{suffix}"

    def up(self) -> PodNetwork:
        link = ipaddress.IPv4Network(self.link)
        host, pod = (str(address) for address in list(link.hosts())[:2])
        _ip("netns", "add", self.name)
        try:
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.pod_if)
            _ip("link", "set", self.pod_if, "netns", self.name)
            _ip("addr", "add", f"{host}/{link.prefixlen}", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            _ip("link", "set", "lo", "up", netns=self.name)
            # On a loopback device the whole prefix becomes local: any pod IP is bindable.
            _ip("addr", "add", self.cidr, "dev", "lo", netns=self.name)
            _ip("addr", "add", f"{pod}/{link.prefixlen}", "dev", self.pod_if, netns=self.name)
            _ip("link", "set", self.pod_if, "up", netns=self.name)
            _ip("route", "add", self.cidr, "via", pod)
        except RuntimeError:
            self.down()
            raise
        return self

    def exec_prefix(self) -> list[str]:
        """Prefix for an argv that must run inside the pod network (``ip netns exec`` execs)."""
        return ["ip", "netns", "exec", self.name]

    def down(self) -> None:
        # "dev": only our own route, never another pod network's route to the same CIDR.
        for argv in (
            ["ip", "route", "del", self.cidr, "dev", self.host_if],
            ["ip", "link", "del", self.host_if],
        ):
            subprocess.run(argv, capture_output=True, check=False)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
