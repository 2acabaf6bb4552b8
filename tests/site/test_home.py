"""The home page: this week at a glance."""

import datetime

import pytest
from django.utils import timezone

from registry.models import Challenge
from tests import factories as registry_factories
from tests.site.phone import open_on_a_phone
from tests.tracker import factories
from tracker.models import DocumentTag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _challenges():
    """The three challenges a migration makes: a transactional test elsewhere in the suite may have emptied them."""
    Challenge.ensure_all()


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def _ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _section(html: str, heading: str) -> str:
    return html.split(f">{heading}</h2>")[1].split("<h2")[0]


def _home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_new_documents_are_listed_under_their_challenge_with_the_line_that_earned_the_tag(client):
    factories.document(
        title="Institute publishes pre-deployment test results",
        first_seen_at=_ago(2),
        tags=[("alignment", "Every frontier model is tested for deception before it is released.")],
    )
    factories.document(
        title="Warning on cloned voices used for fraud",
        first_seen_at=_ago(1),
        tags=[("human_misuse", "Fraudsters imitated a finance director's voice to order payments.")],
    )

    documents = _section(_home(client), "New documents")

    alignment = documents.split("<h3>Alignment</h3>")[1].split("<h3>")[0]
    misuse = documents.split("<h3>Human misuse</h3>")[1].split("<h3>")[0]
    assert "Institute publishes pre-deployment test results" in alignment
    assert "Every frontier model is tested for deception before it is released." in alignment
    assert "Warning on cloned voices used for fraud" in misuse
    assert "finance director&#x27;s voice" in misuse
    assert "No new document about natural selection this week." in documents


def test_documents_first_seen_more_than_a_week_ago_are_not_new(client):
    factories.document(title="Last month's notice", first_seen_at=_ago(30), tags=[("alignment", "Old news.")])

    assert "Last month" not in _home(client)


def test_a_persons_correction_takes_a_document_off_a_challenge(client, admin_user):
    document = factories.document(title="Mislabelled notice", first_seen_at=_ago(1), tags=[("alignment", "A.")])
    DocumentTag.correct(document=document, category="alignment", labelled=False, by=admin_user)

    assert "Mislabelled notice" not in _home(client)


def test_each_challenge_links_to_its_documents(client):
    html = _home(client)

    for challenge in Challenge.objects.all():
        assert f'href="/documents/?challenge={challenge.code}"' in html


def test_effective_dates_and_status_steps_in_the_next_90_days_come_soonest_first(client):
    registry_factories.instrument(short_name="Model Reporting Rule", status="adopted", effective_on=_days(40))
    bill = registry_factories.instrument(short_name="Frontier AI Bill", status="proposed", effective_on=None)
    bill.record_status(on=_days(-100))
    bill.change_status("adopted", on=_days(10))
    registry_factories.instrument(short_name="Distant Rule", status="adopted", effective_on=_days(200))
    registry_factories.instrument(short_name="Old Act", status="in_force", effective_on=_days(-300))

    upcoming = _section(_home(client), "Coming up in the next 90 days")

    assert upcoming.index("Frontier AI Bill") < upcoming.index("Model Reporting Rule")
    assert "Frontier AI Bill</a> (EU) becomes adopted" in upcoming
    assert f"{_days(40):%-d %b %Y}</time>: " in upcoming and "Model Reporting Rule</a> (EU) takes effect" in upcoming
    assert "Distant Rule" not in upcoming
    assert "Old Act" not in upcoming


def test_the_five_comment_periods_closing_soonest_are_shown(client):
    for n in range(7):
        factories.document(title=f"Consultation {n}", first_seen_at=_ago(20), comments_close_on=_days(n + 1))
    factories.document(title="Consultation that closed", first_seen_at=_ago(20), comments_close_on=_days(-1))

    comments = _section(_home(client), "Open comment periods")

    assert [f"Consultation {n}" in comments for n in range(7)] == [True] * 5 + [False] * 2
    assert "closed" not in comments
    assert "1 day left" in comments and "5 days left" in comments
    assert 'href="/comment-periods/"' in comments


def test_the_count_of_thresholds_waiting_for_review_is_shown_but_not_their_names(client):
    registry_factories.threshold(("training_compute_flop", ">", 1e24), review_status="candidate", name="Secret one")
    registry_factories.threshold(("training_compute_flop", ">", 1e23), review_status="in_review", name="Secret two")
    registry_factories.threshold(("training_compute_flop", ">", 1e26), name="Approved one")

    html = _home(client)

    assert "2 thresholds found in documents or sent back wait for a person to review them" in html
    assert "Secret one" not in html and "Secret two" not in html


def test_with_nothing_waiting_for_review_the_page_says_so(client):
    assert "No threshold is waiting for review." in _home(client)


def test_the_page_leads_to_the_change_log_and_the_chart(client):
    html = _home(client)

    assert 'href="/changes/"' in _section(html, "Threshold changes this week")
    assert 'href="/chart/"' in _section(html, "Training compute and the thresholds")


def test_the_page_reads_the_same_few_queries_however_much_there_is(client, django_assert_max_num_queries):
    for n in range(40):
        tags = [("alignment", f"Passage {n}."), ("human_misuse", f"Misuse {n}."), ("natural_selection", f"Race {n}.")]
        factories.document(title=f"Notice {n}", first_seen_at=_ago(n % 6), comments_close_on=_days(n), tags=tags)
        registry_factories.instrument(status="adopted", effective_on=_days(n))
        registry_factories.threshold(("training_compute_flop", ">", 1e24), review_status="candidate")

    # challenges, 3 x documents, their tags, instruments, status steps, comment periods, candidates; the week's
    # changes (registry.changes, pinned on /changes/) and the chart (models, thresholds, conditions, jurisdictions)
    with django_assert_max_num_queries(14):
        html = _home(client)

    assert html.count("<blockquote>") == 15


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_page_fits_a_phone_without_errors(page, live_server):
    factories.document(
        title="A notice with an extraordinarily long title about frontier model safety evaluations and reporting",
        first_seen_at=_ago(1),
        tags=[("alignment", "https://www.example.org/a/very/long/address/that/has/to/wrap/on/a/narrow/screen/somehow")],
        comments_close_on=_days(3),
    )
    registry_factories.instrument(short_name="Model Reporting Rule", status="adopted", effective_on=_days(5))

    seen = open_on_a_phone(page, "/")

    assert seen == {"status": 200, "errors": [], "failed": [], "overflow": 0}
