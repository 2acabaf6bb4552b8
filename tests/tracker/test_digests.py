"""The weekly digest as a reader gets it from a real SMTP server on 127.0.0.1: what it says, its headers and links,
and that it arrives once a week, once, whatever fails or runs twice."""

import datetime
import io
import re
import socket
import threading

import pytest
import redis
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from config.celery import app as celery_app
from registry import reviewing
from registry.models import CapabilityThreshold, ThresholdCondition
from tests import factories as registry_factories
from tests.tracker import factories
from tests.worker import Worker, wait_for
from tracker import digests, tasks
from tracker.digests import emails, sending
from tracker.models import DigestDelivery, Subscriber

pytestmark = pytest.mark.django_db

PERIOD = "2026-W47"  # Monday 16 to Sunday 22 November 2026
IN_PERIOD = datetime.datetime(2026, 11, 18, 12, 0, tzinfo=datetime.UTC)
BEFORE = datetime.datetime(2026, 10, 1, 12, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)  # an hour after it is due (Monday 08:00 UTC)
SITE = "https://tracker.example.org"
EVIDENCE = "Developers must test frontier models for deception and loss of control before release."


@pytest.fixture(autouse=True)
def _weekly_on_monday_morning(settings):
    settings.DIGEST_WEEKDAY, settings.DIGEST_HOUR, settings.DIGEST_TIME_ZONE = "monday", 8, "UTC"
    settings.DIGEST_SEND_EMPTY = True


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def _site_path(message, kind: str) -> str:
    url = re.search(rf"{re.escape(SITE)}(/subscriptions/{kind}/\S+/)", _text(message))
    assert url, f"no {kind} link in:\n{_text(message)}"
    return url[1]


def _news_document(**fields):
    return factories.document(
        title="Institute publishes pre-deployment test results",
        first_seen_at=IN_PERIOD,
        tags=[("alignment", EVIDENCE)],
        **fields,
    )


def _changed_threshold(before: float, after: float):
    """An approved threshold, written long ago, whose compute figure moved from `before` to `after` this period."""
    threshold = registry_factories.threshold(("training_compute_flop", ">", before), reviewed_at=BEFORE)
    threshold.history.update(history_date=BEFORE)
    ThresholdCondition.history.filter(threshold_id=threshold.pk).update(history_date=BEFORE)
    condition = threshold.conditions.get()
    condition.value = after
    condition.save()
    ThresholdCondition.history.filter(threshold_id=threshold.pk, history_type="~").update(history_date=IN_PERIOD)
    return threshold


def test_a_confirmed_subscriber_gets_one_multipart_digest_with_one_click_unsubscribe_headers(smtp_server):
    reader = factories.subscriber("analyst@example.org")
    _news_document()
    report = digests.send_due_digests(now=NOW)
    assert report.summary() == "2026-W47: 1 sent, 0 failed, 0 skipped"
    [message] = smtp_server.received_by("analyst@example.org")
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "This week in AI governance: 1 new document (16-22 November 2026)"
    unsubscribe = re.findall(r"<([^>]+)>", message["List-Unsubscribe"])
    assert unsubscribe[0].startswith(f"{SITE}/subscriptions/unsubscribe/")
    assert unsubscribe[1].startswith("mailto:")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == emails.message_id(f"digest:{reader.pk}:{PERIOD}")
    assert reader.deliveries.get().status == DigestDelivery.Status.SENT


def test_the_digest_lists_new_documents_by_challenge_with_the_line_that_justifies_each_tag(smtp_server):
    factories.subscriber("analyst@example.org")
    document = _news_document()
    factories.document(
        title="Warning on cloned voices used for fraud",
        first_seen_at=IN_PERIOD,
        tags=[("human_misuse", "Criminals used cloned voices of executives to authorise payments.")],
    )
    factories.document(title="Last month's notice", first_seen_at=BEFORE, tags=[("alignment", "Old news.")])
    digests.send_due_digests(now=NOW)
    [message] = smtp_server.received_by("analyst@example.org")
    text, html = _text(message), _html(message)
    assert text.index("Alignment (1)") < text.index(document.title) < text.index("Human misuse (1)")
    assert f'"{EVIDENCE}"' in text
    assert document.url in text
    assert "Criminals used cloned voices" in text
    assert "Last month's notice" not in text
    assert EVIDENCE in html
    assert f'href="{document.url}"' in html


