"""Browser tier: Playwright for Python driving Debian's Chromium (never a downloaded one)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tools.platformkit.chromium import CHROMIUM, CHROMIUM_ARGS


# Module scope: Playwright's sync API keeps an event loop running in the main
# thread, which would break asyncio.run() in every later test of the session.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A Chromium launched from the distribution's binary."""
    if not CHROMIUM.is_file():
        msg = f"browser tier needs {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {msg}", pytrace=False)
        pytest.skip(f"BROWSER TIER SKIPPED: {msg}")
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when Chromium exists

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()
