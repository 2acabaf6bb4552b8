"""Pulling a source from a local HTTP server: what is stored, what is skipped, and what a failure looks like."""

import datetime
import gzip
import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from tests.tracker import factories
from tracker.models import Document, FetchRun
from tracker.pulling import PullFailed, claim_due_sources, prune_fetch_runs, pull_source

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test agency news</title><link>https://agency.example.gov/</link>
<item><guid>notice-1</guid><title>Agency opens consultation on frontier model testing</title>
<link>https://agency.example.gov/notice-1</link><pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate>
<description>The agency asks whether developers should test frontier models for deception and loss of control
before release, and report the results.</description></item>
<item><guid>notice-2</guid><title>Agency publishes guidance on synthetic media fraud</title>
<link>https://agency.example.gov/notice-2</link><pubDate>Tue, 03 Nov 2026 09:00:00 GMT</pubDate>
<description>New guidance explains how banks should spot deepfake voices used to authorise payments.</description>
</item></channel></rss>"""


def _fr_page(numbers, next_url):
    return json.dumps(
        {
            "count": 3,
            "total_pages": 2,
            "next_page_url": next_url,
            "results": [
                {
                    "document_number": number,
                    "title": f"Request for information {number} on AI model reporting",
                    "type": "Notice",
                    "abstract": "The bureau asks developers of large AI models how they would report training runs.",
                    "html_url": f"https://www.federalregister.gov/documents/2026/11/02/{number}/ai-reporting",
                    "publication_date": "2026-11-02",
                    "agencies": [{"name": "Test Bureau"}],
                }
                for number in numbers
            ],
        }
    ).encode()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_a_feed_pull_stores_each_item_and_records_the_run(http_server):
    http_server.route("/feed.xml", headers={"Content-Type": "application/rss+xml", "ETag": '"v1"'}, body=FEED)
    source = factories.source(url=http_server.url("/feed.xml"))
    run, report = pull_source(source=source)
    assert (run.status, run.items_seen, run.documents_new) == ("ok", 2, 2)
    assert sorted(Document.objects.values_list("title", flat=True)) == [
        "Agency opens consultation on frontier model testing",
        "Agency publishes guidance on synthetic media fraud",
    ]
    source.refresh_from_db()
    assert source.etag == '"v1"'
    assert source.last_success_at is not None
    assert len(report.to_process) == 2


def test_an_unchanged_feed_answers_304_and_nothing_is_stored_again(http_server):
    def conditional(headers):
        if headers.get("If-None-Match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "application/rss+xml", "ETag": '"v1"'}, FEED

    http_server.route("/feed.xml", handler=conditional)
    source = factories.source(url=http_server.url("/feed.xml"))
    pull_source(source=source)
    run, report = pull_source(source=source)
    assert run.status == "not_modified"
    assert (report.new, report.updated, report.to_process) == (0, 0, [])
    assert Document.objects.count() == 2


def test_a_gzipped_feed_is_read(http_server):
    http_server.route(
        "/feed.xml",
        headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
        body=gzip.compress(FEED),
    )
    _, report = pull_source(source=factories.source(url=http_server.url("/feed.xml")))
    assert report.new == 2


def test_a_federal_register_page_chain_is_followed(http_server):
    http_server.route("/page2.json", headers={"Content-Type": "application/json"}, body=_fr_page(["2026-3"], None))
    http_server.route(
        "/documents.json",
        headers={"Content-Type": "application/json"},
        body=_fr_page(["2026-1", "2026-2"], http_server.url("/page2.json")),
    )
    source = factories.source(kind="federal_register", url=http_server.url("/documents.json"))
    run, report = pull_source(source=source)
    assert (run.items_seen, report.new) == (3, 3)
    assert http_server.hits("/page2.json") == 1


def test_a_bot_check_page_with_status_200_is_a_failed_pull_not_no_news(http_server):
    page = (
        b"<html><head><title>Just a moment...</title></head><body>Checking your browser before accessing.</body></html>"
    )
    http_server.route("/feed.xml", headers={"Content-Type": "text/html"}, body=page)
    source = factories.source(kind="html", url=http_server.url("/feed.xml"))
    with pytest.raises(PullFailed):
        pull_source(source=source)
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert source.last_error
    assert FetchRun.objects.get(source=source).status == "failed"


def test_truncated_xml_with_nothing_usable_is_a_failed_pull(http_server):
    http_server.route(
        "/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=b"<?xml version='1.0'?><rss><chan"
    )
    source = factories.source(url=http_server.url("/feed.xml"))
    with pytest.raises(PullFailed):
        pull_source(source=source)
    assert Document.objects.count() == 0


def test_a_failing_source_backs_off_and_shows_its_error_without_blocking_others(http_server):
    http_server.route("/broken.xml", status=500, body=b"oops")
    http_server.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=FEED)
    broken = factories.source(url=http_server.url("/broken.xml"), poll_minutes=30)
    healthy = factories.source(url=http_server.url("/feed.xml"))
    before = datetime.datetime.now(datetime.UTC)
    for _ in range(2):
        with pytest.raises(PullFailed):
            pull_source(source=broken)
    broken.refresh_from_db()
    assert broken.consecutive_failures == 2
    assert "500" in broken.last_error
    # Two failures: about four poll intervals before the next try.
    assert broken.next_due_at - before > datetime.timedelta(minutes=100)
    _, report = pull_source(source=healthy)
    assert report.new == 2


def test_a_429_with_retry_after_is_transient_and_waits_at_least_that_long(http_server):
    http_server.route("/feed.xml", status=429, headers={"Retry-After": "7200"}, body=b"slow down")
    source = factories.source(url=http_server.url("/feed.xml"), poll_minutes=5)
    with pytest.raises(PullFailed) as failure:
        pull_source(source=source)
    assert failure.value.transient
    source.refresh_from_db()
    assert source.next_due_at - datetime.datetime.now(datetime.UTC) > datetime.timedelta(minutes=110)


def test_a_transient_failure_that_will_be_retried_does_not_count_against_the_source(http_server):
    http_server.route("/feed.xml", status=503, body=b"")
    source = factories.source(url=http_server.url("/feed.xml"))
    with pytest.raises(PullFailed):
        pull_source(source=source, final_attempt=False)
    source.refresh_from_db()
    assert source.consecutive_failures == 0


def test_dispatch_claims_only_due_active_sources_once():
    now = datetime.datetime.now(datetime.UTC)
    due = factories.source(next_due_at=now - datetime.timedelta(minutes=1))
    factories.source(next_due_at=now + datetime.timedelta(hours=1))
    factories.source(next_due_at=now - datetime.timedelta(minutes=1), active=False)
    assert claim_due_sources(now=now) == [due.pk]
    assert claim_due_sources(now=now) == []


def test_pruning_keeps_each_sources_latest_runs_and_recent_ones():
    now = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)
    busy, quiet = factories.source(), factories.source()
    for days_ago in range(40):
        FetchRun.objects.create(source=busy, started_at=now - datetime.timedelta(days=days_ago), status="ok")
    for days_ago in (100, 200):
        FetchRun.objects.create(source=quiet, started_at=now - datetime.timedelta(days=days_ago), status="ok")
    deleted = prune_fetch_runs(now=now, keep=5, keep_days=30, batch_size=3)
    assert deleted == 9
    kept = busy.runs.order_by("started_at")
    assert kept.count() == 31 and kept.first().started_at == now - datetime.timedelta(days=30)
    assert quiet.runs.count() == 2


def test_runs_pruning_is_scheduled_daily():
    task = PeriodicTask.objects.get(task="tracker.tasks.prune_fetch_runs")
    assert (task.interval.every, task.interval.period) == (1, "days")


def _fr_result(number, **fields):
    return {
        "document_number": number,
        "title": f"Notice {number} on reporting large training runs",
        "type": "Notice",
        "abstract": "The bureau asks how developers of large AI models would report their training runs.",
        "html_url": f"https://www.federalregister.gov/documents/2026/11/02/{number}/ai-reporting",
        "publication_date": "2026-11-02",
        **fields,
    }


def test_bad_federal_register_items_are_counted_and_the_good_ones_kept(http_server, admin_client):
    page = {
        "count": 5,
        "results": [
            _fr_result("2026-11"),
            _fr_result("2026-12", title="Notice with a stray\u0000 byte", action="Request\u0000 for comment"),
            _fr_result("2026-13", abstract=5),
            _fr_result("2026-14", abstract={"text": "an object where text belongs"}),
            _fr_result("2026-15", html_url="javascript:alert(document.cookie)"),
            _fr_result("2026-16", publication_date="9999-12-31T23:00:00-05:00"),
            _fr_result("2026-17", publication_date="9999-99-99"),
        ],
    }
    http_server.route("/documents.json", headers={"Content-Type": "application/json"}, body=json.dumps(page))
    source = factories.source(name="Bureau notices", kind="federal_register", url=http_server.url("/documents.json"))
    run, _ = pull_source(source=source)
    run.refresh_from_db()
    assert (run.status, run.items_seen, run.documents_new, run.items_rejected) == ("ok", 7, 3, 4)
    assert run.finished_at is not None
    assert run.rejections.splitlines() == [
        "2026-14 (result 4): abstract is a JSON dict, not text",
        "2026-16 (result 6): date value out of range",
        "2026-17 (result 7): publication_date '9999-99-99' is not a date",
        "2026-15: its address 'javascript:alert(document.cookie)' is not an http or https URL",
    ]
    stored = {d.extra["document_number"]: d for d in Document.objects.all()}
    assert sorted(stored) == ["2026-11", "2026-12", "2026-13"]
    assert stored["2026-12"].title == "Notice with a stray byte"
    assert stored["2026-12"].extra["action"] == "Request for comment"
    assert stored["2026-13"].summary == "5"
    source.refresh_from_db()
    assert source.consecutive_failures == 0
    page = admin_client.get(reverse("admin:tracker_source_changelist")).content.decode()
    assert "ok, 4 item(s) rejected in the last run" in page


def test_an_item_the_database_refuses_is_rejected_and_the_rest_of_the_page_stored(http_server):
    # 1e999 reads as infinity, which PostgreSQL's JSON refuses: only the database can tell.
    page = json.dumps({"results": [_fr_result("2026-21"), _fr_result("2026-22", citation="CITATION")]})
    page = page.replace('"CITATION"', "1e999")
    http_server.route("/documents.json", headers={"Content-Type": "application/json"}, body=page)
    source = factories.source(kind="federal_register", url=http_server.url("/documents.json"))
    run, _ = pull_source(source=source)
    assert (run.status, run.documents_new, run.items_rejected) == ("ok", 1, 1)
    assert run.rejections.startswith("2026-22: the database refused it")
    assert list(Document.objects.values_list("extra__document_number", flat=True)) == ["2026-21"]


def test_a_page_with_a_malformed_canonical_link_is_stored_under_its_own_address(http_server):
    page = (
        b'<html><head><title>Rules for model audits</title><link rel="canonical" href="http://[oops/audits"></head>'
        b"<body><article><p>"
        + b"The ministry sets out how auditors test frontier models before release. " * 20
        + b"</p></article></body></html>"
    )
    http_server.route("/audits", headers={"Content-Type": "text/html; charset=utf-8"}, body=page)
    source = factories.source(kind="html", url=http_server.url("/audits"))
    run, _ = pull_source(source=source)
    assert (run.status, run.documents_new) == ("ok", 1)
    assert Document.objects.get().url == http_server.url("/audits")
