"""``python -m tools.localplatform.boardstart``: the board, started before its kubeconfig exists.

Importing the board's code (FastAPI, the Kubernetes client, Jinja2) takes seconds on a
busy machine, and the board's identity (a token of the ServiceAccount Flux delivers)
only exists once Flux has applied dev. So the platform starts this early: it imports
everything at once, waits until ``FRONTEND_KUBECONFIG`` appears (written atomically by
the platform), then runs the board exactly as ``python -m frontend`` does. If the
platform goes away first, it exits.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from frontend.__main__ import main as frontend_main  # the slow imports happen here


def main() -> int:
    kubeconfig = Path(os.environ["FRONTEND_KUBECONFIG"])
    parent = os.getppid()
    deadline = time.monotonic() + 600
    while not kubeconfig.exists():
        if os.getppid() != parent or time.monotonic() > deadline:
            sys.stderr.write(f"boardstart: {kubeconfig} never appeared; exiting\n")
            return 1
        time.sleep(0.05)
    return frontend_main()


if __name__ == "__main__":
    sys.exit(main())
