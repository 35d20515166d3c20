"""Command-line entry point.

Exit codes: 0 after a clean shutdown; 2 when a setting is invalid (the message
names the variable and the value); 1 on any other start-up failure.
"""

from __future__ import annotations

import sys

from pydantic import ValidationError

from backend.server import serve
from backend.settings import Settings
from servicekit import logs
from servicekit.settings_errors import describe_error


def main() -> int:
    try:
        settings = Settings()
    except ValidationError as exc:
        sys.stderr.write(f"backend: {describe_error(exc, Settings)}\n")
        return 2
    logs.configure(settings.log_level, settings.service_name)
    serve(settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
