"""Start a real frontend process on loopback (the backend's helper, for the frontend)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tests.support.processes import ServiceProcess, free_port


def frontend_process(
    env: Mapping[str, str] | None = None, host: str = "127.0.0.1", port: int | None = None
) -> ServiceProcess:
    """A frontend process (not started) with a clean ``FRONTEND_*`` environment."""
    port = port or free_port(host)
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FRONTEND_") and k != "KUBERNETES_SERVICE_HOST"
    }
    clean.update({"FRONTEND_HOST": host, "FRONTEND_PORT": str(port)})
    clean.update(env or {})
    fd, log_name = tempfile.mkstemp(prefix="frontend-", suffix=".log")
    os.close(fd)
    return ServiceProcess([sys.executable, "-m", "frontend"], clean, host, port, Path(log_name))
