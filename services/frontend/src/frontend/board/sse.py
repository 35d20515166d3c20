"""Server-sent events framing (the ``text/event-stream`` format, WHATWG HTML 9.2)."""

from __future__ import annotations


def sse_message(event: str, data: str) -> str:
    """One SSE message; every line of a multi-line payload gets its own ``data:`` field."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"
