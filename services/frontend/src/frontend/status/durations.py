"""Durations for a person: the board's one home for them, in two registers.

``human_duration`` is kubectl's (apimachinery ``duration.HumanDuration``, e.g. AGE
``3m2s``), so a card reads as ``kubectl get`` does; ``spoken_duration`` says a median
or p90 of the delivery panel in one unit with a decimal (``1.5 h``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from frontend.status.objects import aware, timestamp

_MINUTE = 60
_HOUR = 60 * _MINUTE


# One return per Go branch keeps the port checkable against apimachinery line by line.
def human_duration(delta: timedelta) -> str:  # noqa: PLR0911
    """About two significant figures, switching units at the same thresholds as kubectl."""
    # Go converts with int(), truncating towards zero; Python's int() does the same.
    seconds = int(delta.total_seconds())
    # kubectl tolerates up to 2 s of clock skew as "now" before calling a time invalid.
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 2 * _MINUTE:
        return f"{seconds}s"
    minutes = seconds // _MINUTE
    if minutes < 10:
        rest = seconds % _MINUTE
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 3 * 60:
        return f"{minutes}m"
    hours = seconds // _HOUR
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 8 * 24:
        rest = hours % 24
        return f"{hours // 24}d{rest}h" if rest else f"{hours // 24}d"
    if hours < 2 * 365 * 24:
        return f"{hours // 24}d"
    years, days = hours // 24 // 365, (hours // 24) % 365
    if hours < 8 * 365 * 24 and days:
        return f"{years}y{days}d"
    return f"{years}y"


def since(value: object, now: datetime) -> str:
    """kubectl's ``translateTimestampSince``: ``<unknown>`` when the timestamp is unset."""
    moment = timestamp(value)
    if moment is None:
        return "<unknown>"
    return human_duration(aware(now) - moment)


def spoken_duration(seconds: float | None) -> str:
    """A median or p90 in the unit a person would say it in; "n/a" when there is none."""
    if seconds is None:
        return "n/a"
    if seconds < _MINUTE:
        return f"{seconds:.0f} s"
    if seconds < _HOUR:
        return f"{seconds / _MINUTE:.0f} min"
    if seconds < 48 * _HOUR:
        return f"{seconds / _HOUR:.1f} h"
    return f"{seconds / (24 * _HOUR):.1f} d"


def rfc3339(value: datetime) -> str:
    """A moment as a ``<time datetime>`` carries it, for the page to count on (board.js)."""
    return f"{value.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
