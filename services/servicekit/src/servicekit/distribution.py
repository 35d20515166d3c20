"""What a service's installed package says about itself.

Its pyproject.toml is then the one source for ``--help``, ``--version`` and the
OpenAPI document's title and summary.
"""

from __future__ import annotations

from importlib import metadata


def version(name: str) -> str | None:
    """The installed version of distribution ``name``; ``None`` when it is not installed."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def summary(name: str) -> str | None:
    """The one-line description from ``name``'s pyproject.toml, if it is installed."""
    try:
        value = metadata.metadata(name).json.get("summary")
    except metadata.PackageNotFoundError:
        return None
    return value if isinstance(value, str) else None
