from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.settings import Settings
from servicekit.settings_errors import describe_error


def test_defaults_leave_unknown_identity_null() -> None:
    settings = Settings()
    assert settings.git_sha is None
    assert settings.image_digest is None
    assert settings.pod_name is None
    assert settings.faults_enabled is False
    assert settings.host == "127.0.0.1"


def test_environment_values_are_read_with_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_GIT_SHA", "c" * 40)
    monkeypatch.setenv("BACKEND_POD_NAME", "backend-7d9c-abc")
    monkeypatch.setenv("BACKEND_READINESS_URLS", "http://127.0.0.1:1/a, http://127.0.0.1:2/b")
    settings = Settings()
    assert settings.git_sha == "c" * 40
    assert settings.pod_name == "backend-7d9c-abc"
    assert [str(u) for u in settings.readiness_urls] == [
        "http://127.0.0.1:1/a",
        "http://127.0.0.1:2/b",
    ]


def test_empty_downward_api_value_counts_as_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_NODE_NAME", "")
    assert Settings().node_name is None


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BACKEND_GIT_SHA", "abc123", "BACKEND_GIT_SHA='abc123': must be a full 40-character"),
        ("BACKEND_GIT_SHA", "A" * 40, "BACKEND_GIT_SHA='" + "A" * 40 + "'"),
        ("BACKEND_PORT", "0", "BACKEND_PORT='0': Input should be greater than or equal to 1"),
        ("BACKEND_PORT", "http", "BACKEND_PORT='http': Input should be a valid integer"),
        ("BACKEND_ENVIRONMENT", "qa", "BACKEND_ENVIRONMENT='qa': Input should be 'local'"),
        ("BACKEND_IMAGE_DIGEST", "sha256:xyz", "BACKEND_IMAGE_DIGEST='sha256:xyz': must look like"),
        ("BACKEND_LOG_LEVEL", "loud", "BACKEND_LOG_LEVEL='loud'"),
        ("BACKEND_DRAIN_DELAY_SECONDS", "-1", "BACKEND_DRAIN_DELAY_SECONDS='-1'"),
        ("BACKEND_BUILD_TIME", "yesterday", "BACKEND_BUILD_TIME='yesterday'"),
        ("BACKEND_READINESS_URLS", "ftp://x", "BACKEND_READINESS_URLS='ftp://x'"),
    ],
)
def test_bad_setting_is_named_with_its_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as excinfo:
        Settings()
    message = describe_error(excinfo.value, Settings)
    assert expected in message
    assert "\n" not in message


def test_faults_without_token_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_FAULTS_ENABLED", "true")
    with pytest.raises(ValidationError) as excinfo:
        Settings()
    assert "BACKEND_FAULTS_TOKEN must be set" in describe_error(excinfo.value, Settings)


def test_short_token_value_is_redacted_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKEND_FAULTS_TOKEN", "x" * 5000)
    monkeypatch.setenv("BACKEND_PORT", "bad")
    with pytest.raises(ValidationError) as excinfo:
        Settings()
    assert "x" * 20 not in describe_error(excinfo.value, Settings)


def test_every_setting_is_described_for_help() -> None:
    undescribed = [name for name, field in Settings.model_fields.items() if not field.description]
    assert undescribed == []


def test_shared_settings_keep_the_backend_prefix_and_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BACKEND_SHUTDOWN_TIMEOUT_SECONDS", "0.5")
    settings = Settings()
    assert (settings.port, settings.service_name) == (8080, "backend")
    assert settings.shutdown_timeout_seconds == 0.5
