"""The plain FastAPI app the backend is measured beside: what a newcomer would write with
the same stack, and no more.

FastAPI routes for the probe's three answers, prometheus-fastapi-instrumentator as its
README shows it (``Instrumentator().instrument(app).expose(app)``), served by uvicorn with
uvloop and httptools, access log off. No settings class, no drain, no request id.

    python bench/plain_app.py --port 8080
"""

from __future__ import annotations

import argparse
import time

import uvicorn
from fastapi import FastAPI
from prometheus_fastapi_instrumentator import Instrumentator

STARTED = time.monotonic()
SHA = "0123456789abcdef0123456789abcdef01234567"


def create_app() -> FastAPI:
    app = FastAPI(title="plain")
    Instrumentator().instrument(app).expose(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> dict[str, object]:
        return {"status": "ok", "checks": [{"name": "startup", "ok": True}]}

    @app.get("/meta")
    async def meta() -> dict[str, object]:
        return {
            "service": "plain",
            "version": "0.1.0",
            "git_sha": SHA,
            "uptime_seconds": round(time.monotonic() - STARTED, 3),
            "ready": True,
        }

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, loop="uvloop",
                http="httptools", access_log=False, log_level="warning")  # fmt: skip


if __name__ == "__main__":
    main()
