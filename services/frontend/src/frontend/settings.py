"""Typed settings, read from ``FRONTEND_*`` environment variables.

The cluster connection is chosen in this order: in-cluster service account,
then ``FRONTEND_KUBECONFIG``, then none (the board says how to connect one).
The standard ``KUBECONFIG`` variable is deliberately ignored, so ``make run``
never points a board at whatever cluster a shell happens to be logged into.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["local", "dev", "staging", "prod"]
LogLevel = Literal["debug", "info", "warning", "error"]

# RFC 1123 label: what Kubernetes accepts as a namespace name.
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# Equality-based label selector: k=v[,k=v...] (what the pod probes need).
_SELECTOR = re.compile(r"^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*(,[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*)*$")


def _split(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class Settings(BaseSettings):
    """Every knob of the frontend. Add a field here and a row in the README table."""

    model_config = SettingsConfigDict(
        env_prefix="FRONTEND_",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    host: str = Field("127.0.0.1", description="Address to bind; containers set 0.0.0.0.")
    port: int = Field(8090, ge=1, le=65535, description="TCP port to listen on.")
    service_name: str = Field("frontend", min_length=1, max_length=63)
    environment: Environment = Field("local", description="Deployment environment name.")
    log_level: LogLevel = "info"
    version: str | None = Field(None, max_length=128)

    # Backend probes.
    backend_url: AnyHttpUrl = Field(
        AnyHttpUrl("http://127.0.0.1:8080"), description="Backend Service URL."
    )
    probe_interval_seconds: float = Field(5.0, gt=0, le=300)
    probe_timeout_seconds: float = Field(2.0, gt=0, le=60)
    probe_pods: bool = Field(False, description="Also probe each backend pod by its pod IP.")
    backend_pod_selector: str = Field("app.kubernetes.io/name=backend", max_length=512)
    backend_pod_port: int = Field(8080, ge=1, le=65535)

    # Kubernetes watch cache.
    kubeconfig: Path | None = Field(None, description="Kubeconfig used when not in-cluster.")
    namespaces: Annotated[tuple[str, ...], NoDecode] = ()
    gitops_namespaces: Annotated[tuple[str, ...], NoDecode] = ("argocd", "flux-system")
    watch_timeout_seconds: int = Field(300, ge=10, le=3600)
    resync_seconds: float = Field(600.0, ge=10, le=86400)
    backoff_max_seconds: float = Field(30.0, ge=0.1, le=600)
    crd_recheck_seconds: float = Field(300.0, ge=5, le=86400)
    events_max_age_seconds: int = Field(3600, ge=60, le=86400)

    # Live updates.
    batch_interval_ms: int = Field(250, ge=10, le=10_000)
    heartbeat_seconds: float = Field(15.0, gt=0, le=300)
    refresh_seconds: float = Field(
        30.0, ge=1, le=3600, description="Re-render ages at least this often."
    )

    shutdown_timeout_seconds: float = Field(5.0, gt=0, le=300)
    vendor_dir: Path | None = Field(
        None, description="npm node_modules with htmx; default: the checkout's."
    )

    @field_validator("namespaces", "gitops_namespaces", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        return _split(value)

    @field_validator("namespaces", "gitops_namespaces")
    @classmethod
    def _valid_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not _NAMESPACE.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid namespace name")
        return tuple(dict.fromkeys(value))

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
