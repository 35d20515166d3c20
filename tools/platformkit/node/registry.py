"""A loopback OCI registry: ``crane registry serve``, the node's image source.

containerd pulls the project's images from here (its hosts.toml maps ghcr.io to this
address), so the digests the overlays pin are real ones. crane's registry keeps blobs
on disk (``--disk``) and manifests in memory: a restarted registry over the same blob
directory has lost its tags and manifests. So what a restart must keep is kept beside
the blobs (``ManifestJournal``): each manifest read back after its push, put back byte
for byte, so with the same digest, into the registry started again.

The registry runs as a child in its own session, like the control-plane components:
PID recorded in ``registry.pid``, output in ``registry.log`` (one line per request),
both in ``state_dir``; stopped by that PID only, and only while it still runs crane.
It listens on ``127.0.0.1:0`` and reads the port the kernel chose from its log
("serving on port N"), so there is no window in which another process takes the port.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tools.platformkit import processes
from tools.platformkit.polling import wait_for

_SERVING = re.compile(rb"serving on port (\d+)")
LOG_NAME = "registry.log"
PID_NAME = "registry.pid"


class RegistryError(RuntimeError):
    """The registry could not start (the message holds the end of its log)."""


@dataclass
class Registry:
    """``crane registry serve`` on loopback. ``start()`` returns once ``GET /v2/`` answers 200."""

    bin_dir: Path  # holds crane (tools/platformkit/node/nodebins.py's bin_dir())
    state_dir: Path  # log, PID file and, unless BLOBS is given, the blob store
    blobs: Path | None = None  # a directory that outlives the run keeps later pushes cheap
    port: int = 0  # 0: the kernel picks one (read back from the log)
    pid: int = 0

    @property
    def crane(self) -> Path:
        return self.bin_dir / "crane"

    @property
    def blob_dir(self) -> Path:
        return self.blobs if self.blobs is not None else self.state_dir / "blobs"

    @property
    def log_path(self) -> Path:
        return self.state_dir / LOG_NAME

    @property
    def journal(self) -> ManifestJournal:
        return ManifestJournal(self.state_dir / JOURNAL_NAME)

    @property
    def pid_path(self) -> Path:
        return self.state_dir / PID_NAME

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: how image references name this registry."""
        if not self.port:
            raise RegistryError("the registry has not been started")
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def argv(self) -> list[str]:
        return [str(self.crane), "registry", "serve",
                "--address", f"127.0.0.1:{self.port}", "--disk", str(self.blob_dir)]  # fmt: skip

    def start(self, timeout: float = 30.0) -> Registry:
        if not os.access(self.crane, os.X_OK):
            raise RegistryError(
                f"{self.crane} is missing: build the node binaries (tools/node/build.sh)"
            )
        if self.alive():
            raise RegistryError(f"this registry already runs (pid {self.pid})")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.blob_dir.mkdir(parents=True, exist_ok=True)  # crane does not create it
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.pid = processes.spawn(self.argv(), self.log_path)
        self.pid_path.write_text(f"{self.pid}\n")
        running = self.alive
        try:
            self.port = wait_for("crane registry: 'serving on port'",
                                 lambda: self._port_in_log(offset), timeout, every=0.02,
                                 alive=running)  # fmt: skip
            wait_for(f"GET {self.url}/v2/ answering 200",
                     lambda: processes.http_get(self.port, "/v2/")[0] == 200, timeout,
                     every=0.02, alive=running, tolerate=processes.CONNECTION_ERRORS)  # fmt: skip
        except (TimeoutError, RuntimeError) as exc:
            code = processes.exit_code(self.pid)
            self.stop(timeout=2)
            tail = processes.log_tail(self.log_path, 15)
            raise RegistryError(
                f"{' '.join(self.argv())}: {exc} (exit status {code}); {self.log_path}:\n{tail}"
            ) from None
        return self

    def _port_in_log(self, offset: int) -> int | None:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            found = _SERVING.search(log.read())
        return int(found.group(1)) if found else None

    def recorded_pid(self) -> int:
        """The PID in ``registry.pid`` (0 when there is none): a registry another process
        started with this state dir, such as a killed run's."""
        try:
            return int(self.pid_path.read_text().strip() or 0)
        except (OSError, ValueError):
            return 0

    def alive(self) -> bool:
        return bool(self.pid) and processes.is_ours(self.pid, str(self.crane))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the registry by its PID (this object's, else the recorded one), only while
        that PID still runs crane; then forget the PID. Safe to call twice."""
        pid = self.pid or self.recorded_pid()
        if pid:
            processes.stop(pid, str(self.crane), timeout)
        self.pid = 0
        self.pid_path.unlink(missing_ok=True)


# --- What a restart must not lose: the manifests, kept beside the blobs -----------------

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
JOURNAL_NAME = "manifests"


@dataclass(frozen=True)
class ManifestJournal:
    """Manifests kept on disk, to be put back into a restarted registry byte for byte (so
    with the same digests): crane keeps them in memory, the blobs they name on disk.

    ``keep`` reads a manifest back from the registry after a push, an index's children
    first; ``replay`` puts every kept manifest again, in the order kept."""

    directory: Path
    transport: httpx.BaseTransport | None = None  # tests: httpx.MockTransport

    def _client(self, url: str) -> httpx.Client:
        return httpx.Client(base_url=url, timeout=10, transport=self.transport)

    def keep(self, url: str, repository: str, reference: str) -> list[str]:
        """Keep REPOSITORY's manifest REFERENCE (a digest or a tag) as URL serves it, and
        an index's manifests before it; the digests kept, children first."""
        with self._client(url) as client:
            return self._keep(client, repository, reference)

    def _keep(self, client: httpx.Client, repository: str, reference: str) -> list[str]:
        response = client.get(f"/v2/{repository}/manifests/{reference}",
                              headers={"Accept": ", ".join(MANIFEST_TYPES)})  # fmt: skip
        if response.status_code != 200:
            raise RegistryError(f"GET {repository} manifest {reference}: {response.status_code}")
        body = response.content
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        if reference.startswith("sha256:") and reference != digest:
            raise RegistryError(f"{repository}@{reference}: the registry served {digest}")
        kept: list[str] = []
        for child in json.loads(body).get("manifests") or []:
            kept += self._keep(client, repository, str(child["digest"]))
        media_type = response.headers.get("content-type", MANIFEST_TYPES[1])
        tag = None if reference.startswith("sha256:") else reference
        entry = {"repository": repository, "digest": digest, "media_type": media_type,
                 "tag": tag, "body": base64.b64encode(body).decode()}  # fmt: skip
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{digest.removeprefix('sha256:')[:16]}.json"
        (self.directory / name).write_text(json.dumps(entry))
        return [*kept, digest]

    def replay(self, url: str) -> int:
        """Put every kept manifest into the registry at URL (by digest, and by its tag if it
        was kept by one); how many."""
        entries = sorted(self.directory.glob("*.json")) if self.directory.is_dir() else []
        with self._client(url) as client:
            for path in entries:
                entry = json.loads(path.read_text())
                body = base64.b64decode(entry["body"])
                for reference in (entry["digest"], entry["tag"]):
                    if reference is None:
                        continue
                    response = client.put(
                        f"/v2/{entry['repository']}/manifests/{reference}", content=body,
                        headers={"Content-Type": entry["media_type"]},
                    )  # fmt: skip
                    if response.status_code != 201:
                        raise RegistryError(
                            f"PUT {entry['repository']} manifest {reference} from {path}: "
                            f"{response.status_code} {response.text[:200]}"
                        )
        return len(entries)
