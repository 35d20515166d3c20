"""verify against real backend processes (and a real round-robin balancer)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from tests.support.constants import SHA_A, SHA_B
from tests.support.roundrobin import round_robin
from tools.platformkit.processes import ServiceProcess, backend_process, free_port

pytestmark = pytest.mark.process


def run_verify(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "delivery.verify_cli", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=timeout)


def start(
    started: list[ServiceProcess], sha: str, port: int | None = None, **env: str
) -> ServiceProcess:
    proc = backend_process(
        {"BACKEND_GIT_SHA": sha, "BACKEND_VERSION": sha[:3], **env}, port=port
    ).start()
    started.append(proc)
    proc.wait_until("/readyz")
    return proc


def test_old_sha_switches_to_new_one(started: list[ServiceProcess]) -> None:
    old = start(started, SHA_A)

    def roll() -> None:
        # Roll only once verify has seen the old version answer (its access-log line),
        # not after a fixed delay that a slow interpreter start-up can outlast.
        deadline = time.monotonic() + 30
        while "/meta" not in old.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        old.stop()
        start(started, SHA_B, port=old.port)

    roller = threading.Thread(target=roll)
    roller.start()
    result = run_verify(
        "--url",
        old.url + "/meta",
        "--expect-sha",
        SHA_B,
        "-n",
        "3",
        "--interval",
        "0.2",
        "--timeout",
        "30",
        "--json",
    )
    roller.join()
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["result"] == "converged"
    assert summary["consecutive"] == 3
    assert "aaaaaaaaaaaa (aaa)" in summary["seen"]
    assert "bbbbbbbbbbbb (bbb)" in summary["seen"]
    assert "3/3 in a row" in result.stderr


def test_mixed_versions_behind_round_robin_fail_with_1(started: list[ServiceProcess]) -> None:
    old, new = start(started, SHA_A), start(started, SHA_B)
    with round_robin([(old.host, old.port), (new.host, new.port)]) as balancer:
        result = run_verify(
            "--url",
            balancer.url + "/meta",
            "--expect-sha",
            SHA_B,
            "-n",
            "4",
            "--interval",
            "0.1",
            "--timeout",
            "3",
            "--json",
        )
    assert result.returncode == 1, result.stderr
    summary = json.loads(result.stdout)
    assert summary["result"] == "mismatch"
    assert summary["seen"]["aaaaaaaaaaaa (aaa)"] > 0
    assert summary["seen"]["bbbbbbbbbbbb (bbb)"] > 0
    assert summary["consecutive"] <= 1
    assert "verify: mismatch after" in result.stderr


def test_all_new_behind_round_robin_converges(started: list[ServiceProcess]) -> None:
    first, second = start(started, SHA_B), start(started, SHA_B)
    with round_robin([(first.host, first.port), (second.host, second.port)]) as balancer:
        result = run_verify(
            "--url",
            balancer.url + "/meta",
            "--expect-sha",
            SHA_B,
            "-n",
            "6",
            "--interval",
            "0.05",
            "--timeout",
            "10",
        )
    assert result.returncode == 0, result.stderr


def test_unreachable_exits_2() -> None:
    url = f"http://127.0.0.1:{free_port()}/meta"
    result = run_verify(
        "--url", url, "--expect-sha", SHA_B, "--interval", "0.2", "--timeout", "1", "--json"
    )
    assert result.returncode == 2
    assert json.loads(result.stdout)["result"] == "unreachable"
    assert "ConnectError" in result.stderr


def test_wrong_version_until_timeout_exits_1(started: list[ServiceProcess]) -> None:
    old = start(started, SHA_A)
    began = time.monotonic()
    result = run_verify(
        "--url", old.url + "/meta", "--expect-sha", SHA_B, "--interval", "0.2", "--timeout", "1.5"
    )
    assert result.returncode == 1
    assert time.monotonic() - began >= 1.5
    assert "aaaaaaaaaaaa (aaa)" in result.stderr


def test_digest_must_match_when_given(started: list[ServiceProcess]) -> None:
    proc = start(started, SHA_B, BACKEND_IMAGE_DIGEST="sha256:" + "1" * 64)
    wrong = run_verify(
        "--url",
        proc.url + "/meta",
        "--expect-sha",
        SHA_B,
        "--expect-digest",
        "sha256:" + "2" * 64,
        "--timeout",
        "1",
        "--interval",
        "0.2",
    )
    right = run_verify(
        "--url",
        proc.url + "/meta",
        "--expect-sha",
        SHA_B,
        "--expect-digest",
        "sha256:" + "1" * 64,
        "-n",
        "2",
        "--interval",
        "0.1",
    )
    assert (wrong.returncode, right.returncode) == (1, 0)


def test_503_during_drain_then_new_version_converges(started: list[ServiceProcess]) -> None:
    """A balancer in front of a draining pod: not-ready answers, then 503s, then the new pod."""
    port = free_port()
    old = start(started, SHA_A, port=port, BACKEND_DRAIN_DELAY_SECONDS="1.5")
    with round_robin([(old.host, port)]) as balancer:

        def roll() -> None:
            time.sleep(1.0)
            old.terminate()  # SIGTERM: drains for 1.5 s, then closes
            old.wait(timeout=20)
            time.sleep(1.0)  # nothing listens: the balancer answers 503
            start(started, SHA_B, port=port)

        roller = threading.Thread(target=roll)
        roller.start()
        result = run_verify(
            "--url",
            balancer.url + "/meta",
            "--expect-sha",
            SHA_B,
            "-n",
            "3",
            "--interval",
            "0.1",
            "--timeout",
            "30",
            "--json",
        )
        roller.join()
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)["seen"]
    assert seen["aaaaaaaaaaaa (aaa, not ready)"] > 0
    assert seen["HTTP 503"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--url", "http://127.0.0.1:1/meta", "--expect-sha", "abc"],
            "--expect-sha: must be a full 40-character",
        ),
        (
            ["--url", "ftp://host/meta", "--expect-sha", SHA_B],
            "--url: not an http(s) URL: 'ftp://host/meta'",
        ),
        (["--url", "meta", "--expect-sha", SHA_B], "--url: not an http(s) URL"),
        (
            ["--url", "http://127.0.0.1:1/meta", "--expect-sha", SHA_B, "-n", "0"],
            "--consecutive/-n: must be an integer >= 1: '0'",
        ),
        (
            ["--url", "http://127.0.0.1:1/meta", "--expect-sha", SHA_B, "--timeout", "-5"],
            "--timeout: must be a number > 0",
        ),
        (
            [
                "--url",
                "http://127.0.0.1:1/meta",
                "--expect-sha",
                SHA_B,
                "--expect-digest",
                "sha256:zz",
            ],
            "--expect-digest: must look like",
        ),
        (["--expect-sha", SHA_B], "one of the arguments --url --service is required"),
        (
            [
                "--url",
                "http://127.0.0.1:1/meta",
                "--expect-sha",
                SHA_B,
                "--deployment",
                "dev/backend",
            ],
            "--deployment needs --status-url or --judge-rollout",
        ),
        (
            [
                "--url",
                "http://127.0.0.1:1/meta",
                "--expect-sha",
                SHA_B,
                "--status-url",
                "http://127.0.0.1:1/api/v1/status",
            ],
            "--status-url needs --deployment",
        ),
        (
            [
                "--url",
                "http://127.0.0.1:1/meta",
                "--expect-sha",
                SHA_B,
                "--judge-rollout",
                "--deployment",
                "dev/backend",
            ],
            "--judge-rollout needs --service and --deployment",
        ),
        (
            ["--service", "Dev/backend", "--expect-sha", SHA_B],
            "--service: must be <namespace>/<name>",
        ),
    ],
)
def test_bad_input_exits_3_with_one_line(args: list[str], message: str) -> None:
    result = run_verify(*args)
    assert result.returncode == 3
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("path", "status", "hint"),
    [("", "HTTP 404", "did you mean"), ("/no/such/meta", "HTTP 404", None)],
)
def test_a_wrong_url_stops_at_once_with_the_config_code(
    started: list[ServiceProcess], path: str, status: str, hint: str | None
) -> None:
    proc = start(started, SHA_A)
    began = time.monotonic()
    result = run_verify("--url", proc.url + path, "--expect-sha", SHA_A, "--timeout", "60",
                        "--interval", "0.2", "--json")  # fmt: skip
    assert result.returncode == 3, result.stderr
    assert time.monotonic() - began < 20, "waited for the timeout"
    assert status in result.stderr
    assert proc.url + path in result.stderr
    assert (f"did you mean {proc.url}/meta?" in result.stderr) is (hint is not None)
    assert json.loads(result.stdout)["result"] == "misconfigured"


def test_an_answer_that_is_not_meta_stops_at_once_naming_what_came(
    started: list[ServiceProcess],
) -> None:
    proc = start(started, SHA_A)
    path, what = "/healthz", "HTTP 200 application/json, JSON without git_sha"
    result = run_verify("--url", proc.url + path, "--expect-sha", SHA_A, "--timeout", "60",
                        "--interval", "0.2", "--json")  # fmt: skip
    assert result.returncode == 3, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["result"], summary["polls"]) == ("misconfigured", 1)
    assert f"verify: {what} from every target ({proc.url}{path})" in result.stderr
    assert f"did you mean {proc.url}/meta?" in result.stderr
