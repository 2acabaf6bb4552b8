"""Processing stored documents: tag them against the three challenges and record the threshold figures in them.
Work goes in batches (one transaction a batch); a batch that fails is redone one document at a time, so one
poisonous document is parked with its error and never holds the others back."""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tracker import tagging
from tracker.mentions import Linker, record_mentions
from tracker.models import Document, DocumentTag, ProcessStatus, TagOrigin

log = logging.getLogger(__name__)
# A document whose processing failed (or killed its worker) this many times is parked instead of tried again.
MAX_ATTEMPTS = 3
BATCH_SIZE = 50
# Documents re-tagged in one transaction after the model changes: short enough not to hold up new documents.
RETAG_BATCH = 200


def tag_documents(*, documents) -> list[DocumentTag]:
    """Replace the machine's tags; a person's corrections are left as they are and keep winning."""
    DocumentTag.objects.filter(document__in=documents, origin=TagOrigin.MACHINE).delete()
    return DocumentTag.objects.bulk_create(
        DocumentTag(
            document=document,
            category_id=tag.category,
            origin=TagOrigin.MACHINE,
            labelled=tag.labelled,
            score=round(min(max(tag.score, 0.0), 1.0), 4),
            evidence=[{"start": e.start, "end": e.end, "text": e.text} for e in tag.evidence],
            tagger_version=tagging.tagger_version(),
        )
        for document in documents
        for tag in tagging.tag(document.text, title=document.title)
    )


def retag_stale_documents(*, limit: int = RETAG_BATCH) -> int:
    """Re-tag up to `limit` documents that another model tagged, skipping those another worker holds; returns how
    many. People's corrections are separate rows and stay as they are."""
    with transaction.atomic():
        documents = list(
            Document.objects.tagged_by_another_model(tagging.tagger_version())
            .select_for_update(skip_locked=True)
            .order_by("pk")[:limit]
        )
        tag_documents(documents=documents)
    return len(documents)


def claim_attempts(*, document_ids) -> list[Document]:
    """Count an attempt in the database before working, so a document that kills its worker is parked in time.
    Documents another worker holds, or that are no longer pending, are skipped."""
    with transaction.atomic():
        pending = list(
            Document.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(document_ids), process_status=ProcessStatus.PENDING)
            .order_by("pk")
        )
        spent = [d.pk for d in pending if d.process_attempts >= MAX_ATTEMPTS]
        Document.objects.filter(pk__in=spent, process_error="").update(process_error="stopped a worker repeatedly")
        Document.objects.filter(pk__in=spent).update(process_status=ProcessStatus.PARKED)
        claimed = [d for d in pending if d.pk not in spent]
        Document.objects.filter(pk__in=[d.pk for d in claimed]).update(process_attempts=F("process_attempts") + 1)
    for document in claimed:
        document.process_attempts += 1
    return claimed


def claim_attempt(*, document_id: int) -> Document | None:
    claimed = claim_attempts(document_ids=[document_id])
    return claimed[0] if claimed else None


def _process_batch(documents: list[Document], linker: Linker):
    with transaction.atomic():
        tag_documents(documents=documents)
        record_mentions(documents=documents, linker=linker)
        Document.objects.filter(pk__in=[d.pk for d in documents]).update(
            process_status=ProcessStatus.DONE, process_error="", processed_at=timezone.now()
        )
    for document in documents:
        document.process_status, document.process_error = ProcessStatus.DONE, ""


def _record_failure(document: Document, error: Exception):
    document.process_error = f"{type(error).__name__}: {error}"[:2000]
    if document.process_attempts >= MAX_ATTEMPTS:
        document.process_status = ProcessStatus.PARKED
    document.save(update_fields=["process_error", "process_status"])


def process_document(*, document: Document):
    """Process one claimed document; on failure record the error (parking it after MAX_ATTEMPTS) and re-raise."""
    try:
        _process_batch([document], Linker())
    except Exception as error:
        _record_failure(document, error)
        raise


def process_documents(*, documents: list[Document]) -> int:
    """Process claimed documents in one transaction; if that fails, one by one. Returns how many failed."""
    if not documents:
        return 0
    linker = Linker()
    try:
        _process_batch(documents, linker)
        return 0
    except Exception:
        log.warning("a batch of %d documents failed; processing them one by one", len(documents))
    failed, linker = 0, Linker()  # what the failed batch added to the linker was rolled back
    for document in documents:
        try:
            _process_batch([document], linker)
        except Exception as error:
            log.exception("processing document %s failed", document.pk)
            _record_failure(document, error)
            failed += 1
    return failed


def process_now(*, document_ids) -> int:
    """Claim and process documents in this process (commands, the embedded default); returns how many failed."""
    ids, failed = list(document_ids), 0
    for start in range(0, len(ids), BATCH_SIZE):
        failed += process_documents(documents=claim_attempts(document_ids=ids[start : start + BATCH_SIZE]))
    return failed
