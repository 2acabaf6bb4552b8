"""The site, the API docs and the subscription flow in headless Chromium (Debian's, driven by Playwright), against
the app served by pytest-django's live server on 127.0.0.1.

Without /usr/bin/chromium these tests are skipped with a reason, unless REQUIRE_BROWSER=1 (CI sets it), which
turns a missing browser into a failure."""

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tests import factories

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))

# The live server reads the database from its own thread, so each test commits; serialized_rollback puts back what
# the migrations made (the three challenges) after each test empties the tables.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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


def _elsewhere(page, live_server):
    """Requests that left for any host but the live server: data: and blob: URLs stay in the page, and a request
    the page's Content-Security-Policy refused never reached the network."""
    ours = urlsplit(live_server.url).netloc
    refused = {url for url, failure in page.failed if failure == "csp"}
    return [
        url for url in page.requested if url.startswith("http") and urlsplit(url).netloc != ours and url not in refused
    ]


def test_swagger_ui_shows_the_api_with_nothing_from_a_cdn(page, live_server):
    page.goto("/api/docs/")
    page.wait_for_selector("text=/api/v1/thresholds/", timeout=20_000)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/documents/").count() >= 1
    assert "AI Governance Tracker API" in page.inner_text("body")
    assert _elsewhere(page, live_server) == []


def test_redoc_shows_the_api_with_nothing_from_a_cdn(page, live_server):
    page.goto("/api/redoc/")
    page.wait_for_selector("h1:has-text('AI Governance Tracker API')", timeout=20_000)
    assert "evaluate" in page.inner_text("body").lower()
    assert _elsewhere(page, live_server) == []


def test_the_home_page_lists_approved_thresholds_and_leads_to_one(page, live_server):
    law = factories.instrument(slug="frontier-act", short_name="Frontier Act", title="Frontier Model Act")
    factories.threshold(("training_compute_flop", ">", 1e26), instrument_=law, name="Covered frontier model")
    factories.threshold(("training_compute_flop", ">", 1e20), review_status="candidate", name="Unreviewed figure")
    page.goto("/")
    row = page.locator("tr", has_text="Covered frontier model")
    assert "more than 10^26 FLOP of training compute" in row.inner_text()
    assert "Unreviewed figure" not in page.inner_text("body")
    row.get_by_role("link", name="Covered frontier model").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().startswith("Covered frontier model")
    assert "Frontier" in page.inner_text("body")


def test_subscribing_from_the_site_then_confirming_from_the_email(page, live_server, settings, inline_tasks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = live_server.url
    page.goto("/subscriptions/")
    page.fill("input[name=email]", "analyst@example.org")
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Check your inbox')")
    [message] = mail.outbox
    assert message.to == ["analyst@example.org"]
    link = re.search(r"https?://\S+/subscriptions/confirm/\S+/", message.body).group(0)
    page.goto(urlsplit(link).path)
    page.click("button[type=submit]")  # a GET only shows the button: mail scanners open links
    page.wait_for_selector("h1:has-text('You are subscribed')")
    assert "analyst@example.org" in page.inner_text("body")
