"""The threshold page: its figure written plainly, its instrument and standing, its source, its instrument's status
timeline, its history (tightened, loosened), the documents that mention it, and who may see it."""

import datetime
import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from registry import reviewing
from tests import factories
from tests.tracker import factories as tracker_factories

pytestmark = pytest.mark.django_db

NOV_2 = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def _page(client, threshold) -> str:
    response = client.get(threshold.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_it_writes_every_condition_with_its_quantity(client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), ("developer_revenue_usd", ">", 5e8))
    assert "more than 10^26 FLOP of training compute AND more than $500 million of developer annual revenue" in _page(
        client, threshold
    )


def test_a_lab_frameworks_threshold_says_it_has_no_jurisdiction(client):
    framework = factories.instrument(
        kind="framework", status="voluntary", jurisdiction=None, effective_on=None, issuer="A test lab"
    )
    page = _page(client, factories.threshold(("training_compute_flop", ">", 1e26), instrument_=framework))
    assert "None: issued by A test lab for itself" in page


def test_it_links_its_instrument_and_names_the_jurisdiction(client):
    act = factories.instrument(title="Frontier Model Act", jurisdiction=factories.jurisdiction("GB", "United Kingdom"))
    page = _page(client, factories.threshold(("training_compute_flop", ">", 1e26), instrument_=act))
    assert f'<a href="{act.get_absolute_url()}">Frontier Model Act</a>' in page
    assert "United Kingdom (GB)" in page


def test_it_says_it_is_not_in_force_while_its_bill_is_proposed(client):
    bill = factories.instrument(kind="bill", status="proposed", effective_on=None)
    page = _page(client, factories.threshold(("training_compute_flop", ">", 1e26), instrument_=bill))
    assert '<span class="not-in-force">No</span>: proposed' in page


def test_it_says_since_when_it_is_in_force(client):
    act = factories.instrument(status="in_force", effective_on=datetime.date(2024, 8, 1))
    page = _page(client, factories.threshold(("training_compute_flop", ">", 1e26), instrument_=act))
    assert '<span class="in-force">Yes</span>: in force since 1 Aug 2024' in page


def test_it_shows_what_it_triggers_its_domain_and_challenges(client):
    threshold = factories.threshold(
        ("training_compute_flop", ">", 1e26), obligations="Publish a safety plan before release.", domain="bio"
    )
    threshold.challenges.set(["human_misuse"])
    page = _page(client, threshold)
    assert "Publish a safety plan before release." in page
    assert "Biological" in page
    assert ">Human misuse</a>" in page


def test_it_shows_the_source_passage_locator_and_address(client):
    act = factories.instrument(short_name="Frontier Act")
    threshold = factories.threshold(
        ("training_compute_flop", ">", 1e26),
        instrument_=act,
        locator="Section 4(b)",
        source_url="https://laws.example.org/frontier-act#s4",
    )
    page = _page(client, threshold)
    assert "Section 4(b) of Frontier Act" in page
    assert '<a href="https://laws.example.org/frontier-act#s4" rel="noopener">' in page


def test_a_threshold_found_in_a_document_quotes_the_sentence_it_was_read_in(client):
    threshold = factories.threshold(("training_compute_flop", ">", 4e25), origin="document")
    document = tracker_factories.document(title="Consultation on model registration", first_seen_at=NOV_2)
    tracker_factories.mention(document=document, threshold=threshold, text="4 × 10^25 FLOP", value=4e25)
    page = _page(client, threshold)
    assert "Consultation on model registration</a>:" in page
    assert "<blockquote>Developers of models above 4 × 10^25 FLOP must report.</blockquote>" in page


def test_it_shows_its_instruments_status_timeline_with_dates(client):
    act = factories.instrument(status="proposed", effective_on=None)
    act.change_status("adopted", on=datetime.date(2026, 3, 5), note="Signed into law")
    page = _page(client, factories.threshold(("training_compute_flop", ">", 1e26), instrument_=act))
    assert '<time datetime="2026-03-05">5 Mar 2026</time></td><td>Adopted</td><td>Signed into law</td>' in page


def _change_figure(threshold, value):
    factories.backdate_history(threshold)
    condition = threshold.conditions.get()
    condition.value = value
    condition.save()


