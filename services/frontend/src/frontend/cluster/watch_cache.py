"""The watch cache: every stream of one process, behind one ``snapshot()`` for readers.

The workload kinds in every configured namespace, plus the optional GitOps kinds (Argo CD
Applications, Flux Kustomizations and GitRepositories) once discovery shows their CRDs
(checked again every few minutes), plus the cluster-scoped kinds (Nodes), once each.
The kinds are listed once, in ``frontend.cluster.kinds``.
A thread asks the apiserver's readiness (``frontend.cluster.apiserver``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from frontend.cluster.apiserver import ApiHealth, ApiState, check_apiserver
from frontend.cluster.kinds import (
    ALL_NAMESPACES,
    CLUSTER_KINDS,
    GITOPS_KINDS,
    WORKLOAD_KINDS,
    Kind,
)
from frontend.cluster.kube import KubeApi, load_config
from frontend.cluster.snapshot import ObjectsByKind, ObjectSnapshot
from frontend.cluster.watch import Stream
from frontend.settings import Settings

log = logging.getLogger(__name__)
# A healthy apiserver answers /readyz in milliseconds (its etcd check gives up after 2 s
# by default); longer is as good as hung.
API_CHECK_TIMEOUT_SECONDS = 5.0


class WatchCache:
    """Owns the streams; ``snapshot()`` is the only thing pages and the API read."""

    def __init__(self, settings: Settings, changed: Callable[[], None]) -> None:
        self.settings = settings
        self.changed = changed
        self.source = "none"
        self.server: str | None = None
        self.setup_error: str | None = None
        self.api_problem: str | None = None
        self.api_stale_since: datetime | None = None
        self.api_state: ApiState = "unknown"
        self.namespaces: tuple[str, ...] = settings.namespaces or ("default",)
        self._api: KubeApi | None = None
        self._streams: dict[tuple[str, str], Stream] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @property
    def configured(self) -> bool:
        return self._api is not None

    def start(self) -> None:
        try:
            cfg, self.source, default_ns = load_config(self.settings)
        except Exception as exc:  # a broken kubeconfig must not take the board down
            self.setup_error = f"cannot load the cluster configuration: {exc}"
            log.error("cluster configuration unusable", extra={"error": str(exc)})
            return
        self.namespaces = self.settings.namespaces or (default_ns,)
        if cfg is None:
            log.info("no cluster configured: set FRONTEND_KUBECONFIG or run in-cluster")
            return
        watched = len(self.namespaces) * len(WORKLOAD_KINDS)
        gitops = len(GITOPS_KINDS) * (len(self.namespaces) + len(self.settings.gitops_namespaces))
        if ALL_NAMESPACES in self.namespaces:
            gitops = len(GITOPS_KINDS)
        self._api = KubeApi(cfg, pool=watched + gitops + len(CLUSTER_KINDS) + 4)
        self.server = self._api.server
        for ns in self.namespaces:
            for kind in WORKLOAD_KINDS:
                self._add(self._api, kind, ns)
        # A cluster-scoped kind has one stream, not one per namespace; "*" keys it.
        for kind in CLUSTER_KINDS:
            self._add(self._api, kind, ALL_NAMESPACES)
        threading.Thread(
            target=self._discover, args=(self._api,), name="crd-discovery", daemon=True
        ).start()
        threading.Thread(
            target=self._check_apiserver, args=(self._api,), name="apiserver-check", daemon=True
        ).start()
        log.info(
            "watching",
            extra={"source": self.source, "server": self.server, "namespaces": self.namespaces},
        )

    def _add(self, api: KubeApi, kind: Kind, namespace: str) -> None:
        with self._lock:
            old = self._streams.get((kind.plural, namespace))
            if self._stop.is_set() or (old is not None and not old.gone):
                return
            stream = Stream(api, kind, namespace, self.settings, self.changed)
            self._streams[(kind.plural, namespace)] = stream
        stream.start()

    def _discover(self, api: KubeApi) -> None:
        """Start GitOps streams when their CRDs exist; look again every few minutes."""
        namespaces = tuple(dict.fromkeys((*self.settings.gitops_namespaces, *self.namespaces)))
        if ALL_NAMESPACES in namespaces:
            namespaces = (ALL_NAMESPACES,)  # one stream per kind covers every namespace
        while not self._stop.is_set():
            for kind in GITOPS_KINDS:
                try:
                    if api.serves(kind):
                        for ns in namespaces:
                            self._add(api, kind, ns)
                except Exception as exc:  # retried on the next round
                    log.info("CRD discovery failed", extra={"kind": kind.plural, "error": str(exc)})
            self._stop.wait(self.settings.crd_recheck_seconds)

    def _check_apiserver(self, api: KubeApi) -> None:
        """Ask the apiserver's readiness every few seconds, bounded: a stopped or hung
        apiserver, or one whose etcd is down, keeps its watch connections open and
        silent, which only their read timeout (minutes) would notice."""
        while not self._stop.wait(self.settings.apiserver_check_seconds):
            self._note(check_apiserver(
                lambda: api.readyz(API_CHECK_TIMEOUT_SECONDS),
                lambda: api.version(API_CHECK_TIMEOUT_SECONDS),
            ))  # fmt: skip

    def _note(self, health: ApiHealth) -> None:
        """Keep the check's verdict; the data is stale from the first failure on."""
        before = self.api_state
        self.api_state = health.state
        if health.problem is None:
            if self.api_stale_since is not None:
                self.api_stale_since = self.api_problem = None
                log.info("apiserver ready again")
                self.changed()
            return
        # The words change with the kind of failure, not with each attempt's details.
        if self.api_stale_since is None or health.state != before:
            if self.api_stale_since is None:
                self.api_stale_since = datetime.now(UTC)
            self.api_problem = health.problem
            log.warning("apiserver check failed", extra={"error": health.problem})
            self.changed()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            streams = list(self._streams.values())
        for stream in streams:
            stream.stop()
        if self._api is not None:
            self._api.close()

    def snapshot(self) -> ObjectSnapshot:
        with self._lock:
            streams = [s for s in self._streams.values() if not s.gone]
        # One view per stream, read once: the objects and the journals agree.
        journals = tuple(stream.journal.view for stream in streams)
        # Optional kinds' streams count once synced: a 403 on them must not block readiness.
        statuses = tuple(s.status() for s in streams if not s.kind.optional or s.synced)
        return ObjectSnapshot(
            configured=self.configured,
            source=self.source,
            server=self.server,
            namespaces=self.namespaces,
            objects=ObjectsByKind(journals),
            streams=statuses,
            setup_error=self.setup_error,
            api_problem=self.api_problem,
            api_stale_since=self.api_stale_since,
            api_state=self.api_state,
            journals=journals,
        )