def test_the_digest_says_whether_a_threshold_was_tightened_or_loosened(smtp_server):
    factories.subscriber("analyst@example.org")
    tightened = _changed_threshold(1e26, 1e25)
    loosened = _changed_threshold(1e25, 1e26)
    digests.send_due_digests(now=NOW)
    text = _text(smtp_server.received_by("analyst@example.org")[0])
    assert f"Tightened: {tightened.instrument}: {tightened.name}" in text
    assert "more than 10^26 FLOP of training compute → more than 10^25 FLOP of training compute" in text
    assert f"Loosened: {loosened.instrument}: {loosened.name}" in text
    assert f"{SITE}{tightened.get_absolute_url()}" in text


def test_the_digest_lists_thresholds_approved_status_changes_and_effective_dates_coming_up(smtp_server):
    factories.subscriber("analyst@example.org")
    approved = registry_factories.threshold(("training_compute_flop", ">", 1e26), reviewed_at=IN_PERIOD)
    bill = registry_factories.instrument(short_name="Frontier AI Bill", status="proposed", effective_on=None)
    bill.record_status(on=datetime.date(2026, 3, 2))
    bill.change_status("adopted", on=datetime.date(2026, 11, 19))
    registry_factories.instrument(
        short_name="Model Reporting Rule", status="adopted", effective_on=datetime.date(2026, 12, 20)
    )
    registry_factories.instrument(short_name="Distant Rule", status="adopted", effective_on=datetime.date(2027, 6, 1))
    digests.send_due_digests(now=NOW)
    text = _text(smtp_server.received_by("analyst@example.org")[0])
    assert f"Approved: {approved.instrument}: {approved.name}" in text
    assert "Frontier AI Bill [EU], 19 Nov 2026: proposed → adopted" in text
    assert "20 Dec 2026: Model Reporting Rule [EU], in 27 days (adopted)" in text
    assert "Distant Rule" not in text


def test_a_subscriber_gets_only_the_challenges_and_jurisdictions_they_follow(smtp_server):
    us = registry_factories.jurisdiction("US", "United States")
    eu = registry_factories.jurisdiction("EU", "European Union")
    factories.subscriber("us-misuse@example.org", challenges=["human_misuse"], jurisdictions=[us])
    factories.document(
        title="EU alignment notice", first_seen_at=IN_PERIOD, jurisdiction=eu, tags=[("alignment", "A.")]
    )
    factories.document(
        title="US misuse notice", first_seen_at=IN_PERIOD, jurisdiction=us, tags=[("human_misuse", "B.")]
    )
    factories.document(
        title="US alignment notice", first_seen_at=IN_PERIOD, jurisdiction=us, tags=[("alignment", "C.")]
    )
    registry_factories.threshold(("training_compute_flop", ">", 1e26), reviewed_at=IN_PERIOD, name="EU threshold")
    digests.send_due_digests(now=NOW)
    text = _text(smtp_server.received_by("us-misuse@example.org")[0])
    assert "US misuse notice" in text
    assert "EU alignment notice" not in text
    assert "US alignment notice" not in text
    assert "EU threshold" not in text
    assert "Following: Human misuse; US" in text


def test_following_an_instrument_narrows_the_registry_news_to_it(smtp_server):
    followed = registry_factories.threshold(("training_compute_flop", ">", 1e26), reviewed_at=IN_PERIOD)
    other = registry_factories.threshold(("training_compute_flop", ">", 1e25), reviewed_at=IN_PERIOD)
    factories.subscriber("follower@example.org", instruments=[followed.instrument])
    digests.send_due_digests(now=NOW)
    text = _text(smtp_server.received_by("follower@example.org")[0])
    assert followed.name in text
    assert other.name not in text


def test_staff_subscribers_also_see_candidates_waiting_for_review(smtp_server, admin_user):
    factories.subscriber(admin_user.email)
    factories.subscriber("reader@example.org")
    candidate = registry_factories.threshold(("training_compute_flop", ">", 5e24), review_status="candidate")
    digests.send_due_digests(now=NOW)
    staff_text = _text(smtp_server.received_by(admin_user.email)[0])
    assert "WAITING FOR REVIEW (STAFF)" in staff_text
    assert candidate.name in staff_text
    assert candidate.name not in _text(smtp_server.received_by("reader@example.org")[0])


