"""Items become documents: one per real document, a new version when the text changes, sightings per source."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from tests import factories as registry_factories
from tests.tracker import factories
from tracker.ingesting import NEW, UNCHANGED, UPDATED, canonical_url, ingest, upsert_item
from tracker.models import Document, Sighting

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.UTC)


def test_a_new_item_makes_a_document_with_its_first_version():
    source = factories.source()
    document, outcome = upsert_item(source=source, item=factories.item(), now=NOW)
    assert outcome == NEW
    assert document.title == "Notice entry-1"
    assert [v.number for v in document.versions.all()] == [1]
    assert document.process_status == "pending"


def test_the_same_item_again_changes_nothing():
    source = factories.source()
    upsert_item(source=source, item=factories.item(), now=NOW)
    document, outcome = upsert_item(source=source, item=factories.item(), now=NOW)
    assert outcome == UNCHANGED
    assert document.versions.count() == 1
    assert Document.objects.count() == 1


def test_changed_text_makes_a_new_version_and_queues_processing_again():
    source = factories.source()
    first, _ = upsert_item(source=source, item=factories.item(), now=NOW)
    Document.objects.filter(pk=first.pk).update(process_status="done")
    changed = factories.item(text=factories.LONG_TEXT + " The comment period is extended to 60 days.")
    document, outcome = upsert_item(source=source, item=changed, now=NOW)
    assert outcome == UPDATED
    assert [v.number for v in document.versions.all()] == [2, 1]
    assert document.text.endswith("extended to 60 days.")
    assert document.process_status == "pending"


def test_whitespace_and_case_changes_are_not_a_new_version():
    source = factories.source()
    upsert_item(source=source, item=factories.item(), now=NOW)
    _, outcome = upsert_item(source=source, item=factories.item(text="  " + factories.LONG_TEXT.upper()), now=NOW)
    assert outcome == UNCHANGED


def test_the_same_document_through_two_sources_is_one_document_with_two_sightings():
    feed, agency = factories.source(), factories.source(kind="html")
    one, _ = upsert_item(
        source=feed, item=factories.item("guid-123", url="https://agency.example.gov/notice?utm_source=rss")
    )
    two, outcome = upsert_item(source=agency, item=factories.item("page", url="https://agency.example.gov/notice/"))
    assert one == two
    assert outcome == UNCHANGED
    assert Sighting.objects.filter(document=one).count() == 2


def test_a_regenerated_guid_with_the_same_text_is_the_same_document():
    source = factories.source()
    one, _ = upsert_item(source=source, item=factories.item("guid-a", url="https://a.example.org/x"))
    two, _ = upsert_item(source=source, item=factories.item("guid-b", url="https://b.example.org/y"))
    assert one == two


def test_published_date_falls_back_to_updated_then_first_seen():
    source = factories.source()
    updated = datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC)
    a, _ = upsert_item(
        source=source, item=factories.item("a", published=None, updated=updated, text="A " * 150), now=NOW
    )
    b, _ = upsert_item(source=source, item=factories.item("b", published=None, text="B " * 150), now=NOW)
    assert a.published_at == updated
    assert b.published_at == NOW


def test_source_keywords_keep_only_matching_items():
    source = factories.source(keywords="artificial intelligence, AI")
    report = ingest(
        source=source,
        items=[
            factories.item("1", title="New AI safety institute", text="x " * 120),
            factories.item("2", title="Fisheries quota update", text="The quota was said to rise. " * 10),
        ],
    )
    assert (report.new, [d.title for d in Document.objects.all()]) == (1, ["New AI safety institute"])


def test_canonical_url_drops_tracking_fragment_and_trailing_slash():
    assert canonical_url("HTTPS://Example.org:443/a/b/?utm_source=x&id=7#top") == "https://example.org/a/b?id=7"


def test_nul_characters_are_dropped_from_every_stored_field():
    source = factories.source(kind="html")
    item = factories.item(
        "page\x00-1",
        title="Guidance\x00 on model audits",
        text=factories.LONG_TEXT + "\x00",
        summary="Short\x00 summary",
        extra={"site\x00": ["Audit\x00 office"]},
    )
    report = ingest(source=source, items=[item], now=NOW)
    assert (report.new, report.rejected) == (1, [])
    document = Document.objects.get()
    assert (document.title, document.summary, document.extra) == (
        "Guidance on model audits",
        "Short summary",
        {"site": ["Audit office"]},
    )
    assert "\x00" not in document.text
    assert Sighting.objects.get().external_id == "page-1"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,hello", "//news.example.org/x", "ftp://x.org/a"]
)
def test_an_item_whose_address_is_not_http_is_rejected_and_the_rest_stored(url):
    source = factories.source()
    report = ingest(source=source, items=[factories.item("bad", url=url), factories.item("good")], now=NOW)
    assert report.new == 1
    assert report.rejected == [f"bad: its address {url!r} is not an http or https URL"]
    assert list(Document.objects.values_list("url", flat=True)) == ["https://news.example.org/good"]


def test_the_database_refuses_a_document_whose_address_is_not_http():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.document(first_seen_at=NOW, url="javascript:alert(1)")


def test_a_known_document_takes_the_jurisdiction_of_the_first_source_with_one_that_sees_it():
    us = registry_factories.jurisdiction("US", "United States (federal)")
    ingest(source=factories.source(), items=[factories.item("notice")])
    assert Document.objects.get().jurisdiction is None

    ingest(source=factories.source(jurisdiction=us), items=[factories.item("notice")])

    assert Document.objects.get().jurisdiction == us


def test_one_item_at_a_time_gives_the_jurisdiction_too():
    gb = registry_factories.jurisdiction("GB", "United Kingdom")
    upsert_item(source=factories.source(), item=factories.item("notice"))

    document, outcome = upsert_item(source=factories.source(jurisdiction=gb), item=factories.item("notice"))

    assert outcome == UNCHANGED
    document.refresh_from_db()
    assert document.jurisdiction == gb


def test_a_jurisdiction_a_person_set_is_kept():
    eu, us = registry_factories.jurisdiction("EU"), registry_factories.jurisdiction("US", "United States (federal)")
    ingest(source=factories.source(), items=[factories.item("notice")])
    Document.objects.update(jurisdiction=eu)

    ingest(source=factories.source(jurisdiction=us), items=[factories.item("notice")])

    assert Document.objects.get().jurisdiction == eu


def test_a_new_item_keeps_its_comment_deadline():
    item = factories.item(comments_close_on=datetime.date(2026, 12, 15))

    document, _ = upsert_item(source=factories.source(), item=item, now=NOW)

    document.refresh_from_db()
    assert document.comments_close_on == datetime.date(2026, 12, 15)


@pytest.mark.parametrize("one_at_a_time", [True, False])
def test_an_extended_comment_period_moves_the_deadline_with_the_text_unchanged(one_at_a_time):
    source = factories.source()
    upsert_item(source=source, item=factories.item(comments_close_on=datetime.date(2026, 12, 15)), now=NOW)
    extended = factories.item(comments_close_on=datetime.date(2027, 1, 15))

    if one_at_a_time:
        assert upsert_item(source=source, item=extended, now=NOW)[1] == UNCHANGED
    else:
        assert ingest(source=source, items=[extended], now=NOW).unchanged == 1

    assert Document.objects.get().comments_close_on == datetime.date(2027, 1, 15)


def test_a_sighting_without_a_deadline_keeps_the_one_stored():
    upsert_item(source=factories.source(), item=factories.item(comments_close_on=datetime.date(2026, 12, 15)), now=NOW)

    ingest(source=factories.source(), items=[factories.item()], now=NOW)

    assert Document.objects.get().comments_close_on == datetime.date(2026, 12, 15)
