"""HTML rendering: the one Jinja environment (autoescape on) for the page and its fragment."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from frontend.assets import Assets
from frontend.status.durations import human_duration, rfc3339
from frontend.status.shas import short_sha
from servicekit.redaction import redact_url

TEMPLATES = Path(__file__).parent / "templates"
BADGE = {
    "Healthy": ("ok", "✔"),
    "Suspended": ("paused", "⏸"),
    "Progressing": ("progress", "↻"),
    "Missing": ("missing", "?"),
    "Degraded": ("bad", "✖"),
    "Unknown": ("unknown", "?"),
}


def clock(value: datetime | None) -> str:
    return f"{value:%H:%M:%S} UTC" if value else "never"


def ago(value: datetime, now: datetime) -> str:
    return human_duration(now - value)


def environment(assets: Assets) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # packaged templates never change: no stat() per render
    )
    env.filters["short_sha"] = short_sha
    env.filters["redact_url"] = redact_url
    env.filters["clock"] = clock
    env.filters["rfc3339"] = rfc3339
    env.filters["ago"] = ago
    env.globals["BADGE"] = BADGE
    env.globals["asset"] = assets.urls.__getitem__
    return env
