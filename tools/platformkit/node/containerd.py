"""containerd 2 for the real node: its configuration, and where it keeps things.

Root, state, socket, runc's state, CNI config and IPAM state live in the run directory;
what containerd keeps at fixed paths regardless (shim sockets and FIFOs under
``/run/containerd``, the CNI result cache under ``/var/lib/cni``) is in the host ledger
(``hoststate``). Images are pulled over plain HTTP from the registry on loopback: each
registry name the manifests use (``ghcr.io`` for the overlays' images) is mapped to it in
``hosts.toml``, for the CRI image service and for the transfer service alike, so the
manifests keep their production image names and nothing is pulled from the internet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tools.platformkit import images

RUNC = "/usr/sbin/runc"
SOCKET_DIR = Path("/run/gitops-platform-node")  # one real node per machine
CNI_BIN = "/usr/lib/cni"
# Not built here (tags no_btrfs, no_devmapper, no_zfs) or not wanted on this node.
DISABLED = (
    "io.containerd.nri.v1.nri",
    "io.containerd.snapshotter.v1.blockfile",
    "io.containerd.snapshotter.v1.erofs",
    "io.containerd.tracing.processor.v1.otlp",
)


@dataclass(frozen=True)
class ContainerdConfig:
    directory: Path
    registry: str  # host:port of the loopback registry
    sandbox_image: str  # the pause image, by digest, from that registry
    mirrored: Sequence[str] = (images.REGISTRY,)  # registry names served from the loopback one

    @property
    def socket(self) -> Path:
        # A Unix socket path holds 107 bytes, and containerd adds ".ttrpc": the run
        # directory may be longer, so the sockets live at a short fixed place.
        return SOCKET_DIR / "containerd.sock"

    @property
    def path(self) -> Path:
        return self.directory / "config.toml"

    @property
    def cni_conf_dir(self) -> Path:
        return self.directory / "cni"

    @property
    def hosts_dir(self) -> Path:
        return self.directory / "certs.d"

    def hosts_toml(self) -> str:
        url = f"http://{self.registry}"
        return f'server = "{url}"\n\n[host."{url}"]\n  capabilities = ["pull", "resolve"]\n'

    def toml(self) -> str:
        d = self.directory
        disabled = ", ".join(f'"{p}"' for p in DISABLED)
        return f"""version = 3
root = "{d / "root"}"
state = "{d / "state"}"
disabled_plugins = [{disabled}]

[grpc]
  address = "{self.socket}"

[ttrpc]
  address = "{SOCKET_DIR / "containerd.sock.ttrpc"}"

[debug]
  level = "warn"

[plugins."io.containerd.internal.v1.opt"]
  path = "{d / "opt"}"

[plugins."io.containerd.cri.v1.images"]
  snapshotter = "overlayfs"
  [plugins."io.containerd.cri.v1.images".pinned_images]
    sandbox = "{self.sandbox_image}"
  [plugins."io.containerd.cri.v1.images".registry]
    config_path = "{self.hosts_dir}"

[plugins."io.containerd.cri.v1.runtime"]
  enable_selinux = false
  # Pods run without CAP_SYS_RESOURCE here: never lower a score the kernel refuses.
  restrict_oom_score_adj = true
  [plugins."io.containerd.cri.v1.runtime".containerd]
    default_runtime_name = "runc"
    [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
        BinaryName = "{RUNC}"
        Root = "{d / "runc"}"
        SystemdCgroup = false
  [plugins."io.containerd.cri.v1.runtime".cni]
    bin_dirs = ["{CNI_BIN}"]
    conf_dir = "{self.cni_conf_dir}"
    max_conf_num = 1

[plugins."io.containerd.grpc.v1.cri"]
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"

[plugins."io.containerd.transfer.v1.local"]
  config_path = "{self.hosts_dir}"
"""

    def write(self, cni_config: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket.parent.mkdir(mode=0o700, exist_ok=True)
        self.path.write_text(self.toml())
        self.cni_conf_dir.mkdir(exist_ok=True)
        (self.cni_conf_dir / "10-gitops-platform.conflist").write_text(cni_config)
        for name in (*self.mirrored, self.registry):
            host_dir = self.hosts_dir / name
            host_dir.mkdir(parents=True, exist_ok=True)
            (host_dir / "hosts.toml").write_text(self.hosts_toml())

    def argv(self, bin_dir: Path) -> list[str]:
        return [str(bin_dir / "containerd"), "--config", str(self.path)]