def test_a_week_with_nothing_new_sends_one_short_email(smtp_server):
    factories.subscriber("analyst@example.org")
    digests.send_due_digests(now=NOW)
    [message] = smtp_server.received_by("analyst@example.org")
    assert message["Subject"] == "Nothing new this week (16-22 November 2026)"
    assert "Nothing new this week in the areas you follow." in _text(message)


def test_a_week_with_nothing_new_sends_nothing_when_the_setting_says_so(smtp_server, settings):
    settings.DIGEST_SEND_EMPTY = False
    reader = factories.subscriber("analyst@example.org")
    report = digests.send_due_digests(now=NOW)
    assert smtp_server.messages == []
    assert report.skipped == 1
    assert reader.deliveries.get().status == DigestDelivery.Status.SKIPPED


def test_unconfirmed_and_unsubscribed_addresses_get_nothing(smtp_server):
    factories.subscriber("waiting@example.org", confirmed=False)
    factories.subscriber("gone@example.org", unsubscribed_at=BEFORE)
    factories.subscriber("reader@example.org")
    _news_document()
    digests.send_due_digests(now=NOW)
    assert [message["To"] for message in smtp_server.messages] == ["reader@example.org"]
    assert not DigestDelivery.objects.filter(subscriber__email__in=["waiting@example.org", "gone@example.org"])


def test_the_unsubscribe_link_in_a_digest_shows_a_page_on_get_and_unsubscribes_on_post(client, smtp_server):
    reader = factories.subscriber("analyst@example.org")
    digests.send_due_digests(now=NOW)
    link = _site_path(smtp_server.received_by("analyst@example.org")[0], "unsubscribe")
    assert client.get(link).status_code == 200
    reader.refresh_from_db()
    assert reader.is_active
    client.post(link)
    reader.refresh_from_db()
    assert not reader.is_active
    digests.send_due_digests(now=NOW + datetime.timedelta(days=7))
    assert len(smtp_server.received_by("analyst@example.org")) == 1


def test_the_one_click_unsubscribe_url_in_the_headers_unsubscribes_on_post(client, smtp_server):
    reader = factories.subscriber("analyst@example.org")
    digests.send_due_digests(now=NOW)
    [message] = smtp_server.received_by("analyst@example.org")
    url = re.search(r"<([^>]+)>", message["List-Unsubscribe"])[1]
    client.post(url.removeprefix(SITE), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    reader.refresh_from_db()
    assert not reader.is_active


def test_the_manage_link_in_a_digest_changes_the_next_digest(client, smtp_server):
    reader = factories.subscriber("analyst@example.org")
    _news_document()
    digests.send_due_digests(now=NOW)
    link = _site_path(smtp_server.received_by("analyst@example.org")[0], "manage")
    client.post(link, {"challenges": ["natural_selection"]})
    assert [c.code for c in reader.challenges.all()] == ["natural_selection"]
    content = digests.digest_for(subscriber=reader, period=PERIOD)
    assert content["is_empty"]


def test_running_the_send_again_sends_nothing_twice(smtp_server):
    factories.subscriber("analyst@example.org")
    assert digests.send_due_digests(now=NOW).sent == 1
    assert digests.send_due_digests(now=NOW + datetime.timedelta(hours=1)).sent == 0
    call_command("send_digests", "--period", PERIOD, stdout=io.StringIO())
    assert len(smtp_server.messages) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_send_runs_at_once_send_exactly_one_email_per_subscriber(smtp_server, monkeypatch):
    monkeypatch.setattr(sending, "BATCH_SIZE", 3)
    readers = [factories.subscriber() for _ in range(24)]
    _news_document()
    start, reports, errors = threading.Barrier(2), [], []

    def run():
        try:
            start.wait(timeout=10)
            reports.append(digests.send_due_digests(now=NOW))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(reader.email for reader in readers)
    assert sum(report.sent for report in reports) == len(readers)
    assert DigestDelivery.objects.filter(status=DigestDelivery.Status.SENT).count() == len(readers)


def test_an_smtp_refusal_is_retried_later_and_the_reader_gets_exactly_one(smtp_server):
    reader = factories.subscriber("analyst@example.org")
    smtp_server.refuse_next("451 4.3.0 Mailbox busy, try again later")
    assert digests.send_due_digests(now=NOW).failed == 1
    assert smtp_server.received_by("analyst@example.org") == []
    delivery = reader.deliveries.get()
    assert delivery.status == DigestDelivery.Status.FAILED
    assert "451" in delivery.last_error
    assert delivery.next_attempt_at > NOW
    assert digests.send_due_digests(now=NOW + datetime.timedelta(minutes=1)).sent == 0
    assert digests.send_due_digests(now=delivery.next_attempt_at).sent == 1
    assert digests.send_due_digests(now=delivery.next_attempt_at + datetime.timedelta(hours=2)).sent == 0
    assert len(smtp_server.received_by("analyst@example.org")) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DigestDelivery.Status.SENT, 2)


