from __future__ import annotations

import pytest

from servicekit.usage import describe_default, describe_type, env_name, settings_table
from tests.servicekit.toy import ToySettings


def test_env_name_carries_the_class_prefix() -> None:
    assert env_name(ToySettings, "shutdown_timeout_seconds") == "TOY_SHUTDOWN_TIMEOUT_SECONDS"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("host", "str"),
        ("port", "int [1, 65535]"),
        ("shutdown_timeout_seconds", "float (0, 300]"),
        ("retries", "int [0, inf)"),
        ("ratio", "float (0, 1)"),
        ("environment", "local|dev|staging|prod"),
        ("version", "str"),
        ("names", "comma list of str"),
        ("enabled", "bool"),
        ("state_dir", "path"),
        ("api_token", "secret"),
    ],
)
def test_types_read_as_a_person_writes_them(name: str, expected: str) -> None:
    assert describe_type(ToySettings.model_fields[name]) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("port", "9000"),
        ("shutdown_timeout_seconds", "0.5"),
        ("names", "a,b"),
        ("enabled", "false"),
        ("weights", "empty"),
        ("state_dir", "unset"),
        ("log_level", "info"),
    ],
)
def test_defaults_read_as_they_would_be_written_in_the_environment(
    name: str, expected: str
) -> None:
    assert describe_default(name, ToySettings.model_fields[name]) == expected


@pytest.mark.parametrize("name", ["api_token", "password_hint"])
def test_secret_defaults_are_never_shown(name: str) -> None:
    assert describe_default(name, ToySettings.model_fields[name]) == "<redacted>"


def test_table_has_one_row_per_setting_in_declaration_order() -> None:
    lines = settings_table(ToySettings).splitlines()

    assert lines[0].split() == ["variable", "type", "default", "description"]
    assert [line.split()[0] for line in lines[1:]] == [
        env_name(ToySettings, name) for name in ToySettings.model_fields
    ]
    port_row = next(line for line in lines if line.startswith("  TOY_PORT "))
    for cell in ("int [1, 65535]", " 9000 ", "TCP port to listen on."):
        assert cell in port_row
    assert "hunter2-default" not in settings_table(ToySettings)
