from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator

import pytest

from servicekit import cli
from tests.servicekit.toy import ToySettings


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No TOY_* from outside; the logging servicekit.logs reconfigures is put back."""
    for name in [name for name in os.environ if name.startswith("TOY_")]:
        monkeypatch.delenv(name)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    access = logging.getLogger("uvicorn.access")
    access_disabled = access.disabled
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    access.disabled = access_disabled


def _never_serves(_: ToySettings) -> None:
    raise AssertionError("the server must not start")


def test_help_shows_summary_exit_codes_and_settings_then_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main("servicekit", ToySettings, _never_serves, ["--help"])

    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert out.startswith("usage: servicekit [-h] [--version]")
    assert "Plumbing shared by the services" in out
    assert "2  an invalid setting" in out
    for name in ToySettings.model_fields:
        assert f"TOY_{name.upper()} " in out


def test_help_does_not_need_valid_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOY_PORT", "not-a-port")

    with pytest.raises(SystemExit) as exited:
        cli.main("servicekit", ToySettings, _never_serves, ["-h"])

    assert exited.value.code == 0
    assert "not-a-port" not in capsys.readouterr().out


def test_version_names_package_and_baked_build(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main("servicekit", ToySettings, _never_serves, ["--version"]) == 0
    assert capsys.readouterr().out == "servicekit 0.1.0\n"

    monkeypatch.setenv("TOY_VERSION", "1.4.0")
    monkeypatch.setenv("TOY_PORT", "broken")  # an unrelated bad setting does not hide it
    assert cli.main("servicekit", ToySettings, _never_serves, ["--version"]) == 0
    assert capsys.readouterr().out == "servicekit 0.1.0 (build 1.4.0)\n"


def test_version_of_an_uninstalled_service_is_unknown() -> None:
    assert cli.version_line("no-such-distribution", ToySettings) == "no-such-distribution unknown"


def test_unknown_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main("servicekit", ToySettings, _never_serves, ["--port", "80"])

    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "unrecognized arguments: --port 80" in captured.err


def test_invalid_setting_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOY_SHUTDOWN_TIMEOUT_SECONDS", "-1")

    assert cli.main("toy", ToySettings, _never_serves, []) == 2

    err = capsys.readouterr().err
    assert err.startswith("toy: invalid setting TOY_SHUTDOWN_TIMEOUT_SECONDS='-1':")
    assert err.count("\n") == 1


def test_undecodable_setting_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOY_WEIGHTS", "[1, 2")

    assert cli.main("toy", ToySettings, _never_serves, []) == 2

    err = capsys.readouterr().err
    assert err.startswith('toy: invalid setting: error parsing value for field "weights"')


def test_serves_with_the_settings_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOY_NAMES", "x, y")
    served: list[ToySettings] = []

    assert cli.main("toy", ToySettings, served.append, []) == 0

    assert [s.names for s in served] == [("x", "y")]


def test_failure_while_serving_exits_1_with_one_json_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def fails(_: ToySettings) -> None:
        raise RuntimeError("boom")

    assert cli.main("toy", ToySettings, fails, []) == 1

    [line] = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert (record["level"], record["service"]) == ("error", "toy")
    assert "RuntimeError: boom" in record["exc"]
