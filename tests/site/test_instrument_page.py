"""The instrument page: what it is, its key dates and status timeline, its thresholds (approved ones for visitors),
the documents that mention its figures, and its API link."""

import datetime
import re

import pytest

from tests import factories
from tests.tracker import factories as tracker_factories

pytestmark = pytest.mark.django_db

NOV_2 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def _page(client, instrument) -> str:
    response = client.get(instrument.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_it_shows_kind_issuer_jurisdiction_summary_and_source(client):
    act = factories.instrument(
        kind="regulation",
        title="Rules on frontier model registration",
        issuer="A test ministry",
        summary="Developers register large models before release.",
        source_url="https://laws.example.org/registration",
        jurisdiction=factories.jurisdiction("GB", "United Kingdom"),
    )
    page = _page(client, act)
    assert "<h1>Rules on frontier model registration</h1>" in page
    for text in ("Regulation", "A test ministry", "United Kingdom (GB)", "Developers register large models"):
        assert text in page
    assert '<a href="https://laws.example.org/registration" rel="noopener">' in page


def test_a_lab_framework_says_it_has_no_jurisdiction(client):
    framework = factories.instrument(
        kind="framework", status="voluntary", jurisdiction=None, effective_on=None, issuer="A test lab"
    )
    assert "None: issued by A test lab for itself" in _page(client, framework)


def test_it_says_whether_it_applies_today(client):
    bill = factories.instrument(kind="bill", status="proposed", effective_on=None)
    act = factories.instrument(status="in_force", effective_on=datetime.date(2024, 8, 1))
    assert '<span class="not-in-force">does not apply today</span> (proposed)' in _page(client, bill)
    assert '<span class="in-force">applies today</span> (in force since 1 Aug 2024)' in _page(client, act)


def test_it_links_the_instrument_it_replaces_and_the_one_that_replaced_it(client):
    old = factories.instrument(short_name="Old Act")
    new = factories.instrument(short_name="New Act", supersedes=old)
    assert f'<dt>Replaces</dt><dd><a href="{old.get_absolute_url()}">Old Act</a>' in _page(client, new)
    assert f'<dt>Replaced by</dt><dd><a href="{new.get_absolute_url()}">New Act</a>' in _page(client, old)


def test_it_lists_its_key_dates(client):
    act = factories.instrument(adopted_on=datetime.date(2025, 9, 29), effective_on=datetime.date(2026, 1, 1))
    page = _page(client, act)
    assert '<dt>Adopted</dt><dd><time datetime="2025-09-29">29 Sep 2025</time>' in page
    assert '<dt>Applies from</dt><dd><time datetime="2026-01-01">1 Jan 2026</time>' in page


def test_it_shows_its_status_timeline_with_dates_and_notes(client):
    bill = factories.instrument(kind="bill", status="proposed", effective_on=None)
    bill.change_status("proposed", on=datetime.date(2026, 2, 1), note="Introduced")
    bill.change_status("vetoed", on=datetime.date(2026, 9, 30), note="Vetoed by the governor")
    page = _page(client, bill)
    assert page.index("Introduced") < page.index("Vetoed by the governor")
    assert '<time datetime="2026-09-30">30 Sep 2026</time></td><td>Vetoed</td>' in page


def test_it_lists_its_approved_thresholds_with_their_figures(client):
    act = factories.instrument()
    factories.threshold(("training_compute_flop", ">", 1e26), instrument_=act, name="Covered model")
    page = _page(client, act)
    assert ">Covered model</a>" in page
    assert "more than 10^26 FLOP of training compute" in page


def test_visitors_do_not_see_its_thresholds_in_review(client):
    act = factories.instrument()
    factories.threshold(("training_compute_flop", ">", 3e25), instrument_=act, review_status="in_review", name="Draft")
    page = _page(client, act)
    assert "Draft" not in page
    assert "This instrument defines no approved threshold." in page


def test_staff_see_its_thresholds_in_review_marked_not_public(client, editor):
    client.force_login(editor)
    act = factories.instrument()
    factories.threshold(("training_compute_flop", ">", 3e25), instrument_=act, review_status="in_review", name="Draft")
    page = _page(client, act)
    assert '>Draft</a> <span class="tag">in review, not public</span>' in page


def test_it_lists_documents_that_mention_any_of_its_thresholds_newest_first(client):
    act = factories.instrument()
    compute = factories.threshold(("training_compute_flop", ">", 1e26), instrument_=act)
    revenue = factories.threshold(("developer_revenue_usd", ">", 5e8), instrument_=act)
    older = tracker_factories.document(title="Notice on compute", first_seen_at=NOV_2 - datetime.timedelta(days=3))
    newer = tracker_factories.document(title="Notice on revenue", first_seen_at=NOV_2)
    elsewhere = tracker_factories.document(title="Notice on another act", first_seen_at=NOV_2)
    tracker_factories.mention(document=older, threshold=compute)
    tracker_factories.mention(
        document=newer, threshold=revenue, metric="developer_revenue_usd", value=5e8, text="$500 million"
    )
    tracker_factories.mention(document=elsewhere, threshold=factories.threshold(("training_compute_flop", ">", 1e25)))
    page = _page(client, act)
    assert page.index("Notice on revenue") < page.index("Notice on compute")
    assert "mentions “$500 million”" in page
    assert "Notice on another act" not in page


def test_visitors_do_not_see_documents_linked_only_to_a_threshold_in_review(client):
    act = factories.instrument()
    draft = factories.threshold(("training_compute_flop", ">", 3e25), instrument_=act, review_status="in_review")
    document = tracker_factories.document(title="Notice on the draft figure", first_seen_at=NOV_2)
    tracker_factories.mention(document=document, threshold=draft)
    assert "Notice on the draft figure" not in _page(client, act)


def test_it_lists_ten_related_documents_and_links_to_a_search_by_its_short_name(client):
    act = factories.instrument(short_name="RAISE Act")
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), instrument_=act)
    for day in range(11):
        document = tracker_factories.document(title=f"Notice {day}", first_seen_at=NOV_2 + datetime.timedelta(days=day))
        tracker_factories.mention(document=document, threshold=threshold)
    page = _page(client, act)
    assert len(re.findall(r'<a href="/documents/\d+/">', page)) == 10
    assert "Only the 10 newest are listed here." in page
    assert '<a href="/documents/?q=RAISE+Act">Search every document for “RAISE Act”</a>' in page


