"""Command-line entry point: console script ``backend``, or ``python -m backend``.

``backend --help`` lists every setting and the exit codes (see servicekit.cli).
"""

from __future__ import annotations

import sys

from backend.server import serve
from backend.settings import Settings
from servicekit import cli


def main() -> int:
    return cli.main("backend", Settings, serve)


if __name__ == "__main__":
    sys.exit(main())
