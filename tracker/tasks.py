"""Celery tasks: thin wrappers that take ids, look the row up, and call one workflow function."""

import logging
import math
import random
import smtplib

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from tracker import digests, processing, pulling
from tracker.digests import subscriptions
from tracker.models import DigestDelivery, Source

log = logging.getLogger(__name__)
RETRY_CAP_SECONDS = 600


def send_after_commit(task, *args):
    """Queue a task once the current transaction commits; if the broker is down the row stays pending and a
    sweep (sources: their claim times out; documents: sweep_pending_documents) sends it later."""

    def send():
        try:
            task.delay(*args)
        except BrokerError as error:
            log.warning("could not queue %s%r, a sweep will retry: %s", task.name, args, error)

    transaction.on_commit(send)


def _countdown(retries: int, retry_after: float | None) -> float:
    backoff = min(RETRY_CAP_SECONDS, 30 * 2**retries) * random.uniform(0.5, 1.5)
    return max(backoff, retry_after or 0)


@shared_task(bind=True, max_retries=3, acks_late=True)
def pull_source(self, source_id: int):
    source = Source.objects.filter(pk=source_id, active=True).first()
    if source is None:
        return None
    final = self.request.is_eager or self.request.retries >= self.max_retries
    try:
        run, report = pulling.pull_source(source=source, final_attempt=final)
    except pulling.PullFailed as failure:
        if failure.transient and not final:
            raise self.retry(countdown=_countdown(self.request.retries, failure.retry_after)) from failure
        return f"failed: {failure.message}"
    ids = report.to_process
    for start in range(0, len(ids), processing.BATCH_SIZE):
        send_after_commit(process_documents, ids[start : start + processing.BATCH_SIZE])
    return f"{run.get_status_display()}: {report.summary()}"


@shared_task(acks_late=True)
def process_documents(document_ids: list[int]):
    """A batch from one pull; a batch that fails is redone one document at a time inside this task."""
    failed = processing.process_documents(documents=processing.claim_attempts(document_ids=document_ids))
    return f"{len(document_ids)} queued, {failed} failed"


@shared_task(acks_late=True)
def process_document(document_id: int):
    """One document, as the sweep sends them: a document that keeps failing is isolated."""
    document = processing.claim_attempt(document_id=document_id)
    if document is None:
        return None
    try:
        processing.process_document(document=document)
    except Exception as error:
        # Recorded on the document; the sweep tries again until it is parked.
        log.exception("processing document %s failed", document_id)
        return f"failed: {error}"
    return "done"


@shared_task
def dispatch_due_sources():
    ids = pulling.claim_due_sources()
    for source_id in ids:
        send_after_commit(pull_source, source_id)
    return len(ids)


@shared_task
def prune_fetch_runs():
    deleted = pulling.prune_fetch_runs(
        keep=settings.TRACKER_FETCH_RUNS_KEEP, keep_days=settings.TRACKER_FETCH_RUNS_KEEP_DAYS
    )
    return f"{deleted} fetch run(s) pruned"


@shared_task
def sweep_pending_documents():
    ids = pulling.claim_stale_documents()
    for document_id in ids:
        send_after_commit(process_document, document_id)
    return len(ids)


@shared_task(acks_late=True)
def retag_documents(limit: int = processing.RETAG_BATCH):
    """One batch of documents tagged by an older model; queues the next batch behind whatever is waiting (new
    documents first) until none is left. Every worker queues it when it starts, so a new model re-tags the archive."""
    done = processing.retag_stale_documents(limit=limit)
    if done == limit:
        send_after_commit(retag_documents, limit)
    return f"{done} re-tagged"


@worker_ready.connect
def _retag_after_start(sender, **kwargs):
    sender.app.send_task(retag_documents.name)


# The weekly digest. Beat runs send_weekly_digests weekly (a crontab from the DIGEST_* settings) and every 10 minutes
# (retries of failed sends, rows a dead worker held, a run cut short); it makes the due rows and queues chunks that
# every worker shares. Claims make any number of chunks, or runs, at once safe.
DIGEST_CHUNK = 500


@shared_task(acks_late=True)
def send_weekly_digests():
    to_send = digests.prepare_due_digests(now=timezone.now())
    chunks = math.ceil(to_send / DIGEST_CHUNK)
    for _ in range(chunks):
        send_after_commit(send_digest_chunk)
    return f"{to_send} digest(s) to send in {chunks} chunk(s)"


@shared_task(acks_late=True)
def send_digest_chunk():
    return digests.send_due_digests(now=timezone.now(), limit=DIGEST_CHUNK).summary()


@shared_task(acks_late=True)
def send_digest_delivery(delivery_id: int):
    delivery = DigestDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        return None
    return digests.send_digest(delivery=delivery)


@shared_task(bind=True, max_retries=3, acks_late=True)
def subscribe(self, email: str, challenges: list[str], jurisdictions: list[str], instruments: list[str]):
    """The half of subscriptions.request_subscription that depends on the address. It takes the address, not an
    id: whether a row exists is what the request must not reveal."""
    try:
        subscriptions.subscribe(
            email=email, challenges=challenges, jurisdictions=jurisdictions, instruments=instruments
        )
    except ValidationError as error:  # something it follows was removed since the request
        return f"refused: {'; '.join(error.messages)}"
    except (smtplib.SMTPException, OSError) as error:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            raise
        raise self.retry(countdown=_countdown(self.request.retries, None)) from error
    return "done"