def test_a_permanent_refusal_is_recorded_and_not_retried(smtp_server):
    reader = factories.subscriber("gone@example.org")
    smtp_server.refuse_next("550 5.1.1 No such mailbox")
    digests.send_due_digests(now=NOW)
    delivery = reader.deliveries.get()
    assert (delivery.status, delivery.next_attempt_at) == (DigestDelivery.Status.FAILED, None)
    assert "550" in delivery.last_error
    assert digests.send_due_digests(now=NOW + datetime.timedelta(days=1)).sent == 0
    assert smtp_server.messages == []


def test_a_subscriber_whose_sends_keep_failing_is_flagged_and_still_sent_to(smtp_server):
    reader = factories.subscriber("flaky@example.org")
    smtp_server.refuse_next("452 4.2.2 Mailbox full", times=digests.FLAG_AFTER)
    now = NOW
    for _ in range(digests.FLAG_AFTER):
        digests.send_due_digests(now=now)
        now = reader.deliveries.get().next_attempt_at
    reader.refresh_from_db()
    assert reader.consecutive_failures == digests.FLAG_AFTER
    assert reader.failing_since is not None
    assert "452" in reader.last_error
    assert reader in Subscriber.objects.failing()
    digests.send_due_digests(now=now)
    assert len(smtp_server.received_by("flaky@example.org")) == 1
    reader.refresh_from_db()
    assert (reader.consecutive_failures, reader.failing_since) == (0, None)


def test_an_unreachable_mail_server_fails_the_batch_and_it_goes_out_once_it_is_back(smtp_server, settings):
    readers = [factories.subscriber() for _ in range(3)]
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = closed.getsockname()[1]
    report = digests.send_due_digests(now=NOW)
    assert (report.sent, report.failed) == (0, 3)
    assert all(reader.consecutive_failures == 0 for reader in Subscriber.objects.all())
    settings.EMAIL_PORT = smtp_server.port
    digests.send_due_digests(now=NOW + digests.RETRY_CAP)
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(reader.email for reader in readers)


def test_a_row_left_claimed_by_a_worker_that_died_is_sent_after_the_claim_timeout(smtp_server):
    factories.subscriber("analyst@example.org")
    digests.create_deliveries(period=PERIOD, now=NOW)
    assert len(digests.claim_deliveries(now=NOW)) == 1  # the worker claims it, then dies before sending
    assert digests.send_due_digests(now=NOW + datetime.timedelta(minutes=5)).sent == 0
    assert digests.send_due_digests(now=NOW + digests.DELIVERY_CLAIM_TIMEOUT + datetime.timedelta(minutes=1)).sent == 1
    assert len(smtp_server.messages) == 1


def test_the_digest_is_due_only_from_the_configured_day_and_hour_in_its_time_zone(smtp_server, settings):
    settings.DIGEST_WEEKDAY, settings.DIGEST_HOUR, settings.DIGEST_TIME_ZONE = "tuesday", 9, "Europe/Paris"
    factories.subscriber("analyst@example.org", confirmed_at=IN_PERIOD)  # after the week before was sent
    tuesday_nine_paris = datetime.datetime(2026, 11, 24, 8, 0, tzinfo=datetime.UTC)
    assert digests.send_due_digests(now=tuesday_nine_paris - datetime.timedelta(minutes=1)).sent == 0
    report = digests.send_due_digests(now=tuesday_nine_paris)
    assert (report.period, report.sent) == (PERIOD, 1)


