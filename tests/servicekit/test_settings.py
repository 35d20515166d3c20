from __future__ import annotations

import pytest
from pydantic import ValidationError

from servicekit.settings import split_commas
from tests.servicekit.toy import ToySettings


@pytest.fixture(autouse=True)
def _no_toy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TOY_PORT", "TOY_NAMES", "TOY_HOST", "TOY_SERVICE_NAME"):
        monkeypatch.delenv(name, raising=False)


def test_subclass_keeps_shared_fields_with_its_own_defaults() -> None:
    settings = ToySettings()

    assert (settings.host, settings.port, settings.service_name) == ("127.0.0.1", 9000, "toy")
    assert (settings.environment, settings.log_level, settings.version) == ("local", "info", None)


def test_subclass_prefix_and_shared_config_both_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOY_PORT", "9100")
    monkeypatch.setenv("TOY_HOST", "")  # empty counts as unset
    monkeypatch.setenv("PORT", "1")  # no prefix: not ours

    settings = ToySettings()

    assert (settings.host, settings.port) == ("127.0.0.1", 9100)
    with pytest.raises(ValidationError):
        settings.port = 1  # type: ignore[misc]  # frozen on purpose: asserting that


@pytest.mark.parametrize(
    ("variable", "value"),
    [("TOY_PORT", "0"), ("TOY_PORT", "65536"), ("TOY_SERVICE_NAME", "x" * 64)],
)
def test_shared_bounds_hold_in_every_service(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ValidationError):
        ToySettings()


def test_comma_lists_are_read_from_one_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOY_NAMES", " x, ,y ")

    assert ToySettings().names == ("x", "y")


def test_split_commas_passes_non_strings_through() -> None:
    assert split_commas(("a",)) == ("a",)
    assert split_commas("a,b") == ("a", "b")
