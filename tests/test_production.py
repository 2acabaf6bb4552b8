"""The production set-up, without Docker: gunicorn (config/gunicorn.py) with DEBUG off behind a TLS proxy, a Celery
worker and Celery beat as processes on PostgreSQL and a private Redis, a source served on 127.0.0.1 and an SMTP
server. The operator's own commands seed the registry, subscribe an analyst and send the digest. Bounded: every
wait has a timeout, and every process the test starts is stopped, also when it fails."""

import datetime
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from tests.gunicorn import Gunicorn
from tests.httpserver import FixtureServer
from tests.redis import RedisServer
from tests.smtp import SMTPServer
from tests.tracker import factories
from tests.worker import ROOT, Worker, database_url, wait_for
from tracker.models import Document, ProcessStatus

# serialized_rollback: the schedules and challenges (made by migrations) come back after the test empties the tables.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Smoke-test agency</title><link>https://agency.example.org/</link>
<item><guid>smoke-1</guid><title>Agency asks labs to report training runs above 10^26 operations</title>
<link>https://agency.example.org/smoke-1</link><pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate>
<description>The agency will ask developers to report any training run above 10^26 integer or floating-point
operations, to show how they tested the model for deceptive behaviour and for resisting shutdown, and to keep a
safety case showing the model stays under human control before deployment.</description></item>
</channel></rss>"""


def _https_get(server: Gunicorn, path: str, *, forwarded: bool = True):
    """A request as the TLS proxy in front passes it on (X-Forwarded-Proto: https), or as a client that bypassed it."""
    headers = {"X-Forwarded-Proto": "https"} if forwarded else {}
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(server.url(path), headers=headers), timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _manage(*args, env):
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, f"manage.py {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture
def stack(tmp_path):
    """Starts the servers; yields the environment every process shares; stops what it started, in reverse order."""
    started = []
    try:
        broker = RedisServer().start()
        started.append(broker)
        smtp = SMTPServer().start()
        started.append(smtp)
        feeds = FixtureServer()
        started.append(type("Closing", (), {"stop": lambda self: feeds.close()})())
        env = {
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker.url,
            "CELERY_BROKER_URL": broker.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "SECRET_KEY": "smoke-test-secret-key-with-enough-characters-to-pass-check-deploy-0123456789",
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "BEHIND_TLS_PROXY": "1",
            "SECURE_SSL_REDIRECT": "1",
            "SITE_URL": "https://127.0.0.1",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "TRACKER_FETCH_ALLOW_PRIVATE": "1",
            "VAR_DIR": str(tmp_path),
        }
        yield env, feeds, smtp, started
    finally:
        for process in reversed(started):
            process.stop()


def test_the_production_stack_serves_pulls_on_schedule_and_mails_the_digest(stack):
    env, feeds, smtp, started = stack
    _manage("seed_registry", env=env)
    feeds.route("/feed.xml", headers={"Content-Type": "application/rss+xml"}, body=FEED)
    source = factories.source(name="Smoke-test agency", url=feeds.url("/feed.xml"))
    # The schedule last ran two minutes ago, so beat's first tick dispatches the due source rather than a minute on.
    PeriodicTask.objects.filter(task="tracker.tasks.dispatch_due_sources").update(
        last_run_at=timezone.now() - datetime.timedelta(minutes=2)
    )

    web = Gunicorn(env=env, workers=2)
    started.append(web)
    web.start()  # it waits for /healthz to answer 200 over plain http
    worker = Worker(broker_url=env["CELERY_BROKER_URL"], env=env).start()
    started.append(worker)
    beat = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    started.append(type("Beat", (), {"stop": lambda self: (beat.terminate(), beat.wait(timeout=15))})())

    status, _, body = _https_get(web, "/healthz", forwarded=False)
    assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok", "broker": "ok"})
    status, headers, _ = _https_get(web, "/api/v1/thresholds/", forwarded=False)
    assert (status, headers["Location"]) == (301, f"https://127.0.0.1:{web.port}/api/v1/thresholds/")
    status, headers, _ = _https_get(web, "/api/v1/thresholds/")
    assert status == 200 and "max-age" in headers["Strict-Transport-Security"]

    wait_for(
        lambda: Document.objects.filter(sightings__source=source, process_status=ProcessStatus.DONE).exists(),
        timeout=60,
        message="beat to dispatch the source and the worker to pull and process it",
    )
    status, _, body = _https_get(web, "/api/v1/documents/?q=safety%20case")
    assert status == 200
    assert [document["title"] for document in json.loads(body)["results"]] == [
        "Agency asks labs to report training runs above 10^26 operations"
    ]

    _manage("subscribe", "analyst@example.org", "--confirmed", env=env)
    # The week being sent is the one in which the document was pulled: it is that week's news.
    week = "{}-W{:02d}".format(*timezone.localdate().isocalendar()[:2])
    _manage("send_digests", "--to", "analyst@example.org", "--period", week, env=env)
    [digest] = smtp.received_by("analyst@example.org")
    assert digest["Subject"].startswith("This week in AI governance"), digest.get_body(("plain",)).get_content()
    assert (
        "Agency asks labs to report training runs above 10^26 operations" in digest.get_body(("plain",)).get_content()
    )
    assert "https://127.0.0.1/subscriptions/unsubscribe/" in digest.get_body(("plain",)).get_content()
