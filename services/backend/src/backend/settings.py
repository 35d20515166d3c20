"""Typed settings, read from ``BACKEND_*`` environment variables.

Build-time values (version, SHA, build time) are baked into the image's
environment; deploy-time values (environment, image, pod identity) come from the
manifests and the Downward API. Unknown values stay ``None``: ``/meta`` never
invents them.
"""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import (
    AnyHttpUrl,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import SettingsConfigDict

from servicekit.settings import CommaList, Port, ServiceName, ServiceSettings, ShutdownTimeout

_SHA = re.compile(r"^[0-9a-f]{40}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class Settings(ServiceSettings):
    """Every knob of the backend. Add a field here and a row in services/backend/README.md.

    Host, environment, log level and version come from :class:`ServiceSettings`.
    """

    model_config = SettingsConfigDict(env_prefix="BACKEND_")

    port: Port = 8080
    service_name: ServiceName = "backend"

    # Build-time identity, baked into the image by Dockerfile build args.
    git_sha: str | None = Field(None, description="Full 40-character git commit SHA.")
    build_time: datetime | None = Field(None, description="When the image was built.")

    # Deploy-time identity, set by the manifests.
    image_ref: str | None = Field(None, max_length=512, description="Image reference, as deployed.")
    image_digest: str | None = Field(None, description="sha256:<64 hex> of the running image.")

    # Downward API.
    pod_name: str | None = Field(None, max_length=253, description="Pod name (Downward API).")
    pod_namespace: str | None = Field(None, max_length=63, description="Pod namespace.")
    node_name: str | None = Field(None, max_length=253, description="Node the pod runs on.")
    pod_ip: str | None = Field(None, max_length=45, description="Pod IP address.")

    # Lifecycle. The drain delay covers endpoint propagation after SIGTERM;
    # the shutdown timeout bounds in-flight requests once listening stops.
    drain_delay_seconds: float = Field(
        5.0, ge=0, le=300, description="Keep serving after SIGTERM while endpoints propagate."
    )
    shutdown_timeout_seconds: ShutdownTimeout = 10.0
    startup_delay_seconds: float = Field(
        0.0, ge=0, le=300, description="Simulated start-up work before readiness."
    )

    # Readiness dependencies, checked in the background so /readyz answers from memory.
    readiness_urls: CommaList[AnyHttpUrl] = Field(
        (), description="http(s) URLs that must answer 2xx for /readyz to pass."
    )
    readiness_check_interval_seconds: float = Field(
        5.0, gt=0, le=300, description="How often dependencies are checked."
    )
    readiness_check_timeout_seconds: float = Field(
        2.0, gt=0, le=60, description="Timeout of one dependency check."
    )

    max_request_bytes: int = Field(
        65536, ge=1024, le=16 * 1024 * 1024, description="Larger request bodies get 413."
    )

    # Fault drills are off unless enabled, and then need a bearer token.
    docs_enabled: bool = Field(
        False, description="Serve Swagger UI at /docs (it loads from a CDN); /openapi.json always."
    )
    faults_enabled: bool = Field(False, description="Mount the /faults drill endpoints.")
    faults_token: SecretStr | None = Field(
        None, description="Bearer token for /faults; required (16+ chars) when enabled."
    )

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
