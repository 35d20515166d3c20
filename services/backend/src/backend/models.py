"""Response schemas, published in the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class ImageInfo(BaseModel):
    ref: str | None = Field(description="Image reference the pod was started from, as deployed.")
    digest: str | None = Field(
        description="sha256 digest of the running image, or null if unknown."
    )


class PodInfo(BaseModel):
    name: str | None
    namespace: str | None
    node: str | None
    ip: str | None


class Meta(BaseModel):
    """Semantic build and deployment metadata. Unknown values are null, never guessed."""

    model_config = ConfigDict(json_schema_extra={"title": "Meta v1"})

    schema_version: Literal["v1"] = "v1"
    service: str
    version: str | None
    git_sha: str | None = Field(
        description="Full 40-character commit SHA the image was built from."
    )
    build_time: datetime | None
    image: ImageInfo
    environment: str
    pod: PodInfo
    started_at: datetime
    uptime_seconds: float
    ready: bool


class Liveness(BaseModel):
    status: Literal["ok", "failing"]
    reason: str | None = None


class CheckResult(BaseModel):
    name: str
    ok: bool
    message: str


class Readiness(BaseModel):
    status: Literal["ok", "unavailable"]
    checks: list[CheckResult]


class FaultsView(BaseModel):
    readiness_disabled: bool
    liveness_failing: bool
    latency_ms: int
    error_rate: float


def _whole_float_as_int(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class FaultsPatch(BaseModel):
    """Fields to change; omitted fields keep their current value."""

    # Strict: JSON true is not 1 ms, nor 1 a boolean (a drill must do what it says).
    model_config = ConfigDict(extra="forbid", strict=True)

    readiness_disabled: bool | None = None
    liveness_failing: bool | None = None
    # JSON Schema's "integer" is any number without a fraction, 1.0 too (the OpenAPI
    # document says integer): taken as the int it is, before the strict check.
    latency_ms: Annotated[int | None, BeforeValidator(_whole_float_as_int)] = Field(
        None, ge=0, le=60_000
    )
    error_rate: float | None = Field(None, ge=0.0, le=1.0)
