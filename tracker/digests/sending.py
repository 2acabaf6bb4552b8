"""Sending the weekly digest: each subscriber's DigestDelivery row for the week is claimed before anything is sent,
so a second run, a retry or a second worker never sends a second copy; a failed send is recorded and retried with
backoff."""

import datetime
import logging
import random
import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from tracker.digests.emails import message_id
from tracker.digests.news import Directory, Follows, PeriodNews, digest_message, message_id_key
from tracker.digests.periods import due_period, send_moment
from tracker.models import DigestDelivery, Subscriber

log = logging.getLogger(__name__)
# Deliveries claimed, rendered and sent over one SMTP connection at a time.
BATCH_SIZE = 200
# A row claimed this long ago and never reported back was held by a worker that died: it may be claimed again.
DELIVERY_CLAIM_TIMEOUT = datetime.timedelta(minutes=15)
# Attempts at one delivery before it gives up (a permanent refusal gives up at once).
MAX_ATTEMPTS = 5
RETRY_BASE = datetime.timedelta(minutes=5)
RETRY_CAP = datetime.timedelta(hours=6)
# Consecutive failed sends after which a subscriber is flagged in the admin (and still sent to).
FLAG_AFTER = 3


# Sending: rows are made once per subscriber and period (the unique constraint), claimed by one sender at a time,
# sent in batches over one SMTP connection, and each outcome recorded as it happens.


@dataclass
class Report:
    period: str
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    more: bool = False
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = f"{self.period}: {self.sent} sent, {self.failed} failed, {self.skipped} skipped"
        return line + (" (more to send)" if self.more else "")


def create_deliveries(*, period: str, now, confirmed_before=None, subscriber: Subscriber | None = None) -> int:
    """One pending row per confirmed subscriber without one for the period; rows that exist are left alone."""
    due = Subscriber.objects.active().exclude(deliveries__period=period)
    if confirmed_before is not None:
        due = due.filter(confirmed_at__lt=confirmed_before)
    if subscriber is not None:
        due = due.filter(pk=subscriber.pk)
    rows = [
        DigestDelivery(
            subscriber_id=pk, period=period, created_at=now, message_id=message_id(message_id_key(pk, period))
        )
        for pk in due.values_list("pk", flat=True)
    ]
    DigestDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def _claimable(now) -> Q:
    return (
        Q(status=DigestDelivery.Status.PENDING)
        | Q(status=DigestDelivery.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=DigestDelivery.Status.SENDING, claimed_at__lt=now - DELIVERY_CLAIM_TIMEOUT)
    )


