"""Typed settings, read from ``FRONTEND_*`` environment variables.

The cluster connection is chosen in this order: in-cluster service account,
then ``FRONTEND_KUBECONFIG``, then none (the board says how to connect one).
The standard ``KUBECONFIG`` variable is deliberately ignored, so ``make run``
never points a board at whatever cluster a shell happens to be logged into.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AnyHttpUrl, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from frontend.cluster.kinds import ALL_NAMESPACES, NAMESPACE_PATTERN
from servicekit.settings import CommaList, Port, ServiceName, ServiceSettings, ShutdownTimeout

_NAMESPACE = re.compile(NAMESPACE_PATTERN)
# Equality-based label selector: k=v[,k=v...] (what the pod probes need).
_SELECTOR = re.compile(r"^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)*$")


class Settings(ServiceSettings):
    """Every knob of the frontend. Add a field here and a row in services/frontend/README.md.

    Host, environment, log level and version come from :class:`ServiceSettings`.
    """

    model_config = SettingsConfigDict(env_prefix="FRONTEND_")

    port: Port = 8090
    service_name: ServiceName = "frontend"
    shutdown_timeout_seconds: ShutdownTimeout = 5.0

    # Backend probes.
    backend_url: AnyHttpUrl = Field(
        AnyHttpUrl("http://127.0.0.1:8080"), description="Backend Service URL."
    )
    probe_interval_seconds: float = Field(
        5.0, gt=0, le=300, description="Probe period; it backs off while probes fail."
    )
    probe_timeout_seconds: float = Field(2.0, gt=0, le=60, description="Timeout of one probe.")
    probe_pods: bool = Field(False, description="Also probe each backend pod by its pod IP.")
    backend_pod_selector: str = Field(
        "app.kubernetes.io/name=backend", max_length=512, description="Which pods to probe."
    )
    backend_pod_port: Port = Field(8080, description="Port the backend pods listen on.")

    # Kubernetes watch cache.
    kubeconfig: Path | None = Field(None, description="Kubeconfig used when not in-cluster.")
    namespaces: CommaList[str] = Field(
        (),
        description="Watched namespaces; '*': all of them, one watch per kind (needs a "
        "ClusterRole); empty: the pod's, else the kubeconfig context's.",
    )
    gitops_namespaces: CommaList[str] = Field(
        ("argocd", "flux-system"), description="Where Argo CD and Flux objects are read."
    )
    watch_timeout_seconds: int = Field(
        300, ge=10, le=3600, description="Server-side watch timeout (plus jitter)."
    )
    resync_seconds: float = Field(600.0, ge=10, le=86400, description="Periodic re-list.")
    apiserver_check_seconds: float = Field(
        10.0, ge=1, le=300,
        description="How often GET /readyz?verbose checks the apiserver (a hung one, or one "
        "whose etcd is down, is stale within this plus the check's 5 s timeout; a watch "
        "alone would wait out its read timeout).",
    )  # fmt: skip
    backoff_max_seconds: float = Field(
        30.0, ge=0.1, le=600, description="Reconnect backoff cap (jittered)."
    )
    crd_recheck_seconds: float = Field(
        300.0, ge=5, le=86400, description="How often to look for the GitOps CRDs again."
    )

    # Live updates.
    batch_interval_ms: int = Field(
        250, ge=10, le=10_000, description="Changes are folded into one board update this often."
    )
    heartbeat_seconds: float = Field(15.0, gt=0, le=300, description="SSE heartbeat period.")
    refresh_seconds: float = Field(
        30.0, ge=1, le=3600, description="Re-render ages at least this often."
    )
    liveness_stall_seconds: float = Field(
        60.0, ge=1, le=3600,
        description="/healthz fails once the change feed or a board build has not moved "
        "for this long (so the kubelet restarts a frozen board); over 3 batch intervals.",
    )  # fmt: skip

    vendor_dir: Path | None = Field(
        None, description="npm node_modules with htmx; default: the checkout's."
    )

    # Delivery panel (DORA's four keys from the config repository's git history).
    # The path is not checked here: a git-sync sidecar may create it after start-up,
    # and until then the panel says what is wrong instead of the board refusing to start.
    delivery_repo: Path | None = Field(
        None,
        description="Git checkout of the config repository, for the delivery panel and the "
        "promotion steps' overlays; unset: no panel, and the steps diff the live workloads.",
    )
    delivery_source_repo: Path | None = Field(
        None,
        description="Git repository of the services' source, for lead time from each source "
        "commit; unset: the source commits are looked up in the config repository.",
    )
    delivery_since_days: int = Field(
        30, ge=1, le=365, description="The delivery panel's window, in days up to now."
    )
    delivery_refresh_seconds: float = Field(
        60.0, ge=5, le=3600, description="How often the delivery panel re-reads the history."
    )

    @field_validator("namespaces", "gitops_namespaces")
    @classmethod
    def _valid_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if value == (ALL_NAMESPACES,):
            return value  # cluster-wide: one watch per kind (needs the opt-in ClusterRole)
        for name in value:
            if not _NAMESPACE.fullmatch(name):
                hint = " ('*' alone watches every namespace)" if name == ALL_NAMESPACES else ""
                raise ValueError(f"{name!r} is not a valid namespace name{hint}")
        return tuple(dict.fromkeys(value))

    @model_validator(mode="after")
    def _stall_outlasts_batches(self) -> Settings:
        # The feed's loop goes round once per batch interval: a bound near it would
        # restart a board that is merely busy.
        if self.liveness_stall_seconds <= 3 * self.batch_interval_ms / 1000:
            raise ValueError(
                f"FRONTEND_LIVENESS_STALL_SECONDS={self.liveness_stall_seconds:g} must exceed "
                f"3 x FRONTEND_BATCH_INTERVAL_MS={self.batch_interval_ms}"
            )
        return self

    @field_validator("backend_pod_selector")
    @classmethod
    def _valid_selector(cls, value: str) -> str:
        if not _SELECTOR.fullmatch(value):
            raise ValueError("must be an equality label selector like app=backend,tier=api")
        return value

    @field_validator("kubeconfig")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("no such file")
        return value

    @property
    def backend_base(self) -> str:
        return str(self.backend_url).rstrip("/")
