"""HTTP header values every service answers with."""

from typing import Final

# Health, meta and live pages describe the present moment; a cached copy is a lie.
NO_STORE: Final[dict[str, str]] = {"cache-control": "no-store"}
