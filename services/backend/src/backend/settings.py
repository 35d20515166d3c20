"""Typed settings, read from ``BACKEND_*`` environment variables.

Build-time values (version, SHA, build time) are baked into the image's
environment; deploy-time values (environment, image, pod identity) come from the
manifests and the Downward API. Unknown values stay ``None``: ``/meta`` never
invents them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Environment = Literal["local", "dev", "staging", "prod"]
LogLevel = Literal["debug", "info", "warning", "error"]

_SHA = re.compile(r"^[0-9a-f]{40}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class Settings(BaseSettings):
    """Every knob of the backend. Add a field here and a row in the README table."""

    model_config = SettingsConfigDict(
        env_prefix="BACKEND_",
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    host: str = Field("127.0.0.1", description="Address to bind; containers set 0.0.0.0.")
    port: int = Field(8080, ge=1, le=65535, description="TCP port to listen on.")
    service_name: str = Field("backend", min_length=1, max_length=63)
    environment: Environment = Field("local", description="Deployment environment name.")
    log_level: LogLevel = "info"

    # Build-time identity, baked into the image by Dockerfile build args.
    version: str | None = Field(None, max_length=128)
    git_sha: str | None = Field(None, description="Full 40-character git commit SHA.")
    build_time: datetime | None = None

    # Deploy-time identity, set by the manifests.
    image_ref: str | None = Field(None, max_length=512)
    image_digest: str | None = Field(None, description="sha256:<64 hex> of the running image.")

    # Downward API.
    pod_name: str | None = Field(None, max_length=253)
    pod_namespace: str | None = Field(None, max_length=63)
    node_name: str | None = Field(None, max_length=253)
    pod_ip: str | None = Field(None, max_length=45)

    # Lifecycle. The drain delay covers endpoint propagation after SIGTERM;
    # the shutdown timeout bounds in-flight requests once listening stops.
    drain_delay_seconds: float = Field(5.0, ge=0, le=300)
    shutdown_timeout_seconds: float = Field(10.0, gt=0, le=300)
    startup_delay_seconds: float = Field(0.0, ge=0, le=300)

    # Readiness dependencies: each URL must answer 2xx for /readyz to pass.
    readiness_urls: Annotated[tuple[AnyHttpUrl, ...], NoDecode] = ()
    readiness_check_interval_seconds: float = Field(5.0, gt=0, le=300)
    readiness_check_timeout_seconds: float = Field(2.0, gt=0, le=60)

    max_request_bytes: int = Field(65536, ge=1024, le=16 * 1024 * 1024)

    # Fault drills are off unless enabled, and then need a bearer token.
    faults_enabled: bool = False
    faults_token: SecretStr | None = None

    @field_validator("git_sha")
    @classmethod
    def _full_sha(cls, value: str | None) -> str | None:
        if value is not None and not _SHA.fullmatch(value):
            raise ValueError("must be a full 40-character lowercase hex git commit SHA")
        return value

    @field_validator("image_digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is not None and not _DIGEST.fullmatch(value):
            raise ValueError("must look like sha256:<64 lowercase hex>")
        return value

    @field_validator("readiness_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _faults_need_token(self) -> Settings:
        if self.faults_enabled and (
            self.faults_token is None or len(self.faults_token.get_secret_value()) < 16
        ):
            raise ValueError(
                "BACKEND_FAULTS_TOKEN must be set (at least 16 characters) "
                "when BACKEND_FAULTS_ENABLED is true"
            )
        return self