def test_a_lower_figure_appears_in_the_history_as_tightened(client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    _change_figure(threshold, 1e25)
    page = _page(client, threshold)
    assert (
        '<strong class="effect tightened">Tightened</strong>: '
        "more than 10^26 FLOP of training compute → more than 10^25 FLOP of training compute"
    ) in page


def test_a_higher_figure_appears_in_the_history_as_loosened(client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e25))
    _change_figure(threshold, 1e26)
    assert '<strong class="effect loosened">Loosened</strong>' in _page(client, threshold)


def test_the_history_starts_with_the_threshold_published_and_dated(client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    factories.backdate_history(threshold, days=30)
    first = timezone.localtime(threshold.history.earliest().history_date)
    assert f'{first:%-d %b %Y}</time> · <strong class="effect new">New</strong>: Published' in _page(client, threshold)


def test_a_change_of_obligations_is_listed_with_the_figure_unchanged(client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), obligations="Notify the regulator.")
    factories.backdate_history(threshold)
    threshold.obligations = "Notify the regulator and publish a safety plan."
    threshold.save()
    page = _page(client, threshold)
    assert '<strong class="effect unchanged">Figure unchanged</strong>: Changed: Obligations' in page
    assert "Obligations: Notify the regulator. → Notify the regulator and publish a safety plan." in page


@pytest.fixture
def reviewed(reviewer, editor):
    """A candidate an editor annotated and changed, that a reviewer rejected, sent back and approved."""
    threshold = factories.threshold(("training_compute_flop", ">", 1e25), review_status="candidate")
    factories.backdate_history(threshold, days=5)
    threshold.notes = "Staff only: the lab disputes the figure"
    threshold._history_user, threshold._change_reason = editor, "Staff only: after a call with the lab"
    threshold.save()
    reviewing.reject(threshold=threshold, reviewer=reviewer, note="Staff only: figure unclear")
    reviewing.send_back(threshold=threshold, reviewer=reviewer, note="Staff only: second look")
    condition = threshold.conditions.get()
    condition.value = 1e24
    condition._history_user = editor
    condition.save()
    reviewing.approve(threshold=threshold, reviewer=reviewer, note="Staff only: checked")
    return threshold


def test_the_public_page_shows_no_internal_note_reviewer_or_reason(client, reviewed):
    page = _page(client, reviewed)
    for secret in ("Staff only", "reviewer", "editor", "Rejected"):
        assert secret not in page
    assert '<strong class="effect tightened">Tightened</strong>' in page


def test_staff_who_may_view_thresholds_see_who_changed_it_and_why(client, reviewed, editor):
    client.force_login(editor)
    page = _page(client, reviewed)
    assert "by editor: Staff only: after a call with the lab" in page
    assert "Staff note (not public): Staff only: the lab disputes the figure" in page


@pytest.mark.parametrize("status", ["candidate", "in_review", "rejected"])
def test_an_unreviewed_threshold_is_not_found_by_visitors(client, status):
    threshold = factories.threshold(("training_compute_flop", ">", 3e25), review_status=status)
    assert client.get(threshold.get_absolute_url()).status_code == 404


