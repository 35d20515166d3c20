from __future__ import annotations

from fastapi import FastAPI

from servicekit.http_protocol import BoundedHttpToolsProtocol
from servicekit.server import server_config
from tests.servicekit.toy import ToySettings


def test_config_binds_from_settings_and_keeps_a_fractional_grace_period() -> None:
    app = FastAPI()

    config = server_config(app, ToySettings(host="127.0.0.2", port=9001))

    assert (config.app, config.host, config.port) == (app, "127.0.0.2", 9001)
    assert config.timeout_graceful_shutdown == 0.5


def test_config_leaves_logging_and_identity_to_the_service() -> None:
    config = server_config(FastAPI(), ToySettings())

    assert config.log_config is None
    assert config.access_log is False
    assert config.server_header is False
    assert config.lifespan == "on"


def test_config_runs_the_c_parser_and_libuv_loop_with_the_head_timeout() -> None:
    config = server_config(FastAPI(), ToySettings(head_timeout_seconds=7.5))

    assert isinstance(config.http, type)
    assert issubclass(config.http, BoundedHttpToolsProtocol)
    assert (config.http.head_timeout, config.loop) == (7.5, "uvloop")
