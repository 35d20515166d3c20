"""The command line every service shares: ``--help``, ``--version``, then serve.

Settings come from the environment only, so the command takes no other arguments;
an unknown one is a usage error (exit 2, argparse's convention).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import EnvSettingsSource, SettingsError

from servicekit import distribution, logs
from servicekit.redaction import redact_urls
from servicekit.settings import ServiceSettings
from servicekit.settings_errors import describe_error
from servicekit.usage import EXIT_CODES, env_name, settings_table

S = TypeVar("S", bound=ServiceSettings)


def main(
    service: str,
    settings: type[S],
    serve: Callable[[S], None],
    argv: Sequence[str] | None = None,
) -> int:
    """Run ``service`` (also its distribution's name) until a clean shutdown; the exit code.

    ``--help`` and ``--version`` answer without reading the settings, so they work
    even where the environment is broken. argparse exits by itself on ``--help`` (0)
    and on a usage error (2).
    """
    args = parser(service, settings).parse_args(argv)
    if args.version:
        sys.stdout.write(version_line(service, settings) + "\n")
        return 0
    try:
        loaded = settings()
    except ValidationError as exc:
        sys.stderr.write(f"{service}: {describe_error(exc, settings)}\n")
        return 2
    except SettingsError as exc:
        sys.stderr.write(f"{service}: invalid setting: {redact_urls(str(exc))}\n")
        return 2
    logs.configure(loaded.log_level, loaded.service_name)
    try:
        serve(loaded)
    except Exception:
        # One JSON line with the traceback, not a bare traceback among JSON lines.
        logging.getLogger(service).exception("stopped by an unexpected error")
        return 1
    return 0


def parser(service: str, settings: type[ServiceSettings]) -> argparse.ArgumentParser:
    """``<service> [-h] [--version]``, with the exit codes and settings table as epilog."""
    built = argparse.ArgumentParser(
        prog=service,
        description=distribution.summary(service),
        epilog=(
            f"{EXIT_CODES}\n\n"
            "settings (environment variables only; an empty value counts as unset):\n"
            f"{settings_table(settings)}"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    built.add_argument(
        "--version",
        action="store_true",
        help=f"print the package version and the build's {env_name(settings, 'version')}",
    )
    return built


def version_line(service: str, settings: type[ServiceSettings]) -> str:
    """``<service> <package version>``, then ``(build <version>)`` if one was baked in."""
    package = distribution.version(service) or "unknown"
    build = _baked_version(settings)
    return f"{service} {package}" + (f" (build {build})" if build else "")


def _baked_version(settings: type[ServiceSettings]) -> str | None:
    # Read alone, through pydantic-settings' own lookup (prefix, case, empty values),
    # so an unrelated bad setting cannot hide which build this is.
    try:
        value = EnvSettingsSource(settings)().get("version")
    except SettingsError:
        return None
    return value if isinstance(value, str) else None
