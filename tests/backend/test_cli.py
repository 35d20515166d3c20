"""The real ``backend`` console script: --help, --version and usage errors."""

from __future__ import annotations

import pytest

from backend.settings import Settings
from servicekit.usage import env_name
from tests.support.constants import FAULTS_TOKEN
from tools.platformkit.processes import occupied_port, run_console

pytestmark = pytest.mark.process


def test_help_lists_every_setting_without_serving_or_showing_secrets() -> None:
    with occupied_port() as port:
        result = run_console(
            "backend",
            "--help",
            env={
                "BACKEND_PORT": str(port),
                "BACKEND_FAULTS_ENABLED": "true",
                "BACKEND_FAULTS_TOKEN": FAULTS_TOKEN,
                "BACKEND_GIT_SHA": "not-a-sha",  # --help must not even read the settings
            },
        )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("usage: backend [-h] [--version]")
    assert "Deployment probe" in result.stdout
    for code in ("0  clean shutdown", "1  any other start-up failure", "2  an invalid setting"):
        assert code in result.stdout
    for name, field in Settings.model_fields.items():
        assert env_name(Settings, name) in result.stdout
        assert str(field.description) in result.stdout
    assert FAULTS_TOKEN not in result.stdout
    assert "<redacted>" in result.stdout


def test_version_names_the_package_and_the_baked_build() -> None:
    plain = run_console("backend", "--version")
    baked = run_console("backend", "--version", env={"BACKEND_VERSION": "1.4.0"})

    assert (plain.returncode, baked.returncode) == (0, 0)
    assert plain.stdout.startswith("backend 0.")
    assert baked.stdout == plain.stdout.rstrip("\n") + " (build 1.4.0)\n"


@pytest.mark.parametrize("argument", ["--port=8080", "serve"])
def test_unknown_argument_exits_2_with_usage(argument: str) -> None:
    result = run_console("backend", argument)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("usage: backend")
    assert f"unrecognized arguments: {argument}" in result.stderr


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("http://a:b@[::1", "'http://***@[::1'"),  # does not even parse
        (
            "http://ok.example,https://u:s3cr3t@db:99999/?token=abc",
            "'https://***@db:99999/?token=***'",
        ),
    ],
)
def test_a_bad_url_setting_is_named_without_its_credentials(value: str, shown: str) -> None:
    result = run_console("backend", env={"BACKEND_READINESS_URLS": value})

    assert result.returncode == 2
    assert result.stderr.startswith(f"backend: invalid setting BACKEND_READINESS_URLS={shown}: ")
    for secret in ("a:b", "s3cr3t", "abc"):
        assert secret not in result.stderr
