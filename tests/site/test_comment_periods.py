"""The open comment periods page: documents still taking comments, soonest deadline first."""

import datetime

import pytest
from django.utils import timezone

from tests import factories as registry_factories
from tests.site.phone import open_on_a_phone
from tests.tracker import factories

pytestmark = pytest.mark.django_db


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _open_for_comment(title, closes, **fields):
    return factories.document(title=title, first_seen_at=timezone.now(), comments_close_on=closes, **fields)


def _rows(client) -> list[str]:
    html = client.get("/comment-periods/").content.decode()
    body = html.split("<h2>Open now</h2>")[1].split("<h2>")[0]
    return [row.split("</tr>")[0] for row in body.split("<tr>")[2:]]


def test_open_periods_come_soonest_deadline_first_with_the_days_left(client):
    _open_for_comment("Rule on chip exports", _days(20))
    _open_for_comment("Request for information on evaluations", _days(3))

    first, second = _rows(client)

    assert "Request for information on evaluations" in first and "3 days left" in first
    assert "Rule on chip exports" in second and "20 days left" in second


def test_a_period_that_closes_today_is_still_open(client):
    _open_for_comment("Last-day notice", timezone.localdate())

    [row] = _rows(client)

    assert "Last-day notice" in row and "closes today" in row


def test_a_period_that_closed_is_listed_as_recently_closed_not_open(client):
    _open_for_comment("Consultation that ended", _days(-4))

    html = client.get("/comment-periods/").content.decode()

    assert _rows(client) == []
    assert "No comment period tracked here is open today." in html
    closed = html.split("Closed in the last 30 days")[1]
    assert "Consultation that ended" in closed
    assert _days(-4).strftime("%-d %b %Y") in closed


def test_a_period_closed_long_ago_is_not_listed(client):
    _open_for_comment("Consultation from last year", _days(-200))

    assert "Consultation from last year" not in client.get("/comment-periods/").content.decode()


def test_each_row_names_the_agency_and_jurisdiction_and_links_to_the_document_and_the_original(client):
    us = registry_factories.jurisdiction("US", "United States")
    document = _open_for_comment(
        "Rule on chip exports", _days(10), jurisdiction=us, extra={"agencies": ["Industry and Security Bureau"]}
    )

    [row] = _rows(client)

    assert "Industry and Security Bureau" in row
    assert '<abbr title="United States">US</abbr>' in row
    assert f'href="/documents/{document.pk}/"' in row
    assert f'href="{document.url}"' in row


def test_without_agencies_the_source_publisher_is_named(client):
    source = factories.source(name="Agency feed", publisher="Office of Science Policy")
    _open_for_comment("Notice from a feed", _days(5), source=source)

    [row] = _rows(client)

    assert "Office of Science Policy" in row


def test_documents_without_a_deadline_are_not_listed(client):
    factories.document(title="Ordinary press release", first_seen_at=timezone.now())

    assert "Ordinary press release" not in client.get("/comment-periods/").content.decode()


def test_the_page_reads_the_same_few_queries_however_many_periods_are_open(client, django_assert_max_num_queries):
    for n in range(30):
        _open_for_comment(f"Notice {n}", _days(n % 15), extra={"agencies": [f"Agency {n}"]})

    with django_assert_max_num_queries(3):
        response = client.get("/comment-periods/")

    assert response.status_code == 200
    assert len(_rows(client)) == 30


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_page_fits_a_phone_without_errors(page, live_server):
    _open_for_comment(
        "A request for comment whose title runs on and on about reporting obligations for very large training runs",
        _days(7),
        url="https://www.federalregister.gov/documents/2026/11/02/2026-99999/a-very-long-address-that-must-wrap-somewhere",
    )

    seen = open_on_a_phone(page, "/comment-periods/")

    assert seen == {"status": 200, "errors": [], "failed": [], "overflow": 0}
