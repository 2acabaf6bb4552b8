"""Browser fixtures: Debian's Chromium driven by Playwright against the app served by pytest-django's live server on
127.0.0.1.

Without /usr/bin/chromium the browser tests are skipped with a reason, unless REQUIRE_BROWSER=1 (CI sets it), which
turns a missing browser into a failure."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, which Django's guard against database calls
    # from async code mistakes the tests' own (synchronous) queries for. Only while this module runs: processes the
    # other tests start (manage.py check --deploy, Celery workers) must not inherit it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, live_server):
    """A fresh page that records every address it asks for."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.requested, page.failed = [], []
    page.on("request", lambda request: page.requested.append(request.url))
    page.on("requestfailed", lambda request: page.failed.append((request.url, request.failure)))
    yield page
    context.close()


def elsewhere(page, live_server):
    """Requests that left for any host but the live server: data: and blob: URLs stay in the page, and a request
    the page's Content-Security-Policy refused never reached the network."""
    ours = urlsplit(live_server.url).netloc
    refused = {url for url, failure in page.failed if failure == "csp"}
    return [
        url for url in page.requested if url.startswith("http") and urlsplit(url).netloc != ours and url not in refused
    ]
