"""Command-line entry point: console script ``frontend``, or ``python -m frontend``.

``frontend --help`` lists every setting and the exit codes (see servicekit.cli).
"""

from __future__ import annotations

import sys

from frontend.server import serve
from frontend.settings import Settings
from servicekit import cli


def main() -> int:
    return cli.main("frontend", Settings, serve)


if __name__ == "__main__":
    sys.exit(main())
