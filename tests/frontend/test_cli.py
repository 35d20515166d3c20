"""The real ``frontend`` console script: --help, --version and usage errors."""

from __future__ import annotations

import pytest

from frontend.settings import Settings
from servicekit.usage import env_name
from tools.platformkit.processes import occupied_port, run_console

pytestmark = pytest.mark.process


def test_help_lists_every_setting_without_serving_or_reading_the_environment() -> None:
    with occupied_port() as port:
        result = run_console(
            "frontend",
            "-h",
            env={"FRONTEND_PORT": str(port), "FRONTEND_BACKEND_URL": "http://user:pw@backend/"},
        )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("usage: frontend [-h] [--version]")
    assert "Status board" in result.stdout
    for name, field in Settings.model_fields.items():
        assert env_name(Settings, name) in result.stdout
        assert str(field.description) in result.stdout
    assert "user:pw" not in result.stdout
    assert "http://127.0.0.1:8080/" in result.stdout  # the default, not the environment's


def test_version_names_the_package_and_the_baked_build() -> None:
    result = run_console("frontend", "--version", env={"FRONTEND_VERSION": "2.0.1"})

    assert result.returncode == 0
    assert result.stdout.startswith("frontend 0.")
    assert result.stdout.endswith(" (build 2.0.1)\n")


def test_unknown_flag_exits_2_with_usage() -> None:
    result = run_console("frontend", "--kubeconfig", "kc.yaml")

    assert result.returncode == 2
    assert result.stderr.startswith("usage: frontend")
    assert "unrecognized arguments: --kubeconfig kc.yaml" in result.stderr


def test_a_bad_url_setting_is_named_without_its_credentials() -> None:
    url = "http://admin:s3cr3t@127.0.0.1:99999/?token=abc"
    result = run_console("frontend", env={"FRONTEND_BACKEND_URL": url})

    assert result.returncode == 2
    assert result.stderr == (
        "frontend: invalid setting FRONTEND_BACKEND_URL='http://***@127.0.0.1:99999/?token=***': "
        "Input should be a valid URL, invalid port number\n"
    )
