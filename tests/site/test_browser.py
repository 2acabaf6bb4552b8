"""The site, the API docs and the subscription flow in headless Chromium (fixtures in tests/site/conftest.py)."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from registry.models import Challenge
from tests import factories
from tests.site.conftest import elsewhere

# The live server reads the database from its own thread, so each test commits; serialized_rollback puts back what
# the migrations made (the three challenges) after each test empties the tables.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_swagger_ui_shows_the_api_with_nothing_from_a_cdn(page, live_server):
    page.goto("/api/docs/")
    page.wait_for_selector("text=/api/v1/thresholds/", timeout=20_000)
    assert page.locator(".opblock-summary-path", has_text="/api/v1/documents/").count() >= 1
    assert "AI Governance Tracker API" in page.inner_text("body")
    assert elsewhere(page, live_server) == []


def test_redoc_shows_the_api_with_nothing_from_a_cdn(page, live_server):
    page.goto("/api/redoc/")
    page.wait_for_selector("h1:has-text('AI Governance Tracker API')", timeout=20_000)
    assert "evaluate" in page.inner_text("body").lower()
    assert elsewhere(page, live_server) == []


def test_the_challenges_page_lists_approved_thresholds_and_leads_to_one(page, live_server):
    Challenge.ensure_all()  # what the migrations made may have been emptied by an earlier transactional test
    law = factories.instrument(slug="frontier-act", short_name="Frontier Act", title="Frontier Model Act")
    covered = factories.threshold(("training_compute_flop", ">", 1e26), instrument_=law, name="Covered frontier model")
    unreviewed = factories.threshold(
        ("training_compute_flop", ">", 1e20), review_status="candidate", name="Unreviewed figure"
    )
    covered.challenges.set(["alignment"])
    unreviewed.challenges.set(["alignment"])
    page.goto("/challenges/")
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