def test_someone_who_confirms_after_the_send_waits_for_the_next_week(smtp_server):
    factories.subscriber("early@example.org")
    digests.send_due_digests(now=NOW)
    factories.subscriber("late@example.org", confirmed_at=NOW + datetime.timedelta(hours=1))
    assert digests.send_due_digests(now=NOW + datetime.timedelta(hours=2)).sent == 0
    assert digests.send_due_digests(now=NOW + datetime.timedelta(days=7)).sent == 2


def test_the_retry_task_never_sends_a_delivery_twice(smtp_server):
    factories.subscriber("analyst@example.org")
    digests.create_deliveries(period=PERIOD, now=NOW)
    delivery = DigestDelivery.objects.get()
    assert tasks.send_digest_delivery(delivery.pk) == "sent"
    assert tasks.send_digest_delivery(delivery.pk) == "not sent now: sent"
    assert len(smtp_server.messages) == 1


def test_the_beat_task_queues_chunks_that_workers_share_and_each_digest_goes_once(
    smtp_server, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)  # as on the embedded default
    monkeypatch.setattr(tasks, "DIGEST_CHUNK", 2)
    monkeypatch.setattr(tasks.timezone, "now", lambda: NOW)
    readers = [factories.subscriber() for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_weekly_digests() == "5 digest(s) to send in 3 chunk(s)"
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_weekly_digests() == "0 digest(s) to send in 0 chunk(s)"
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(reader.email for reader in readers)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker runs on PostgreSQL and Redis")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_sends_each_due_digest_once_when_beat_fires_twice(smtp_server, settings):
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    readers = [factories.subscriber() for _ in range(3)]
    env = {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_server.port), "SITE_URL": SITE}
    worker = Worker(broker_url=settings.CELERY_BROKER_URL, env=env).start()
    try:
        tasks.send_weekly_digests.delay()
        tasks.send_weekly_digests.delay()
        wait_for(lambda: len(smtp_server.messages) >= len(readers), timeout=60, message="the digests")
        wait_for(lambda: DigestDelivery.objects.exclude(status="sent").count() == 0, message="every row sent")
    finally:
        worker.stop()
    assert sorted(message["To"] for message in smtp_server.messages) == sorted(reader.email for reader in readers)


def test_the_queries_per_digest_do_not_grow_with_the_content_or_the_subscribers(settings, mailoutbox):
    us = registry_factories.jurisdiction("US", "United States")
    for n in range(6):
        _news_document(jurisdiction=us if n % 2 else None)
        _changed_threshold(1e26, 1e25)

    def queries(pairs: int) -> int:
        for _ in range(pairs):
            factories.subscriber(challenges=["alignment"], jurisdictions=[us])
            factories.subscriber()
        with CaptureQueriesContext(connection) as captured:
            assert digests.send_digests(period=PERIOD, now=NOW).sent == 2 * pairs
        return len(captured)

    few, many = queries(5), queries(20)
    # One UPDATE per message records it as sent the moment the server accepts it; nothing else grows.
    assert many - few <= 2 * 20 - 2 * 5


def test_send_digests_dry_run_prints_each_digest_and_sends_or_records_nothing(mailoutbox):
    factories.subscriber("analyst@example.org")
    _news_document()
    out = io.StringIO()
    call_command("send_digests", "--dry-run", "--period", PERIOD, stdout=out)
    printed = out.getvalue()
    assert "To: analyst@example.org" in printed
    assert EVIDENCE in printed
    assert printed.rstrip().endswith("2026-W47: 1 digest(s) previewed, 0 with nothing new; nothing sent")
    assert mailoutbox == []
    assert not DigestDelivery.objects.exists()


