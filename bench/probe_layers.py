"""Where a probe's Python time goes: the backend's app called in-process, layer by layer.

No server and no sockets: each request is a fresh ASGI scope sent straight to the app,
so what is measured is the Python the backend runs per request, with the layers of
ADR 0020 taken away one at a time (same process, alternating, median of rounds):

- ``full``: the edge, the instrumentator's middleware, the shortcuts, the endpoint;
- ``library lookup``: the same, but the handler looked up by the library's own route
  lookup (a request object, every route asked in turn) instead of the exact-path set;
- ``no edge``: without our request id, headers and access log;
- ``no metrics``: without the instrumentator's middleware;
- ``shortcuts only``: the dispatch and the endpoint.

    uv run --frozen python bench/probe_layers.py [--path /meta] [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Run as a script from bench/, whose backend.py would shadow the package.
sys.path = [p for p in sys.path if Path(p).resolve() != Path(__file__).resolve().parent]

from backend.app import create_app  # noqa: E402
from backend.settings import Settings  # noqa: E402
from servicekit.edge import Edge  # noqa: E402
from servicekit.http_metrics import Middleware  # noqa: E402


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(_: Message) -> None:
    return None


def _scope(path: str) -> Scope:
    return {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"wrk")],
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8080),
    }  # fmt: skip


def variants() -> dict[str, ASGIApp]:
    edge = create_app(Settings(git_sha="0" * 40, log_level="warning"))
    assert isinstance(edge, Edge)
    counted: Any = edge.counted
    # The same middleware, configured the same, but with no exact paths.
    lookup = Middleware(edge.app, (), **{k: v for k, v in vars(counted).items() if k in (
        "should_group_status_codes", "should_ignore_untemplated", "should_group_untemplated",
        "instrumentations", "registry")}, excluded_handlers=["^/metrics$"])  # fmt: skip
    library = create_app(Settings(git_sha="0" * 40, log_level="warning"))
    assert isinstance(library, Edge)
    library.counted = lookup

    async def no_edge(scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = edge.app
        await counted(scope, receive, send)

    bare = create_app(Settings(git_sha="0" * 40, log_level="warning"))
    assert isinstance(bare, Edge)
    bare.counted = bare.app
    return {
        "full": edge, "library lookup": library, "no edge": no_edge,
        "no metrics": bare, "shortcuts only": edge.app,
    }  # fmt: skip


async def per_request_us(app: ASGIApp, path: str, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        await app(_scope(path), _receive, _send)
    return (time.perf_counter() - started) / n * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/meta")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    apps = variants()
    for app in apps.values():  # warm: caches, the first label set
        asyncio.run(per_request_us(app, args.path, 2000))
    runs: dict[str, list[float]] = {name: [] for name in apps}
    for n in range(args.rounds):
        names = list(apps) if n % 2 == 0 else list(apps)[::-1]
        for name in names:
            runs[name].append(asyncio.run(per_request_us(apps[name], args.path, args.requests)))
    full = statistics.median(runs["full"])
    print(f"| `GET {args.path}`, in-process | µs per request (median of {args.rounds}) | of full |")
    print("|---|---|---|")
    for name, values in runs.items():
        us = statistics.median(values)
        print(f"| {name} | {us:.1f} | {us / full:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
