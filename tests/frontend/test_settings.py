from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from frontend.settings import Settings
from servicekit.settings_errors import describe_error


def test_settings_defaults_bind_loopback() -> None:
    settings = Settings()

    assert (settings.host, settings.port, settings.batch_interval_ms) == ("127.0.0.1", 8090, 250)
    assert settings.backend_base == "http://127.0.0.1:8080"
    assert settings.namespaces == ()
    assert settings.kubeconfig is None


def test_settings_split_namespace_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTEND_NAMESPACES", "shop, payments,shop")

    assert Settings().namespaces == ("shop", "payments")


def test_a_lone_star_means_every_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRONTEND_NAMESPACES", "*")

    assert Settings().namespaces == ("*",)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("FRONTEND_PORT", "0", "FRONTEND_PORT='0'"),
        ("FRONTEND_NAMESPACES", "Bad_Name", "FRONTEND_NAMESPACES='Bad_Name'"),
        ("FRONTEND_NAMESPACES", "shop,*", "('*' alone watches every namespace)"),
        ("FRONTEND_BACKEND_URL", "not a url", "FRONTEND_BACKEND_URL='not a url'"),
        ("FRONTEND_KUBECONFIG", "/nonexistent/kubeconfig", "no such file"),
        ("FRONTEND_BACKEND_POD_SELECTOR", "app in (a,b)", "equality label selector"),
        ("FRONTEND_BATCH_INTERVAL_MS", "1", "FRONTEND_BATCH_INTERVAL_MS='1'"),
        ("FRONTEND_LIVENESS_STALL_SECONDS", "0", "FRONTEND_LIVENESS_STALL_SECONDS='0'"),
        ("FRONTEND_HEAD_TIMEOUT_SECONDS", "0", "FRONTEND_HEAD_TIMEOUT_SECONDS='0'"),
    ],
)
def test_settings_reject_invalid_values_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError) as caught:
        Settings()

    message = describe_error(caught.value, Settings)
    assert expected in message
    assert "\n" not in message


def test_settings_accept_existing_kubeconfig(tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text("apiVersion: v1\n")

    assert Settings(kubeconfig=path).kubeconfig == path


def test_every_setting_is_described_for_help() -> None:
    undescribed = [name for name, field in Settings.model_fields.items() if not field.description]

    assert undescribed == []


def test_shared_settings_keep_the_frontend_prefix_and_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FRONTEND_LOG_LEVEL", "debug")

    settings = Settings()

    assert (settings.port, settings.service_name, settings.log_level) == (8090, "frontend", "debug")
    assert settings.shutdown_timeout_seconds == 5.0


def test_the_liveness_bound_must_outlast_three_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    # The feed's loop goes round once a batch: a bound near it restarts a busy board.
    monkeypatch.setenv("FRONTEND_BATCH_INTERVAL_MS", "10000")
    monkeypatch.setenv("FRONTEND_LIVENESS_STALL_SECONDS", "30")

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert describe_error(caught.value, Settings) == (
        "FRONTEND_LIVENESS_STALL_SECONDS=30 must exceed 3 x FRONTEND_BATCH_INTERVAL_MS=10000"
    )
