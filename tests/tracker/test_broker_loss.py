"""The worker outlives its broker: a private Redis stopped in the middle of a task and started again, empty."""

import time

import pytest

from config.celery import app
from tests.redis import RedisServer
from tests.tracker import factories
from tests.worker import Worker, wait_for
from tracker import tasks
from tracker.models import Document, ProcessStatus

# serialized_rollback: the three challenges (made by a migration) come back after the test empties the tables.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("allow_private"),
]

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Standards body</title><link>https://standards.example.org/</link>
<item><guid>audit-guide</guid><title>Standards body publishes a guide to auditing frontier model evaluations</title>
<link>https://standards.example.org/audit-guide</link><pubDate>Wed, 04 Nov 2026 10:00:00 GMT</pubDate>
<description>The guide tells auditors how to check that a developer's tests for deception, sabotage of oversight and
self-replication were run before deployment, and how to report a model that evaded its evaluators.</description>
</item></channel></rss>"""


@pytest.fixture
def broker():
    server = RedisServer().start()
    yield server
    server.stop()


def test_the_worker_survives_redis_stopping_mid_task_and_the_work_completes(http_server, broker):
    http_server.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=FEED, delay=4)
    source = factories.source(url=http_server.url("/feed.xml"))
    # The deployment's pool (prefork, as docker-compose.yml runs it): the pool lost its broker with a task running.
    worker = Worker(broker_url=broker.url, env={"REDIS_URL": broker.url}, pool="prefork", concurrency=2).start()
    try:
        with app.connection_for_write(broker.url) as connection:
            tasks.pull_source.apply_async((source.pk,), connection=connection)
        wait_for(lambda: http_server.hits("/feed.xml") >= 1, timeout=30, message="the pull to start")
        broker.stop()
        time.sleep(2)
        broker.start()  # on the same port, with nothing in it: --save ""
        wait_for(
            lambda: Document.objects.filter(sightings__source=source, process_status=ProcessStatus.DONE).exists(),
            timeout=60,
            message="the document pulled across the outage to be stored and processed",
        )
        time.sleep(1)
        assert worker.process.poll() is None, worker.output()
        assert Document.objects.filter(sightings__source=source).count() == 1
    finally:
        worker.stop()
