"""The network edge, through httpx's own transport seam and, for timeouts, a real socket."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

import httpx
import pytest

from backend.readiness_checks import check_once, run_checks
from backend.runtime import DependencyResult

URL = "http://dependency.test/healthz"
OTHER = "http://other.test/healthz"
INTERVAL = 0.01


async def _until(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Wait until ``condition`` holds; fail, not hang, if it never does."""
    # Polling, because watching from outside is the point: run_checks signals nothing.
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.005)


def _check(handler: Callable[[httpx.Request], httpx.Response]) -> DependencyResult:
    async def scenario() -> DependencyResult:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return await check_once(client, URL)

    return asyncio.run(scenario())


@pytest.mark.parametrize("status", [200, 204, 299])
def test_check_once_passes_any_2xx_and_says_how_long_it_took(status: int) -> None:
    result = _check(lambda _: httpx.Response(status))
    assert result.ok is True
    assert re.fullmatch(rf"HTTP {status} in \d+ ms", result.message)
    assert result.name == URL


@pytest.mark.parametrize("status", [500, 503, 404, 302])
def test_check_once_fails_anything_else_with_the_status(status: int) -> None:
    result = _check(lambda _: httpx.Response(status))
    assert result.ok is False
    assert result.message == f"HTTP {status}"


def _raise(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(_: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def test_check_once_fails_a_connect_error_with_the_exception_name_and_reason() -> None:
    result = _check(_raise(httpx.ConnectError("[Errno 111] Connection refused")))
    assert result.ok is False
    assert result.message == "ConnectError: [Errno 111] Connection refused"


def test_check_once_names_an_exception_that_has_no_message() -> None:
    result = _check(_raise(httpx.ConnectError("")))
    assert result.message == "ConnectError"


def test_check_once_fails_a_timeout() -> None:
    result = _check(_raise(httpx.ReadTimeout("timed out")))
    assert result.ok is False
    assert result.message == "ReadTimeout: timed out"


class _Dependency:
    """An httpx transport whose answer the test changes while the loop runs."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[str] = []
        self.transport = httpx.MockTransport(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if request.url.host == "other.test":
            return httpx.Response(503)
        if request.url.path == "/moved":
            return httpx.Response(200)
        return httpx.Response(self.status, headers={"location": "/moved"})


def _start(
    dependency: _Dependency, results: dict[str, DependencyResult], urls: tuple[str, ...] = (URL,)
) -> asyncio.Task[None]:
    return asyncio.create_task(
        run_checks(urls, results, INTERVAL, 1.0, transport=dependency.transport)
    )


async def _until_result(results: dict[str, DependencyResult], ok: bool) -> DependencyResult:
    await _until(lambda: URL in results and results[URL].ok is ok)
    return results[URL]


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 1.0)


def test_run_checks_records_a_result_for_every_url() -> None:
    async def scenario() -> dict[str, DependencyResult]:
        dependency, results = _Dependency(), dict[str, DependencyResult]()
        task = _start(dependency, results, (URL, OTHER))
        await _until(lambda: len(results) == 2)
        await _stop(task)
        return results

    results = asyncio.run(scenario())
    assert results[URL].ok is True
    assert results[OTHER].ok is False
    assert results[OTHER].message == "HTTP 503"


def test_run_checks_follows_the_dependency_over_time() -> None:
    async def scenario() -> list[str]:
        dependency, results = _Dependency(200), dict[str, DependencyResult]()
        task = _start(dependency, results)
        seen = []
        for status, ok in ((200, True), (503, False), (200, True)):
            dependency.status = status
            result = await _until_result(results, ok)
            seen.append(result.message.split(" in ")[0])
        await _stop(task)
        return seen

    assert asyncio.run(scenario()) == ["HTTP 200", "HTTP 503", "HTTP 200"]


def test_run_checks_logs_a_state_change_once_not_every_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario() -> None:
        dependency, results = _Dependency(200), dict[str, DependencyResult]()
        task = _start(dependency, results)
        await _until(lambda: len(dependency.requests) >= 5)
        dependency.status = 503
        await _until(lambda: len(dependency.requests) >= 10)
        await _stop(task)

    with caplog.at_level(logging.INFO, logger="backend.readiness_checks"):
        asyncio.run(scenario())
    changes = [r for r in caplog.records if r.getMessage() == "dependency state changed"]
    assert [(r.dependency, r.ok) for r in changes] == [(URL, True), (URL, False)]  # type: ignore[attr-defined]
    assert changes[1].detail == "HTTP 503"  # type: ignore[attr-defined]


def test_run_checks_does_not_follow_a_redirect() -> None:
    async def scenario() -> tuple[DependencyResult, list[str]]:
        dependency, results = _Dependency(302), dict[str, DependencyResult]()
        task = _start(dependency, results)
        await _until(lambda: URL in results)
        await _stop(task)
        return results[URL], dependency.requests

    result, requested = asyncio.run(scenario())
    assert result.ok is False
    assert result.message == "HTTP 302"
    assert set(requested) == {URL}


def test_run_checks_stops_checking_once_cancelled() -> None:
    async def scenario() -> tuple[int, int]:
        dependency, results = _Dependency(), dict[str, DependencyResult]()
        task = _start(dependency, results)
        await _until(lambda: len(dependency.requests) >= 2)
        await _stop(task)
        stopped_at = len(dependency.requests)
        await asyncio.sleep(INTERVAL * 10)
        return stopped_at, len(dependency.requests)

    stopped_at, later = asyncio.run(scenario())
    assert later == stopped_at


def test_run_checks_gives_up_on_a_silent_dependency_after_the_request_timeout() -> None:
    async def scenario() -> DependencyResult:
        release = asyncio.Event()

        async def silent(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await release.wait()  # read nothing, answer nothing
            writer.close()

        server = await asyncio.start_server(silent, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        url = f"http://127.0.0.1:{port}/healthz"
        results: dict[str, DependencyResult] = {}
        task = asyncio.create_task(run_checks((url,), results, 30.0, 0.2))
        try:
            await _until(lambda: url in results)
        finally:
            await _stop(task)
            release.set()
            server.close()
            await server.wait_closed()
        return results[url]

    result = asyncio.run(scenario())
    assert result.ok is False
    assert result.message.startswith("ReadTimeout")
