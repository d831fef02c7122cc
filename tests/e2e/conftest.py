"""Browser tests: the shared branch (tests/support/stack.py) with the Messenger sandbox, and Debian's headless Chromium driven by Playwright.

`scripts/ensure-chromium` (run by `make test`) installs the `chromium` package when it is missing;
Playwright's own browser download is never used.
"""
from __future__ import annotations

import shutil
from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.support.stack import Stack

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",  # a container's /dev/shm is small
    "--disable-background-networking",  # no calls home: CI may have no route out
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--metrics-recording-only",
    "--no-first-run",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "failed_requests_expected: the page may log failed HTTP requests")


@pytest.fixture(scope="session")
def sandbox(stack: Stack) -> Stack:
    """The shared branch, with the Messenger sandbox and the bank site on its web service."""
    return stack


# Module scope, not session: Playwright's sync API runs an event loop in this thread while it
# lives, and the async tests that follow (pytest-asyncio) need the thread's loop free.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's `chromium` is not installed: run scripts/ensure-chromium (make test does)")
    launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser tab; a script error on the page (or a failed request, unless expected) fails the test."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    errors: List[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield tab
    context.close()
    if request.node.get_closest_marker("failed_requests_expected"):
        errors = [e for e in errors if not e.startswith("Failed to load resource")]
    assert errors == [], f"the page logged errors: {errors}"
