"""RED metrics: labels stay bounded whatever clients send."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from servicekit.http_metrics import HttpMetrics


def _text(metrics: HttpMetrics) -> str:
    return generate_latest(metrics.registry).decode()


def test_invented_methods_share_one_label() -> None:
    metrics = HttpMetrics(CollectorRegistry())
    metrics.observe("none", "GET", 404, 0.001)
    baseline = len(_text(metrics))
    for n in range(300):
        metrics.observe("none", f"INVENTED{n}", 405, 0.001)
        metrics.observe("none", f"X-{n}", 405, 0.001)
    text = _text(metrics)
    assert 'http_requests_total{handler="none",method="other",status="405"} 600.0' in text
    assert "INVENTED" not in text
    # One new label set (method="other", status 405), whatever the count of methods.
    assert len(text) < baseline * 2.5


def test_standard_methods_keep_their_name() -> None:
    metrics = HttpMetrics(CollectorRegistry())
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        metrics.observe("/x", method, 200, 0.002)
    text = _text(metrics)
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        assert f'http_requests_total{{handler="/x",method="{method}",status="200"}} 1.0' in text


def test_excluded_handlers_are_not_recorded() -> None:
    metrics = HttpMetrics(CollectorRegistry(), excluded=["/metrics", "/events"])
    metrics.observe("/events", "GET", 200, 30.0)
    metrics.observe("/metrics", "GET", 200, 0.01)
    assert 'handler="/events"' not in _text(metrics)
    assert 'handler="/metrics"' not in _text(metrics)


def test_duration_lands_in_the_right_bucket() -> None:
    metrics = HttpMetrics(CollectorRegistry())
    metrics.observe("/x", "GET", 200, 0.0007)
    text = _text(metrics)
    assert 'http_request_duration_seconds_bucket{handler="/x",le="0.0005",method="GET"} 0.0' in text
    assert 'http_request_duration_seconds_bucket{handler="/x",le="0.001",method="GET"} 1.0' in text
