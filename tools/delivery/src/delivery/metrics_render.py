"""The four keys' report as text (a terminal), Markdown (a job summary) or JSON."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from delivery.records import format_time
from delivery.report import EnvironmentMetrics, Report

_KEYS = (
    ("frequency", "deployment frequency"),
    ("lead_time", "lead time for changes"),
    ("failure_rate", "change failure rate"),
    ("restore", "time to restore"),
)


def duration(seconds: float | None) -> str:
    """Two units at most: a reader compares orders of magnitude, not seconds."""
    if seconds is None:
        return "n/a"
    total = round(seconds)
    for unit, size, smaller, small_size in (
        ("d", 86400, "h", 3600),
        ("h", 3600, "m", 60),
        ("m", 60, "s", 1),
    ):
        if total >= size:
            whole, rest = divmod(total, size)
            part = rest // small_size
            return f"{whole}{unit} {part}{smaller}" if part else f"{whole}{unit}"
    return f"{total}s"


def _days(report: Report) -> float:
    return (report.until - report.since).total_seconds() / 86400


def _figures(metrics: EnvironmentMetrics, days: float) -> dict[str, str]:
    """Each key's figure in words, without its band."""
    lead = (
        "n/a"
        if metrics.lead_time_median_s is None
        else f"median {duration(metrics.lead_time_median_s)}, "
        f"p90 {duration(metrics.lead_time_p90_s)}"
    )
    if metrics.lead_time_unknown:
        lead += f" ({metrics.lead_time_unknown} without source commit)"
    rate = (
        "n/a"
        if metrics.change_failure_rate is None
        else f"{metrics.change_failure_rate:.0%} ({metrics.failures} of {metrics.outcomes})"
    )
    restore = (
        "n/a"
        if metrics.restore_median_s is None
        else f"median {duration(metrics.restore_median_s)}"
    )
    if metrics.open_failures:
        restore += f", {metrics.open_failures} open"
    return {
        "frequency": f"{metrics.per_day:.2f}/day ({metrics.deployments} in {days:g} days)",
        "lead_time": lead,
        "failure_rate": rate,
        "restore": restore,
    }


def _window(report: Report) -> str:
    return f"{format_time(report.since)} to {format_time(report.until)} ({_days(report):g} days)"


def text(report: Report) -> str:
    lines = [f"delivery metrics, {_window(report)}"]
    if not report.environments:
        lines.append("no deployment in the window")
    table = [(metrics, _figures(metrics, _days(report))) for metrics in report.environments]
    # One width for every environment, so the band columns line up down the page.
    width = max((len(f) for _, figures in table for f in figures.values()), default=0)
    for metrics, figures in table:
        lines.append("")
        lines.append(metrics.environment)
        for key, label in _KEYS:
            band = metrics.bands.get(key) or "-"
            lines.append(f"  {label:<22}  {figures[key]:<{width}}  {band}")
        if metrics.unverified:
            lines.append(f"  {'unverified':<22}  {metrics.unverified}")
    lines.append("")
    lines.append(f"bands: {report.bands_source}")
    return "\n".join(lines) + "\n"


def markdown(report: Report) -> str:
    lines = [f"### Delivery metrics: {_window(report)}", ""]
    if not report.environments:
        lines += ["No deployment in the window.", ""]
    else:
        header = ["environment", *(label for _, label in _KEYS), "unverified"]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "---|" * len(header))
        for metrics in report.environments:
            figures = _figures(metrics, _days(report))
            cells = [
                f"{figures[key]} **{metrics.bands.get(key) or '-'}**".replace("|", "\\|")
                for key, _ in _KEYS
            ]
            row = [f"`{metrics.environment}`", *cells, str(metrics.unverified)]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines.append(f"Bands: {report.bands_source}.")
    return "\n".join(lines) + "\n"


def as_json(report: Report) -> dict[str, Any]:
    """Schema ``delivery-metrics/v1``: durations in seconds, times RFC 3339 with Z."""
    return {
        "schema": report.schema,
        "since": format_time(report.since),
        "until": format_time(report.until),
        "bands_source": report.bands_source,
        "environments": [asdict(metrics) for metrics in report.environments],
        # By hand, not asdict: asdict deep-copies, and 10,000 events took half a second.
        "events": [
            {
                "environment": event.environment,
                "at": format_time(event.at),
                "kind": event.kind,
                "promotion": event.promotion,
                "source_sha": event.source_sha,
            }
            for event in report.events
        ],
    }
