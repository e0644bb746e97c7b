"""Browser fixtures (a pytest plugin, ``-p tests.browser`` in pyproject.toml): Debian's
Chromium driven by Playwright for Python against pytest-django's ``live_server``.

Tests marked ``browser`` get ``page`` (a fresh browser context per test) and ``page_errors``
(every uncaught JavaScript error and ``console.error`` of that page). Playwright's own browser
download cannot work here, so the browser is ``/usr/bin/chromium`` (``BROWSER_EXECUTABLE``);
without it the tests are skipped, unless ``REQUIRE_BROWSER=1`` (set by ``.ci/run``, which
installs the package) makes that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

EXECUTABLE = os.environ.get("BROWSER_EXECUTABLE", "/usr/bin/chromium")
#: Where a failed browser test leaves its last screen (CI keeps the folder).
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "var/screenshots"))


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if not (os.path.exists(EXECUTABLE) or shutil.which(EXECUTABLE)):
        return f"no browser at {EXECUTABLE} (apt-get install -y chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _browser_missing()
    if reason is None or os.environ.get("REQUIRE_BROWSER") == "1":
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing()
    if reason:
        pytest.fail(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety check would refuse them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=EXECUTABLE, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def page_errors() -> list[str]:
    return []


@pytest.fixture
def page(request, browser, live_server, page_errors):
    """A page in a new context (no cookies or storage from other tests), 1280 x 900;
    ``page.set_viewport_size({"width": 390, "height": 844})`` for a phone."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.append(f"pageerror: {error}"))
    page.on(
        "console",
        lambda message: (
            page_errors.append(f"console.error: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    yield page
    if getattr(request.node, "browser_call_failed", False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        shot = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot of the failed step: {shot}")  # noqa: T201 (shown with the failure)
    context.close()
