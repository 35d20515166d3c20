from __future__ import annotations

from servicekit import distribution


def test_installed_package_reports_its_version_and_summary() -> None:
    assert distribution.version("servicekit") == "0.1.0"
    summary = distribution.summary("servicekit")
    assert summary is not None
    assert summary.startswith("Plumbing shared by the services")


def test_missing_package_reports_nothing() -> None:
    assert distribution.version("no-such-distribution") is None
    assert distribution.summary("no-such-distribution") is None
