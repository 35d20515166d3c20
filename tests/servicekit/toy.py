"""A small service's settings, with every kind of field the usage table renders."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from servicekit.settings import CommaList, Port, ServiceName, ServiceSettings, ShutdownTimeout


class ToySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TOY_")

    port: Port = 9000
    service_name: ServiceName = "toy"
    shutdown_timeout_seconds: ShutdownTimeout = 0.5
    names: CommaList[str] = Field(("a", "b"), description="Names, comma-separated.")
    retries: int = Field(3, ge=0, description="Attempts before giving up.")
    ratio: float = Field(0.25, gt=0, lt=1)
    enabled: bool = False
    weights: list[int] = Field(default_factory=list, description="JSON, unlike the names.")
    state_dir: Path | None = None
    api_token: SecretStr | None = Field(None, description="Bearer token.")
    password_hint: str = Field("hunter2-default", description="A secret by its name.")