def claim_deliveries(
    *, now, period: str | None = None, subscriber: Subscriber | None = None, ids=None, limit: int = BATCH_SIZE
) -> list[DigestDelivery]:
    """Claim up to `limit` rows to send, skipping rows another sender holds; each claim counts an attempt.

    A row a dead worker left claimed comes back after DELIVERY_CLAIM_TIMEOUT; one that did so MAX_ATTEMPTS times
    gives up.
    """
    rows = DigestDelivery.objects.filter(_claimable(now))
    if period:
        rows = rows.filter(period=period)
    if subscriber is not None:
        rows = rows.filter(subscriber=subscriber)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    with transaction.atomic():
        found = list(rows.select_for_update(skip_locked=True).order_by("pk").values_list("pk", "attempts")[:limit])
        spent = [pk for pk, attempts in found if attempts >= MAX_ATTEMPTS]
        if spent:
            DigestDelivery.objects.filter(pk__in=spent).update(
                status=DigestDelivery.Status.FAILED,
                next_attempt_at=None,
                claimed_at=None,
                last_error="gave up: the send was interrupted too many times",
            )
        claimed = [pk for pk, attempts in found if attempts < MAX_ATTEMPTS]
        if claimed:
            DigestDelivery.objects.filter(pk__in=claimed).update(
                status=DigestDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    if not claimed:
        return []
    return list(DigestDelivery.objects.filter(pk__in=claimed).select_related("subscriber").order_by("pk"))


def _backoff(attempts: int) -> datetime.timedelta:
    return min(RETRY_CAP, RETRY_BASE * 4 ** max(attempts - 1, 0)) * random.uniform(0.8, 1.2)


class _ConnectionDown(Exception):
    """The SMTP server could not be reached or dropped us: the rest of the batch would fail the same way."""


def _smtp_outcome(error: Exception) -> tuple[bool, bool]:
    """(transient, about this recipient) for an error sending one message."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return (bool(codes) and min(codes) < 500), True
    if isinstance(error, smtplib.SMTPResponseException) and not isinstance(
        error, smtplib.SMTPConnectError | smtplib.SMTPHeloError | smtplib.SMTPAuthenticationError
    ):
        return error.smtp_code < 500, True
    return True, False


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{address}: {code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for address, (code, text) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        return f"{error.smtp_code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    return f"{type(error).__name__}: {error}"


class _Connection:
    """One connection to the mail server for a batch, opened when the first message is ready."""

    def __init__(self):
        self.backend = get_connection()
        self.opened = False

    def send(self, message):
        if not self.opened:
            # The backend opens a connection of its own per call unless one is open already.
            self.backend.open()
            self.opened = True
        self.backend.send_messages([message])

    def close(self):
        if self.opened:
            try:
                self.backend.close()
            except Exception:  # a connection that broke cannot always say goodbye
                log.debug("closing the SMTP connection failed", exc_info=True)


class _Sender:
    """One run: the news of each period read once, deliveries sent over one connection per batch."""

    def __init__(self, *, now):
        self.now = now
        self.directory = Directory()
        self.news: dict[str, PeriodNews] = {}

    def news_for(self, period: str) -> PeriodNews:
        if period not in self.news:
            self.news[period] = PeriodNews(period)
        return self.news[period]

    def send(self, deliveries: list[DigestDelivery], report: Report) -> bool:
        """Send a claimed batch over one connection; False when the server could not be reached or dropped the
        connection (the rest of the batch is recorded as failed, to be retried)."""
        follows = self.directory.follows_of([delivery.subscriber for delivery in deliveries])
        connection = _Connection()
        try:
            for index, delivery in enumerate(deliveries):
                try:
                    self._send_one(delivery, follows[delivery.subscriber_id], connection, report)
                except _ConnectionDown as down:
                    for rest in deliveries[index:]:
                        self._failed(rest, str(down), transient=True, about_recipient=False, report=report)
                    return False
        finally:
            connection.close()
        return True

    def _send_one(self, delivery: DigestDelivery, follows: Follows, connection: "_Connection", report: Report):
        subscriber = delivery.subscriber
        if not subscriber.is_active:
            self._skipped(delivery, "unsubscribed before it was sent", report)
            return
        content = self.news_for(delivery.period).content_for(follows)
        if content["is_empty"] and not settings.DIGEST_SEND_EMPTY:
            self._skipped(delivery, "", report)
            return
        message = digest_message(subscriber=subscriber, content=content, following=self.directory.describe(follows))
        try:
            connection.send(message)
        except (smtplib.SMTPException, OSError) as error:
            transient, about_recipient = _smtp_outcome(error)
            if not about_recipient:
                raise _ConnectionDown(_describe(error)) from error
            self._failed(delivery, _describe(error), transient=transient, about_recipient=True, report=report)
            return
        self._sent(delivery, report)

    def _sent(self, delivery: DigestDelivery, report: Report):
        # Recorded at once, message by message: a worker that dies mid-batch leaves at most the message in flight
        # unrecorded (sent again, with the same Message-ID, after DELIVERY_CLAIM_TIMEOUT). This UPDATE runs once per
        # message, so it is plain SQL: QuerySet.update() costs four times its CPU (0.58 against 0.15 ms, measured here
        # while tuning bench/digest.py's digests per second).
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(DigestDelivery._meta.db_table)} "
                "SET status = %s, sent_at = %s, next_attempt_at = NULL, last_error = '' WHERE id = %s",
                [DigestDelivery.Status.SENT.value, connection.ops.adapt_datetimefield_value(self.now), delivery.pk],
            )
        if delivery.subscriber.consecutive_failures:
            Subscriber.objects.filter(pk=delivery.subscriber_id).update(
                consecutive_failures=0, failing_since=None, last_error=""
            )
        report.sent += 1

    def _skipped(self, delivery: DigestDelivery, reason: str, report: Report):
        DigestDelivery.objects.filter(pk=delivery.pk).update(
            status=DigestDelivery.Status.SKIPPED, next_attempt_at=None, last_error=reason
        )
        report.skipped += 1

    def _failed(self, delivery, error: str, *, transient: bool, about_recipient: bool, report: Report):
        retry = transient and delivery.attempts < MAX_ATTEMPTS
        DigestDelivery.objects.filter(pk=delivery.pk).update(
            status=DigestDelivery.Status.FAILED,
            last_error=error[:2000],
            next_attempt_at=self.now + _backoff(delivery.attempts) if retry else None,
        )
        if about_recipient:
            Subscriber.objects.filter(pk=delivery.subscriber_id).update(
                consecutive_failures=F("consecutive_failures") + 1,
                last_error=error[:2000],
                failing_since=Case(
                    When(failing_since__isnull=True, consecutive_failures__gte=FLAG_AFTER - 1, then=Value(self.now)),
                    default=F("failing_since"),
                ),
            )
        log.warning("digest %s to %s failed (%s): %s", delivery.period, delivery.subscriber, delivery.attempts, error)
        report.failed += 1
        report.errors.append(f"{delivery.subscriber}: {error}")


def _still_to_send(now, *, period, subscriber) -> bool:
    rows = DigestDelivery.objects.filter(_claimable(now))
    if period:
        rows = rows.filter(period=period)
    if subscriber is not None:
        rows = rows.filter(subscriber=subscriber)
    return rows.exists()


def send_digests(
    *,
    period: str,
    now,
    subscriber: Subscriber | None = None,
    confirmed_before=None,
    any_period_retries: bool = False,
    limit: int | None = None,
) -> Report:
    """Make the period's rows, then claim and send them in batches until none is left (or `limit` were handled).
    any_period_retries also takes failed rows of earlier periods whose next attempt has come."""
    create_deliveries(period=period, now=now, confirmed_before=confirmed_before, subscriber=subscriber)
    sender, report = _Sender(now=now), Report(period=period)
    handled = 0
    while True:
        size = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - handled)
        if size <= 0:
            report.more = _still_to_send(now, period=None if any_period_retries else period, subscriber=subscriber)
            break
        batch = claim_deliveries(
            now=now, period=None if any_period_retries else period, subscriber=subscriber, limit=size
        )
        if not batch:
            break
        handled += len(batch)
        if not sender.send(batch, report):
            break
    return report


def prepare_due_digests(*, now) -> int:
    """Make the rows of the latest period whose send time has come, for subscribers confirmed by then (someone who
    confirms later starts with the next week); how many rows are now waiting to be sent, of any period."""
    period = due_period(now)
    create_deliveries(period=period, now=now, confirmed_before=send_moment(period))
    return DigestDelivery.objects.filter(_claimable(now)).count()


def send_due_digests(*, now, limit: int | None = None) -> Report:
    """What the workers run: prepare the due period's rows, then send them, and retry failed sends whose time has
    come and rows a dead worker left. Running it again, or twice at once, sends nothing twice."""
    period = due_period(now)
    return send_digests(
        period=period, now=now, confirmed_before=send_moment(period), any_period_retries=True, limit=limit
    )


def send_digest(*, delivery: DigestDelivery, now=None) -> str:
    """Send one delivery now if it is still to send (pending, or failed and due); its status afterwards."""
    now = now or timezone.now()
    claimed = claim_deliveries(now=now, ids=[delivery.pk], limit=1)
    if not claimed:
        delivery.refresh_from_db()
        return f"not sent now: {delivery.get_status_display().lower()}"
    _Sender(now=now).send(claimed, Report(period=delivery.period))
    delivery.refresh_from_db()
    return delivery.get_status_display().lower()
