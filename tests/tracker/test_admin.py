"""The tracker's admin as a curator uses it: source health and actions, corrections, version diffs."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from tests.forms import form_data
from tests.tracker import factories
from tracker import tagging
from tracker.ingesting import upsert_item
from tracker.models import Document, DocumentTag, FetchRun, TagOrigin
from tracker.processing import process_now
from tracker.pulling import PullFailed, pull_source

pytestmark = pytest.mark.django_db
SOURCES = reverse("admin:tracker_source_changelist")


def test_a_failing_source_shows_its_error_in_the_list(admin_client):
    factories.source(name="Broken feed", consecutive_failures=3, last_error="HTTP 500 from feeds.example.org")
    page = admin_client.get(SOURCES).content.decode()
    assert "3 failure(s): HTTP 500 from feeds.example.org" in page
    assert '<span class="health-failing"' in page  # a class: the Content-Security-Policy drops style attributes


def test_reset_backoff_makes_a_source_due_now(admin_client):
    source = factories.source(consecutive_failures=4)
    admin_client.post(SOURCES, {"action": "reset_backoff", "_selected_action": [source.pk]}, follow=True)
    source.refresh_from_db()
    assert source.consecutive_failures == 0
    assert source.next_due_at <= timezone.now()


def test_pull_now_runs_the_pull(
    admin_client, http_server, allow_private, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # as on the embedded default
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://x.example.org/</link>'
        b"<item><guid>1</guid><title>Regulator consults on AI model audits</title>"
        b"<link>https://x.example.org/1</link><description>Auditors would test frontier models for deception "
        b"and loss of control before release.</description></item></channel></rss>"
    )
    http_server.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=feed)
    source = factories.source(url=http_server.url("/feed.xml"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(SOURCES, {"action": "pull_now", "_selected_action": [source.pk]}, follow=True)
    assert "Queued 1 source(s) for pulling." in response.content.decode()
    assert source.runs.get().status == "ok"
    assert Document.objects.get().title == "Regulator consults on AI model audits"


def test_a_correction_in_the_admin_wins_and_records_who_made_it(admin_client, admin_user):
    document, _ = upsert_item(source=factories.source(), item=factories.item())
    process_now(document_ids=[document.pk])
    assert "alignment" in Document.objects.get(pk=document.pk).labels
    url = reverse("admin:tracker_document_change", args=[document.pk])
    page = admin_client.get(url)
    form = page.context["adminform"].form
    data = {field: form.initial.get(field) or "" for field in ("title", "summary", "text", "jurisdiction")}
    data["published_at_0"], data["published_at_1"] = document.published_at.strftime("%Y-%m-%d"), "09:00:00"
    tags = list(document.tags.all())
    data.update(
        {
            "tags-TOTAL_FORMS": str(len(tags) + 1),
            "tags-INITIAL_FORMS": str(len(tags)),
            "tags-MIN_NUM_FORMS": "0",
            "tags-MAX_NUM_FORMS": "1000",
            "mentions-TOTAL_FORMS": "0",
            "mentions-INITIAL_FORMS": "0",
            "versions-TOTAL_FORMS": str(document.versions.count()),
            "versions-INITIAL_FORMS": str(document.versions.count()),
        }
    )
    for index, tag in enumerate(tags):
        data.update(
            {
                f"tags-{index}-id": str(tag.pk),
                f"tags-{index}-document": str(document.pk),
                f"tags-{index}-category": tag.category_id,
                f"tags-{index}-origin": tag.origin,
                f"tags-{index}-labelled": "on" if tag.labelled else "",
                f"tags-{index}-note": "",
            }
        )
    for index, version in enumerate(document.versions.all()):
        data.update({f"versions-{index}-id": str(version.pk), f"versions-{index}-document": str(document.pk)})
    new = len(tags)
    data.update(
        {
            f"tags-{new}-document": str(document.pk),
            f"tags-{new}-category": "alignment",
            f"tags-{new}-origin": "person",
            f"tags-{new}-labelled": "",
            f"tags-{new}-note": "Only a passing mention.",
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    correction = DocumentTag.objects.get(document=document, origin=TagOrigin.PERSON)
    assert correction.tagged_by == admin_user
    assert "alignment" not in Document.objects.get(pk=document.pk).labels


def test_the_document_page_shows_the_latest_change_of_text(admin_client):
    source = factories.source()
    document, _ = upsert_item(source=source, item=factories.item(text="The consultation closes in March.\n" * 10))
    upsert_item(source=source, item=factories.item(text="The consultation closes in April.\n" * 10))
    page = admin_client.get(reverse("admin:tracker_document_change", args=[document.pk])).content.decode()
    assert "--- v1 (" in page and "+++ v2 (" in page
    assert "-The consultation closes in March." in page
    assert "+The consultation closes in April." in page
    assert '<div class="added">+The consultation closes in April.</div>' in page and 'style="' not in page


def test_the_source_page_shows_its_fetch_runs_after_a_pull(admin_client, http_server, allow_private):
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>https://x.example.org/</link>'
        b"<item><guid>1</guid><title>Ministry drafts rules for model evaluations</title>"
        b"<link>https://x.example.org/1</link><description>Labs would file evaluation reports.</description>"
        b"</item></channel></rss>"
    )
    http_server.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=feed)
    source = factories.source(name="Ministry feed", url=http_server.url("/feed.xml"))
    other = factories.source(url=http_server.url("/missing.xml"))
    pull_source(source=source)
    with pytest.raises(PullFailed):
        pull_source(source=other)
    response = admin_client.get(reverse("admin:tracker_source_change", args=[source.pk]))
    assert response.status_code == 200
    runs = response.context["inline_admin_formsets"][0].formset.queryset
    assert [(run.source_id, run.status, run.documents_new) for run in runs] == [(source.pk, "ok", 1)]
    assert "HTTP 404" not in response.content.decode()


def test_fetch_runs_have_a_list_of_their_own(admin_client):
    source = factories.source(name="Standards body feed")
    FetchRun.objects.create(source=source, status="failed", error="HTTP 503 from standards.example.org")
    page = admin_client.get(reverse("admin:tracker_fetchrun_changelist")).content.decode()
    assert "Standards body feed" in page and "HTTP 503 from standards.example.org" in page


def test_a_source_never_fetched_says_so(admin_client):
    factories.source(name="Fresh feed")
    page = admin_client.get(SOURCES).content.decode()
    assert "never fetched" in page


def test_the_digest_preview_forbids_scripts(admin_client):
    reader = factories.subscriber("analyst@example.org")
    response = admin_client.get(reverse("admin:tracker_subscriber_preview", args=[reader.pk]))
    assert response.status_code == 200 and "analyst@example.org" in response.content.decode()
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'none'" and policy["default-src"] == "'none'"


def test_the_review_list_shows_uncorrected_tags_of_the_current_model_least_certain_first(admin_client, admin_user):
    at = tagging.thresholds()["alignment"]
    for title, score, version in [
        ("Clear case", at + 0.3 if at < 0.7 else at - 0.4, tagging.tagger_version()),
        ("Close call", at + 0.01, tagging.tagger_version()),
        ("Near miss", at - 0.05, tagging.tagger_version()),
        ("Older model", at, "wl2-20250101-0ldm0de1"),
        ("Already corrected", at, tagging.tagger_version()),
    ]:
        document = factories.document(title=title, first_seen_at=timezone.now(), tags=[("alignment", "A sentence.")])
        document.tags.update(score=score, tagger_version=version)
    DocumentTag.objects.create(
        document=Document.objects.get(title="Already corrected"), category_id="alignment", origin=TagOrigin.PERSON,
        labelled=True, tagged_by=admin_user,
    )  # fmt: skip

    page = admin_client.get(reverse("admin:tracker_documenttag_changelist"), {"review": "uncertain"}).content.decode()

    shown = [title for title in ("Close call", "Near miss", "Clear case") if title in page]
    assert shown == ["Close call", "Near miss", "Clear case"]
    assert sorted(shown, key=page.index) == shown
    assert "Older model" not in page and "Already corrected" not in page


def test_unticking_a_machine_tag_in_the_admin_records_a_correction_beside_it(admin_client, admin_user):
    document, _ = upsert_item(source=factories.source(), item=factories.item())
    process_now(document_ids=[document.pk])
    machine = document.tags.get(category="alignment")
    assert machine.labelled
    url = reverse("admin:tracker_document_change", args=[document.pk])
    data = form_data(admin_client.get(url).content.decode())
    [index] = [key.split("-")[1] for key, value in data.items() if key.endswith("-id") and value == [str(machine.pk)]]
    del data[f"tags-{index}-labelled"]
    assert admin_client.post(url, data).status_code == 302
    machine.refresh_from_db()
    correction = document.tags.get(category="alignment", origin=TagOrigin.PERSON)
    assert machine.labelled and machine.tagger_version == tagging.tagger_version()
    assert (correction.labelled, correction.tagged_by) == (False, admin_user)
    assert "alignment" not in Document.objects.get(pk=document.pk).labels


def test_the_document_page_shows_the_last_day_of_its_comment_period(admin_client):
    item = factories.item(comments_close_on=datetime.date(2026, 12, 15))
    document, _ = upsert_item(source=factories.source(), item=item)

    page = admin_client.get(reverse("admin:tracker_document_change", args=[document.pk])).content.decode()

    assert 'name="comments_close_on" value="2026-12-15"' in page
