"""Processing a stored document: tag it against the three challenges and record the threshold figures in it."""

from django.db import transaction
from django.utils import timezone

from tracker import tagging
from tracker.mentions import record_mentions
from tracker.models import Document, DocumentTag, ProcessStatus, TagOrigin

# A document whose processing failed this many times is parked with its error instead of tried again.
MAX_ATTEMPTS = 3


def tag_document(*, document: Document) -> list[DocumentTag]:
    """Replace the machine's tags; a person's corrections are left as they are and keep winning."""
    tags = tagging.tag(document.text, title=document.title)
    DocumentTag.objects.filter(document=document, origin=TagOrigin.MACHINE).delete()
    return DocumentTag.objects.bulk_create(
        DocumentTag(
            document=document,
            category_id=tag.category,
            origin=TagOrigin.MACHINE,
            labelled=tag.labelled,
            score=round(min(max(tag.score, 0.0), 1.0), 4),
            evidence=[{"start": e.start, "end": e.end, "text": e.text} for e in tag.evidence],
            tagger_version=tagging.TAGGER_VERSION,
        )
        for tag in tags
    )


def claim_attempt(*, document_id: int) -> Document | None:
    """Count an attempt in the database before working, so a document that kills its worker is parked in time."""
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.process_status != ProcessStatus.PENDING:
            return None
        if document.process_attempts >= MAX_ATTEMPTS:
            document.process_status = ProcessStatus.PARKED
            document.process_error = document.process_error or "stopped a worker repeatedly"
            document.save(update_fields=["process_status", "process_error"])
            return None
        document.process_attempts += 1
        document.save(update_fields=["process_attempts"])
        return document


def process_document(*, document: Document):
    """Tag the document and record its threshold mentions, in one transaction; park it after repeated failure."""
    try:
        with transaction.atomic():
            tag_document(document=document)
            record_mentions(document=document)
            document.process_status, document.process_error = ProcessStatus.DONE, ""
            document.processed_at = timezone.now()
            document.save(update_fields=["process_status", "process_error", "processed_at"])
    except Exception as error:
        document.process_error = f"{type(error).__name__}: {error}"[:2000]
        if document.process_attempts >= MAX_ATTEMPTS:
            document.process_status = ProcessStatus.PARKED
        document.save(update_fields=["process_error", "process_status"])
        raise


def process_now(*, document_ids) -> int:
    """Process documents in this process (commands and the embedded default); returns how many failed."""
    failed = 0
    for document_id in document_ids:
        document = claim_attempt(document_id=document_id)
        if document is None:
            continue
        try:
            process_document(document=document)
        except Exception:  # recorded on the document; the sweep retries until it is parked
            failed += 1
    return failed