def test_send_digests_to_one_address_sends_only_to_it(smtp_server):
    factories.subscriber("one@example.org")
    factories.subscriber("other@example.org")
    out = io.StringIO()
    call_command("send_digests", "--period", PERIOD, "--to", "ONE@example.org", stdout=out)
    assert out.getvalue().strip() == "2026-W47: 1 sent, 0 failed, 0 skipped"
    assert [message["To"] for message in smtp_server.messages] == ["one@example.org"]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--period", "2026-48"], "a period is an ISO week such as 2026-W48"),
        (["--period", "2026-W54"], "2026 has no ISO week 54"),
        (["--to", "nobody@example.org"], "no subscriber with the address nobody@example.org"),
    ],
)
def test_send_digests_refuses_bad_input_in_one_line(arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("send_digests", *arguments, stdout=io.StringIO())


def test_send_digests_to_an_unconfirmed_address_is_refused():
    factories.subscriber("waiting@example.org", confirmed=False)
    with pytest.raises(CommandError, match=r"waiting@example\.org is awaiting confirmation: it gets no digest"):
        call_command("send_digests", "--to", "waiting@example.org", stdout=io.StringIO())


def test_the_admin_previews_a_subscribers_next_digest(admin_client):
    reader = factories.subscriber("analyst@example.org")
    page = admin_client.get(reverse("admin:tracker_subscriber_change", args=[reader.pk])).content.decode()
    preview = reverse("admin:tracker_subscriber_preview", args=[reader.pk])
    assert preview in page
    html = admin_client.get(preview).content.decode()
    assert "weekly digest" in html
    assert "analyst@example.org" in html


def test_the_admin_lists_every_delivery_with_its_status_and_error(admin_client, smtp_server):
    factories.subscriber("analyst@example.org")
    smtp_server.refuse_next("451 4.3.0 Mailbox busy, try again later")
    digests.send_due_digests(now=NOW)
    page = admin_client.get(reverse("admin:tracker_digestdelivery_changelist")).content.decode()
    assert "analyst@example.org" in page
    assert PERIOD in page
    assert "Failed" in page
    assert "451 4.3.0 Mailbox busy" in page


def test_the_weekly_send_is_scheduled_from_the_settings():
    weekly = PeriodicTask.objects.get(name="Send the weekly digest")
    assert weekly.task == "tracker.tasks.send_weekly_digests"
    assert (weekly.crontab.minute, weekly.crontab.hour, weekly.crontab.day_of_week) == ("0", "8", "1")
    assert PeriodicTask.objects.get(name="Retry and resume digest sends").interval.every == 10


def test_a_period_runs_from_monday_to_monday_in_the_digest_time_zone(settings):
    settings.DIGEST_TIME_ZONE = "America/New_York"
    start, end = digests.period_bounds(PERIOD)
    assert start.isoformat() == "2026-11-16T00:00:00-05:00"
    assert end.isoformat() == "2026-11-23T00:00:00-05:00"
    assert digests.period_of(datetime.datetime(2026, 11, 23, 3, 0, tzinfo=datetime.UTC)) == PERIOD


def test_the_digest_names_no_threshold_that_was_rejected_or_sent_back(smtp_server, reviewer):
    factories.subscriber("analyst@example.org")
    rejected = registry_factories.threshold(("training_compute_flop", ">", 3e25), review_status="candidate")
    reviewing.reject(threshold=rejected, reviewer=reviewer, note="A price list, not a threshold.")
    sent_back = registry_factories.threshold(("training_compute_flop", ">", 4e25), review_status="candidate")
    reviewing.send_back(threshold=sent_back, reviewer=reviewer)
    CapabilityThreshold.objects.filter(pk__in=[rejected.pk, sent_back.pk]).update(reviewed_at=IN_PERIOD)
    digests.send_due_digests(now=NOW)
    text = _text(smtp_server.received_by("analyst@example.org")[0])
    assert rejected.name not in text
    assert sent_back.name not in text


def test_following_a_country_brings_its_states(smtp_server):
    us = registry_factories.jurisdiction("US", "United States")
    california = registry_factories.jurisdiction("US-CA", "California")
    eu = registry_factories.jurisdiction("EU", "European Union")
    factories.subscriber("us-reader@example.org", jurisdictions=[us])
    factories.document(
        title="California notice", first_seen_at=IN_PERIOD, jurisdiction=california, tags=[("alignment", "A.")]
    )
    factories.document(title="EU notice", first_seen_at=IN_PERIOD, jurisdiction=eu, tags=[("alignment", "B.")])
    bill = registry_factories.instrument(short_name="State Frontier Bill", jurisdiction=california)
    registry_factories.threshold(
        ("training_compute_flop", ">", 1e26), instrument_=bill, reviewed_at=IN_PERIOD, name="State compute line"
    )
    digests.send_due_digests(now=NOW)
    text = _text(smtp_server.received_by("us-reader@example.org")[0])
    assert "California notice" in text
    assert "State compute line" in text
    assert "EU notice" not in text
    assert "Following: all challenges; US" in text.splitlines()


def test_a_new_install_s_seed_approvals_are_not_news(smtp_server, settings):
    settings.DIGEST_SEND_EMPTY = True
    factories.subscriber("analyst@example.org")
    registry_factories.threshold(
        ("training_compute_flop", ">", 1e26), reviewed_at=IN_PERIOD, origin="seed", name="Seeded compute line"
    )
    digests.send_due_digests(now=NOW)
    [message] = smtp_server.received_by("analyst@example.org")
    assert "Seeded compute line" not in _text(message)
    assert message["Subject"] == "Nothing new this week (16-22 November 2026)"


def test_each_threshold_in_the_digest_shows_its_instrument_s_status(smtp_server, reviewer):
    factories.subscriber("analyst@example.org")
    vetoed = registry_factories.instrument(
        short_name="Vetoed Bill", kind="bill", status="vetoed", effective_on=None, ended_on=datetime.date(2024, 9, 29)
    )
    in_force = registry_factories.instrument(short_name="Live Act", effective_on=datetime.date(2024, 8, 1))
    for instrument, name in ((vetoed, "Vetoed line"), (in_force, "Live line")):
        threshold = registry_factories.threshold(
            ("training_compute_flop", ">", 1e26), instrument_=instrument, review_status="candidate", name=name
        )
        reviewing.approve(threshold=threshold, reviewer=reviewer)
    CapabilityThreshold.objects.update(reviewed_at=IN_PERIOD)
    digests.send_due_digests(now=NOW)
    [message] = smtp_server.received_by("analyst@example.org")
    text = _text(message)
    assert "Approved: Vetoed Bill: Vetoed line [EU], vetoed on 29 Sep 2024" in text
    assert "Approved: Live Act: Live line [EU], in force since 1 Aug 2024" in text
    assert "vetoed on 29 Sep 2024" in _html(message)


def test_the_digest_lists_open_comment_periods_closing_in_the_coming_weeks_soonest_first(smtp_server):
    factories.subscriber("analyst@example.org")
    us = registry_factories.jurisdiction("US", "United States")
    later = factories.document(
        title="Request for comment on model weight security",
        first_seen_at=BEFORE,
        jurisdiction=us,
        comments_close_on=datetime.date(2026, 12, 20),
        extra={"agencies": ["Industry and Security Bureau"]},
    )
    factories.document(
        title="Proposed rule on training run reports",
        first_seen_at=BEFORE,
        comments_close_on=datetime.date(2026, 11, 30),
    )
    factories.document(
        title="Notice with a distant deadline", first_seen_at=BEFORE, comments_close_on=datetime.date(2027, 2, 1)
    )
    factories.document(
        title="Notice whose period closed", first_seen_at=BEFORE, comments_close_on=datetime.date(2026, 11, 20)
    )
    digests.send_due_digests(now=NOW)
    [message] = smtp_server.received_by("analyst@example.org")
    text, html = _text(message), _html(message)
    assert "OPEN COMMENT PERIODS CLOSING IN THE NEXT 28 DAYS" in text
    assert "* 30 Nov 2026 (7 days left): Proposed rule on training run reports" in text
    assert (
        "* 20 Dec 2026 (27 days left): Request for comment on model weight security [US], Industry and Security Bureau"
        in text
    )
    assert text.index("Proposed rule on training run reports") < text.index("model weight security")
    assert f"  {later.url}" in text
    assert "distant deadline" not in text
    assert "period closed" not in text
    assert "Open comment periods closing in the next 28 days" in html
    assert f'href="{later.url}"' in html


def test_open_comment_periods_follow_the_subscribers_jurisdictions_and_challenges(smtp_server):
    us = registry_factories.jurisdiction("US", "United States")
    eu = registry_factories.jurisdiction("EU", "European Union")
    factories.subscriber("us-misuse@example.org", challenges=["human_misuse"], jurisdictions=[us])
    deadline = {"first_seen_at": BEFORE, "comments_close_on": datetime.date(2026, 12, 1)}
    factories.document(title="US export rule open for comment", jurisdiction=us, **deadline)
    factories.document(title="EU consultation", jurisdiction=eu, **deadline)
    factories.document(title="US alignment consultation", jurisdiction=us, tags=[("alignment", "D.")], **deadline)
    digests.send_due_digests(now=NOW)
    text = _text(smtp_server.received_by("us-misuse@example.org")[0])
    assert "US export rule open for comment" in text
    assert "EU consultation" not in text
    assert "US alignment consultation" not in text
