"""The pipeline end to end with a real Celery worker on Redis, fetching from a local HTTP server."""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError as BrokerError

from tests.tracker import factories
from tests.worker import Worker, wait_for
from tracker import processing, tagging, tasks
from tracker.ingesting import upsert_item
from tracker.models import Document, DocumentTag, ProcessStatus, TagOrigin
from tracker.pulling import STALE_AFTER, claim_stale_documents

# serialized_rollback: the three challenges (made by a migration) come back after each test empties the tables.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("allow_private"),
]

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Institute news</title><link>https://institute.example.org/</link>
<item><guid>eval-report</guid><title>Institute reports on pre-deployment testing of a frontier model</title>
<link>https://institute.example.org/eval-report</link><pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate>
<description>Our evaluators tested the model for deception, sabotage of oversight and attempts to copy its own
weights. The model showed situational awareness during the tests. We recommend that developers keep a safety case
for loss of control before training runs above 10^26 integer or floating-point operations.</description></item>
<item><guid>fraud-note</guid><title>Warning on voice-clone fraud against banks</title>
<link>https://institute.example.org/fraud-note</link><pubDate>Tue, 03 Nov 2026 09:00:00 GMT</pubDate>
<description>Criminals used cloned voices of executives to authorise payments. Banks should verify such requests
through a second channel, and providers of voice models should watermark their output.</description></item>
</channel></rss>"""


@pytest.fixture
def broker():
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    cache.clear()
    return settings.CELERY_BROKER_URL


@pytest.fixture
def worker(broker):
    started = Worker(broker_url=broker).start()
    yield started
    started.stop()


def _processed(count):
    return lambda: Document.objects.filter(process_status=ProcessStatus.DONE).count() == count


def test_beat_dispatch_pulls_a_due_source_and_the_worker_tags_each_document(http_server, worker):
    http_server.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=FEED)
    factories.source(url=http_server.url("/feed.xml"))
    tasks.dispatch_due_sources.delay()
    wait_for(_processed(2), timeout=60, message="two processed documents")
    report = Document.objects.get(title__startswith="Institute reports")
    assert "alignment" in report.labels
    assert report.mentions.filter(metric="training_compute_flop", value=1e26).exists()
    fraud = Document.objects.get(title__startswith="Warning on voice-clone")
    assert "human_misuse" in fraud.labels


def test_killing_a_worker_in_the_middle_of_a_pull_loses_and_duplicates_nothing(http_server, broker):
    http_server.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=FEED, delay=3)
    source = factories.source(url=http_server.url("/feed.xml"))
    quick_redelivery = {
        "CELERY_TASK_SOFT_TIME_LIMIT": "5",
        "CELERY_TASK_TIME_LIMIT": "6",
        "CELERY_VISIBILITY_TIMEOUT": "8",
    }
    first = Worker(broker_url=broker, env=quick_redelivery).start()
    try:
        tasks.pull_source.delay(source.pk)
        wait_for(lambda: http_server.hits("/feed.xml") >= 1, timeout=30, message="the pull to start")
        first.kill()
    finally:
        first.stop()
    assert Document.objects.count() == 0
    second = Worker(broker_url=broker, env=quick_redelivery).start()
    try:
        wait_for(_processed(2), timeout=60, message="the redelivered pull to finish")
    finally:
        second.stop()
        print(second.output())
    assert http_server.hits("/feed.xml") >= 2
    assert Document.objects.count() == 2
    assert sorted(d.sightings.count() for d in Document.objects.all()) == [1, 1]


def test_a_document_queued_while_the_broker_is_down_is_sent_later_by_the_sweep(monkeypatch):
    document, _ = upsert_item(source=factories.source(), item=factories.item())

    def broker_down(*args):
        raise BrokerError("Error 111 connecting to redis: Connection refused.")

    monkeypatch.setattr(tasks.process_document, "delay", broker_down)
    tasks.send_after_commit(tasks.process_document, document.pk)  # logs the failure, raises nothing
    document.refresh_from_db()
    assert document.process_status == ProcessStatus.PENDING
    assert claim_stale_documents(now=document.queued_at + STALE_AFTER / 2) == []
    assert claim_stale_documents(now=document.queued_at + STALE_AFTER * 2) == [document.pk]


OLDER_MODEL = "wl2-20250101-0ldm0de1"


def _tagged_by_an_older_model(*texts):
    source = factories.source()
    ids = [upsert_item(source=source, item=factories.item(f"old-{n}", text=t))[0].pk for n, t in enumerate(texts)]
    processing.process_now(document_ids=ids)
    DocumentTag.objects.filter(document__in=ids, origin=TagOrigin.MACHINE).update(tagger_version=OLDER_MODEL)
    return ids


def _stale_left():
    return lambda: not Document.objects.tagged_by_another_model(tagging.tagger_version()).exists()


def test_a_worker_that_starts_re_tags_what_an_older_model_tagged_keeping_corrections(broker, admin_user):
    [document_id] = _tagged_by_an_older_model("Criminals cloned a manager's voice with an AI tool to steal money.")
    correction = DocumentTag.objects.create(
        document_id=document_id,
        category_id="human_misuse",
        origin=TagOrigin.PERSON,
        labelled=False,
        tagged_by=admin_user,
    )
    started = Worker(broker_url=broker).start()
    try:
        wait_for(_stale_left(), timeout=60, message="the re-tagging queued at start")
    finally:
        started.stop()
    tags = DocumentTag.objects.filter(document_id=document_id)
    assert {t.tagger_version for t in tags if t.origin == TagOrigin.MACHINE} == {tagging.tagger_version()}
    assert tags.get(origin=TagOrigin.PERSON) == correction and not correction.labelled
    assert "human_misuse" not in Document.objects.get(pk=document_id).labels


def test_re_tagging_goes_batch_by_batch_until_none_is_left(broker):
    _tagged_by_an_older_model("An early report on AI and elections.")
    started = Worker(broker_url=broker).start()
    try:
        wait_for(_stale_left(), timeout=60, message="the re-tagging queued at start")  # it is done: none runs now
        ids = _tagged_by_an_older_model(*(f"Report {n}: the lab tested its model for deception." for n in range(3)))

        tasks.retag_documents.delay(1)  # one document a batch: the task must queue itself three more times

        wait_for(_stale_left(), timeout=60, message="every batch re-tagged")
    finally:
        started.stop()
    versions = DocumentTag.objects.filter(document__in=ids).values_list("tagger_version", flat=True)
    assert set(versions) == {tagging.tagger_version()}
