"""What a real node changes outside its run directory, written down before it changes it.

A kubelet with containerd cannot be kept inside one directory: the device-plugin socket,
the CNI cache, containerd's shim sockets and FIFOs, the pods' network namespaces, the
``kubepods`` cgroups, iptables chains and a few sysctls are the host's. So the node
records, in a ledger at a fixed path (one real node per machine), what the host looked
like before it started (which of those paths, namespaces, chains and cgroups existed,
each sysctl's value) and every process it starts, and ``clean`` puts the host back:
after a clean stop, and at the next start when a run was killed.

``clean`` removes only what the ledger says the node made (anything that existed before
is left alone) and ends only processes the ledger names, or that sit in the cgroups the
node created, or that serve the node's own containerd socket.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tools.platformkit import processes

CGROUP_ROOT = Path("/sys/fs/cgroup")
KUBEPODS = "kubepods"
NETNS_DIR = Path("/run/netns")
# Fixed paths the kubelet, containerd and the CNI plugins use whatever their root dirs say.
FIXED_PATHS = (
    "/var/lib/kubelet",
    "/var/lib/cni",
    "/run/containerd",
    "/run/gitops-platform-node",  # containerd's sockets (containerd.SOCKET_DIR)
    "/run/netns",
    "/var/run/netns",
)
# Sysctls the kubelet (protectKernelDefaults: false), kube-proxy and the bridge plugin
# may set; each is restored to the value it had before the node started.
SYSCTLS = (
    "net/ipv4/ip_forward",
    "net/ipv4/conf/all/route_localnet",
    "net/bridge/bridge-nf-call-iptables",
    "net/bridge/bridge-nf-call-ip6tables",
    "vm/overcommit_memory",
    "vm/panic_on_oom",
    "kernel/panic",
    "kernel/panic_on_oops",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
    "net/netfilter/nf_conntrack_max",
)
TABLES = ("filter", "nat", "mangle", "raw")
CHAIN_PREFIXES = ("KUBE-", "CNI-")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False)


def read_sysctl(name: str) -> str | None:
    try:
        return (Path("/proc/sys") / name).read_text().strip()
    except OSError:
        return None


def write_sysctl(name: str, value: str) -> None:
    with contextlib.suppress(OSError):
        (Path("/proc/sys") / name).write_text(value)


def netns_names() -> list[str]:
    try:
        return sorted(p.name for p in NETNS_DIR.iterdir())
    except OSError:
        return []


def links() -> list[str]:
    out = _run("ip", "-o", "link", "show").stdout
    return sorted(line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if line)


def chains(binary: str = "iptables") -> dict[str, list[str]]:
    """Table -> the chains (of the node's prefixes) it holds now."""
    found: dict[str, list[str]] = {}
    for table in TABLES:
        out = _run(f"{binary}-save", "-t", table).stdout
        names = [
            line[1:].split()[0]
            for line in out.splitlines()
            if line.startswith(":") and line[1:].startswith(CHAIN_PREFIXES)
        ]
        found[table] = sorted(names)
    return found


def cgroup_dirs() -> list[str]:
    """Every ``kubepods`` cgroup directory, in every controller hierarchy (v1) or the v2 root."""
    found = []
    if not CGROUP_ROOT.is_dir():
        return []
    for hierarchy in [CGROUP_ROOT, *CGROUP_ROOT.iterdir()]:
        for name in (KUBEPODS, f"{KUBEPODS}.slice"):
            path = hierarchy / name
            if path.is_dir():
                found.append(str(path))
    return sorted(found)


def mounts_under(prefixes: Iterable[str]) -> list[str]:
    """Mount points at or below any of PREFIXES, deepest first."""
    roots = [p.rstrip("/") for p in prefixes if p]
    found = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split()[4].replace("\\040", " ")
            if any(point == r or point.startswith(r + "/") for r in roots):
                found.append(point)
    return sorted(set(found), key=lambda p: (-p.count("/"), p))


@dataclass
class Ledger:
    """The host before the node, and what the node started; saved as JSON at ``path``."""

    path: Path
    run_dir: str = ""
    bridge: str = ""
    containerd_socket: str = ""
    existed: list[str] = field(default_factory=list)
    netns: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    chains: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    cgroups: list[str] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)
    pids: dict[str, list[int | str]] = field(default_factory=dict)  # name -> [pid, binary]

    @classmethod
    def before(cls, path: Path, run_dir: Path, bridge: str, containerd_socket: Path) -> Ledger:
        """Write down the host as it is now, before the node touches it."""
        ledger = cls(path, str(run_dir), bridge, str(containerd_socket))
        ledger.existed = [p for p in FIXED_PATHS if os.path.lexists(p)]
        ledger.netns = netns_names()
        ledger.links = links()
        ledger.chains = {b: chains(b) for b in ("iptables", "ip6tables")}
        ledger.cgroups = cgroup_dirs()
        ledger.sysctls = {n: v for n in SYSCTLS if (v := read_sysctl(n)) is not None}
        ledger.save()
        return ledger

    @classmethod
    def load(cls, path: Path) -> Ledger | None:
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return cls(path=path, **{k: v for k, v in data.items() if k != "path"})

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {k: v for k, v in asdict(self).items() if k != "path"}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self.path)

    def started(self, name: str, pid: int, binary: str) -> None:
        self.pids[name] = [pid, binary]
        self.save()