def test_it_links_its_json_in_the_api(client):
    act = factories.instrument()
    assert f'<a href="/api/v1/instruments/{act.pk}/">This instrument as JSON</a>' in _page(client, act)
    assert client.get(f"/api/v1/instruments/{act.pk}/").json()["slug"] == act.slug


def test_an_unknown_instrument_is_not_found(client):
    assert client.get("/instruments/no-such-act/").status_code == 404


def test_the_page_has_no_inline_script_or_style(client):
    page = _page(client, factories.instrument())
    assert "<script" not in page and "<style" not in page and "style=" not in page


def test_its_query_count_does_not_grow_with_thresholds_documents_or_timeline(client, django_assert_max_num_queries):
    act = factories.instrument(status="proposed", effective_on=None)
    act.challenges.set(["alignment", "natural_selection"])
    factories.instrument(supersedes=act)
    for day in range(1, 6):
        act.change_status("proposed", on=datetime.date(2026, 1, day), note=f"Step {day}")
    for n in range(8):
        threshold = factories.threshold(
            ("training_compute_flop", ">", 10 ** (20 + n)), ("training_cost_usd", ">", 1e8), instrument_=act
        )
        threshold.challenges.set(["alignment"])
        document = tracker_factories.document(title=f"Notice {n}", first_seen_at=NOV_2 + datetime.timedelta(days=n))
        tracker_factories.mention(document=document, threshold=threshold)
    with django_assert_max_num_queries(7):
        page = _page(client, act)
    assert page.count("more than $100 million of training compute cost") == 8


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_a_phone_the_page_is_no_wider_than_the_screen(page, live_server):
    act = factories.instrument(title=f"An act with a {'verylongword' * 8} in its title")
    for n in range(3):
        factories.threshold(
            ("training_compute_flop", ">", 10 ** (24 + n)), ("training_cost_usd", ">", 1e8), instrument_=act
        )
    act.change_status("in_force", on=datetime.date(2026, 1, 1), note="Applies from the new year, after a long wait")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(act.get_absolute_url())
    assert "more than 10^26 FLOP of training compute" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.failed == []
