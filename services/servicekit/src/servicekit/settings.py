"""The settings every service has, so each reads, bounds and documents them the same way.

A service subclasses :class:`ServiceSettings`, sets its own ``env_prefix`` (pydantic
merges it into the shared ``model_config``) and gives the fields left without a
default here a value of its own: every service names itself and picks its port.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

from pydantic import BeforeValidator, Field
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

T = TypeVar("T")

Environment = Literal["local", "dev", "staging", "prod"]
LogLevel = Literal["debug", "info", "warning", "error"]

Port = Annotated[int, Field(ge=1, le=65535, description="TCP port to listen on.")]
ServiceName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=63,
        description="Name the service reports in its logs, metrics and metadata.",
    ),
]
ShutdownTimeout = Annotated[
    float,
    Field(gt=0, le=300, description="Bound on in-flight requests once listening stops."),
]


def split_commas(value: object) -> object:
    """``"a, b,,c"`` as ``("a", "b", "c")``; values that are not strings pass unchanged."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


# A list in one environment variable is written "a,b,c", not as JSON (hence NoDecode).
CommaList = Annotated[tuple[T, ...], NoDecode, BeforeValidator(split_commas)]


class ServiceSettings(BaseSettings):
    """Where to listen, who is listening and how it stops; read from ``<PREFIX>*`` variables."""

    # Empty values count as unset, so a manifest can blank a variable out; unknown
    # variables are ignored, so one shared environment can hold several services'.
    model_config = SettingsConfigDict(env_ignore_empty=True, extra="ignore", frozen=True)

    host: str = Field("127.0.0.1", description="Address to bind; containers set 0.0.0.0.")
    port: Port
    service_name: ServiceName
    environment: Environment = Field("local", description="Deployment environment name.")
    log_level: LogLevel = Field("info", description="Least severe level logged (JSON on stderr).")
    version: str | None = Field(
        None, max_length=128, description="Build version, baked in by the image build arg VERSION."
    )
    shutdown_timeout_seconds: ShutdownTimeout
    head_timeout_seconds: float = Field(
        20.0, ge=0.5, le=300,
        description="A request's line and headers must arrive within this (else 408 and "
        "close): one slow client cannot hold a connection for long.",
    )  # fmt: skip