def _kill_all(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def cgroup_pids(cgroups: Iterable[str]) -> set[int]:
    """The processes in CGROUPS and every cgroup below them."""
    found: set[int] = set()
    for root in cgroups:
        for procs in Path(root).rglob("cgroup.procs"):
            with contextlib.suppress(OSError, ValueError):
                found |= {int(line) for line in procs.read_text().split()}
    return found


def shim_pids(socket: str) -> set[int]:
    """containerd shims serving this node's containerd (they outlive containerd itself)."""
    found: set[int] = set()
    if not socket:
        return found
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if argv and argv[0].endswith(b"containerd-shim-runc-v2") and socket.encode() in argv:
                found.add(int(proc.name))
    return found


def _wait_gone(pids: set[int], timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    while pids and time.monotonic() < deadline:
        pids = {p for p in pids if Path(f"/proc/{p}").exists() and not _zombie(p)}
        time.sleep(0.05)
    return pids


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return True


def _remove_cgroup(path: Path) -> None:
    children = sorted((p for p in path.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts))
    for child in [*children, path]:
        with contextlib.suppress(OSError):
            child.rmdir()


def _delete_chains(binary: str, before: dict[str, list[str]]) -> None:
    now = chains(binary)
    for table, names in now.items():
        new = [n for n in names if n not in before.get(table, [])]
        if not new:
            continue
        # Rules jumping to a new chain first (from any chain), then the chains themselves.
        rules = _run(f"{binary}-save", "-t", table).stdout.splitlines()
        for rule in rules:
            if rule.startswith("-A ") and any(f"-j {n}" in rule + " " for n in new):
                parts = rule.split()
                if parts[1] not in new:
                    _run(binary, "-t", table, "-D", *parts[1:])
        for name in new:
            _run(binary, "-t", table, "-F", name)
        for name in new:
            _run(binary, "-t", table, "-X", name)


def _end_processes(ledger: Ledger, new_cgroups: list[str], grace: float) -> list[str]:
    done = []
    # The node's own processes first (kubelet before containerd, so nothing restarts pods).
    for name in ("kube-proxy", "kubelet", "containerd", "registry"):
        entry = ledger.pids.get(name)
        if entry and processes.is_ours(int(entry[0]), str(entry[1])):
            processes.stop(int(entry[0]), str(entry[1]), grace)
            done.append(f"stopped {name} (pid {entry[0]})")
    # Then every container: SIGTERM, a grace, SIGKILL; then the shims.
    inside = cgroup_pids(new_cgroups)
    if inside:
        _kill_all(inside, signal.SIGTERM)
        left = _wait_gone(inside, grace)
        _kill_all(left, signal.SIGKILL)
        _wait_gone(left, 5)
        done.append(f"ended {len(inside)} container processes")
    shims = shim_pids(ledger.containerd_socket)
    if shims:
        _kill_all(shims, signal.SIGKILL)
        _wait_gone(shims, 5)
        done.append(f"ended {len(shims)} containerd shims")
    return done


def _restore_network(ledger: Ledger) -> list[str]:
    done = []
    for name in netns_names():
        if name not in ledger.netns:
            _run("ip", "netns", "del", name)
            done.append(f"removed network namespace {name}")
    if ledger.bridge and ledger.bridge in links():
        _run("ip", "link", "del", ledger.bridge)
        done.append(f"removed interface {ledger.bridge}")
    # A pod's host-side veth outlives its namespace's name while the kernel still holds
    # the namespace; deleting one end deletes the pair.
    for name in links():
        if name.startswith("veth") and name not in ledger.links:
            _run("ip", "link", "del", name)
            done.append(f"removed interface {name}")
    for binary, before in ledger.chains.items():
        _delete_chains(binary, before)
    return done


def _restore_kernel_and_files(ledger: Ledger, new_cgroups: list[str]) -> list[str]:
    done = []
    for path in new_cgroups:
        _remove_cgroup(Path(path))
    if new_cgroups:
        done.append(f"removed {len(new_cgroups)} kubepods cgroups")
    for name, value in ledger.sysctls.items():
        if read_sysctl(name) != value:
            write_sysctl(name, value)
            done.append(f"restored {name.replace('/', '.')} = {value}")
    for path in FIXED_PATHS:
        if path not in ledger.existed and os.path.lexists(path) and not os.path.islink(path):
            subprocess.run(["rm", "-rf", "--one-file-system", path], check=False)
            done.append(f"removed {path}")
    return done


def clean(ledger: Ledger, grace: float = 5.0) -> list[str]:
    """Put the host back as LEDGER found it; returns what it did, in words."""
    new_cgroups = [c for c in cgroup_dirs() if c not in ledger.cgroups]
    done = _end_processes(ledger, new_cgroups, grace)
    points = mounts_under([ledger.run_dir, "/var/lib/kubelet", "/run/containerd", str(NETNS_DIR)])
    for point in points:
        _run("umount", "-l", point)
    if points:
        done.append(f"unmounted {len(points)} mounts")
    done += _restore_network(ledger)
    done += _restore_kernel_and_files(ledger, new_cgroups)
    ledger.path.unlink(missing_ok=True)
    return done


@dataclass(frozen=True)
class HostView:
    """What a test compares before and after a node: everything ``clean`` must restore."""

    links: tuple[str, ...]
    netns: tuple[str, ...]
    chains: tuple[str, ...]
    cgroups: tuple[str, ...]
    sysctls: tuple[tuple[str, str | None], ...]
    paths: tuple[str, ...]
    mounts: tuple[str, ...]
    processes: tuple[str, ...]

    def differences(self, before: HostView) -> list[str]:
        """What changed from BEFORE to this view, by kind, in words (empty: nothing)."""
        out = []
        for name in HostView.__dataclass_fields__:
            now, then = set(getattr(self, name)), set(getattr(before, name))
            if now != then:
                out.append(f"{name}: gone {sorted(then - now)}, new {sorted(now - then)}")
        return out


NODE_BINARIES = ("kubelet", "kube-proxy", "containerd", "containerd-shim-runc-v2", "crane")


def _node_processes(bin_dir: str) -> Iterator[str]:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            with contextlib.suppress(OSError):
                exe = os.readlink(proc / "exe").removesuffix(" (deleted)")
                if os.path.basename(exe) in NODE_BINARIES and exe.startswith(bin_dir):
                    yield f"{proc.name} {exe}"


def view(run_dir: str = "", bin_dir: str = "/") -> HostView:
    """The host as far as a node changes it; BIN_DIR: count only that build's processes."""
    return HostView(
        links=tuple(links()),
        netns=tuple(netns_names()),
        chains=tuple(
            f"{b} {t} {c}"
            for b in ("iptables", "ip6tables")
            for t, cs in chains(b).items()
            for c in cs
        ),
        cgroups=tuple(cgroup_dirs()),
        sysctls=tuple((n, read_sysctl(n)) for n in SYSCTLS),
        paths=tuple(p for p in FIXED_PATHS if os.path.lexists(p)),
        mounts=tuple(mounts_under([run_dir, "/var/lib/kubelet", "/run/containerd", "/run/netns"])),
        processes=tuple(sorted(_node_processes(bin_dir))),
    )