def test_staff_without_the_view_permission_do_not_find_an_unreviewed_threshold(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    client.force_login(clerk)
    threshold = factories.threshold(("training_compute_flop", ">", 3e25), review_status="in_review")
    assert client.get(threshold.get_absolute_url()).status_code == 404


def test_staff_see_an_unreviewed_threshold_under_a_not_public_banner(client, editor):
    client.force_login(editor)
    threshold = factories.threshold(("training_compute_flop", ">", 3e25), review_status="in_review")
    assert "<strong>In review — not public.</strong>" in _page(client, threshold)


def test_an_approved_threshold_has_no_banner(client, editor):
    client.force_login(editor)
    assert "not public" not in _page(client, factories.threshold(("training_compute_flop", ">", 1e26)))


def test_a_candidate_with_no_instrument_shows_to_staff(client, editor):
    client.force_login(editor)
    threshold = factories.threshold(("training_cost_usd", ">", 1e8), instrument_=None, review_status="candidate")
    assert "No instrument yet" in _page(client, threshold)


def test_an_unknown_threshold_is_not_found(client):
    assert client.get("/thresholds/no-such-threshold/").status_code == 404
    assert client.get("/thresholds/not a slug!/").status_code == 404


def test_it_lists_the_documents_that_mention_its_figure_newest_first(client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    older = tracker_factories.document(title="Older notice", first_seen_at=NOV_2 - datetime.timedelta(days=9))
    newer = tracker_factories.document(title="Newer notice", first_seen_at=NOV_2)
    unrelated = tracker_factories.document(title="Notice about another figure", first_seen_at=NOV_2)
    tracker_factories.mention(document=older, threshold=threshold)
    tracker_factories.mention(document=newer, threshold=threshold, text="10^26 operations")
    tracker_factories.mention(document=unrelated, threshold=factories.threshold(("training_compute_flop", ">", 1e25)))
    page = _page(client, threshold)
    assert page.index("Newer notice") < page.index("Older notice")
    assert f'<a href="/documents/{newer.pk}/">Newer notice</a>' in page
    assert "mentions “10^26 operations”" in page
    assert "Notice about another figure" not in page


def test_it_lists_ten_related_documents_and_links_to_a_search_for_more(client):
    act = factories.instrument(short_name="Frontier Act")
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), instrument_=act)
    for day in range(12):
        document = tracker_factories.document(title=f"Notice {day}", first_seen_at=NOV_2 + datetime.timedelta(days=day))
        tracker_factories.mention(document=document, threshold=threshold)
    page = _page(client, threshold)
    assert len(re.findall(r'<a href="/documents/\d+/">', page)) == 10
    assert "Notice 11" in page and "Notice 1<" not in page
    assert '<a href="/documents/?q=Frontier+Act">Search every document for “Frontier Act”</a>' in page


def test_it_says_so_when_no_document_mentions_it(client):
    page = _page(client, factories.threshold(("training_compute_flop", ">", 1e26)))
    assert "No tracked document mentions this figure yet." in page


def test_it_links_its_json_in_the_api(client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    page = _page(client, threshold)
    assert f'<a href="/api/v1/thresholds/{threshold.pk}/">This threshold as JSON</a>' in page
    assert client.get(f"/api/v1/thresholds/{threshold.pk}/").json()["slug"] == threshold.slug


def test_the_page_has_no_inline_script_or_style(client):
    page = _page(client, factories.threshold(("training_compute_flop", ">", 1e26)))
    assert "<script" not in page and "<style" not in page and "style=" not in page


def test_its_query_count_does_not_grow_with_documents_or_figure_changes(client, django_assert_max_num_queries, editor):
    editor.user_permissions.add(Permission.objects.get(codename="view_instrument"))
    act = factories.instrument()
    act.change_status("adopted", on=datetime.date(2026, 3, 5))
    threshold = factories.threshold(
        ("training_compute_flop", ">", 1e26), ("training_cost_usd", ">", 1e8), instrument_=act
    )
    threshold.challenges.set(["alignment", "human_misuse"])
    for day in range(15):
        document = tracker_factories.document(title=f"Notice {day}", first_seen_at=NOV_2 + datetime.timedelta(days=day))
        tracker_factories.mention(document=document, threshold=threshold)
    factories.backdate_history(threshold)
    for value in (1e25, 3e25, 2e25):
        condition = threshold.conditions.get(metric="training_compute_flop")
        condition.value = value
        condition.save()
    # Each version of the threshold after its first costs two queries (registry.history compares its challenges);
    # the compute chart four (models, thresholds, their conditions, their jurisdictions).
    with django_assert_max_num_queries(14):
        _page(client, threshold)
    client.force_login(editor)
    with django_assert_max_num_queries(18):  # and the session, the user and the permissions
        _page(client, threshold)


def test_it_leads_to_the_documents_about_its_instruments_other_figures(client):
    act = factories.instrument(short_name="Frontier Act")
    page = _page(client, factories.threshold(("training_compute_flop", ">", 1e26), instrument_=act))
    assert f'<a href="{act.get_absolute_url()}#related-documents">on its page</a>' in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_a_phone_the_page_is_no_wider_than_the_screen(page, live_server):
    act = factories.instrument(short_name="Frontier Act", source_url=f"https://laws.example.org/{'very-long-' * 20}")
    threshold = factories.threshold(
        ("training_compute_flop", ">", 1e26), ("developer_revenue_usd", ">", 5e8), instrument_=act
    )
    act.change_status("in_force", on=datetime.date(2026, 1, 1), note="Applies from the new year")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(threshold.get_absolute_url())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("link", name=act.title).click()
    page.wait_for_selector(f"h1:has-text('{act.title}')")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.failed == []
