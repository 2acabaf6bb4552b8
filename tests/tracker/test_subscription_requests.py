"""Whether an address is known never shows in the answer to a sign-up, nor in the work done before answering:
the row and the email are a task's, run here by a real worker."""

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.tracker import factories
from tests.worker import Worker, wait_for
from tracker.models import Subscriber


@pytest.mark.django_db
def test_a_known_and_a_new_address_get_the_same_answer_after_the_same_queries(settings, mailoutbox):
    api = APIClient()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    factories.subscriber(email="known@example.org")
    answers, queries = [], []
    for email in ("known@example.org", "new@example.org"):
        with CaptureQueriesContext(connection) as captured:
            response = api.post("/api/v1/subscriptions/", {"email": email, "challenges": ["alignment"]})
        answers.append((response.status_code, response.json()))
        queries.append([query["sql"] for query in captured.captured_queries])
    assert answers[0] == answers[1]
    assert answers[0][0] == 202
    assert queries[0] == queries[1]
    assert mailoutbox == []
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["known@example.org"]
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker runs on PostgreSQL and Redis")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_sends_the_confirmation_a_sign_up_asked_for(settings, smtp_server):
    api = APIClient()
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_server.port)}
    worker = Worker(broker_url=settings.CELERY_BROKER_URL, env=env).start()
    try:
        response = api.post("/api/v1/subscriptions/", {"email": "reader@example.org"})
        wait_for(lambda: smtp_server.received_by("reader@example.org"), timeout=60, message="the confirmation")
    finally:
        worker.stop()
    assert response.status_code == 202
    [message] = smtp_server.received_by("reader@example.org")
    assert message["Subject"] == "Confirm your subscription to the AI governance weekly digest"
    assert not Subscriber.objects.get(email="reader@example.org").is_active
