"""Pulling a source: one conditional fetch through the safe fetcher, parsing by kind, and ingesting the items."""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracker.fetching import FetchError, fetch
from tracker.ingesting import IngestReport, ingest
from tracker.models import SOURCE_CLAIM_TIMEOUT, Document, FetchRun, Source, SourceKind
from tracker.parsing import ParseError, parse

# The Federal Register API pages its results; one pull reads at most this many pages.
MAX_PAGES = 5
# A run lists why the first this-many unusable items were left out (and counts them all).
MAX_REJECTIONS_SHOWN = 20
# A document still pending this long after it was queued is queued again.
STALE_AFTER = datetime.timedelta(minutes=10)
log = logging.getLogger(__name__)


class PullFailed(Exception):
    """A pull that fetched nothing usable; `transient` says whether trying again later may help."""

    def __init__(self, message: str, *, transient: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.message, self.transient, self.retry_after = message, transient, retry_after


def _pages(source: Source):
    """Yield (FetchResult, ParseResult) for the source, following Federal Register next-page links."""
    url, etag, last_modified = source.url, source.etag or None, source.last_modified or None
    for _page in range(MAX_PAGES):
        result = fetch(url, kind=source.kind, etag=etag, last_modified=last_modified)
        if result.not_modified:
            yield result, None
            return
        parsed = parse(
            source.kind, result.content, url=result.url, content_type=result.content_type, charset=result.charset
        )
        yield result, parsed
        if source.kind != SourceKind.FEDERAL_REGISTER or not parsed.next_url:
            return
        url, etag, last_modified = parsed.next_url, None, None


def pull_source(*, source: Source, now=None, final_attempt: bool = True) -> tuple[FetchRun, IngestReport]:
    """Fetch, parse and ingest one source, recording the run and the source's success or failure.

    Unusable items are left out, counted and listed on the run, and the rest stored. A transient failure that
    will be retried (final_attempt=False) is raised without counting against the source; any other failure,
    unexpected ones included, finishes the run, is recorded on the source (which then backs off) and is raised
    as PullFailed.
    """
    now = now or timezone.now()
    run = FetchRun.objects.create(source=source, started_at=now)
    report = IngestReport()
    first = None
    try:
        for result, parsed in _pages(source):
            first = first or result
            if parsed is None:
                run.status = FetchRun.Status.NOT_MODIFIED
                break
            run.items_seen += len(parsed.items) + len(parsed.rejected)
            report.merge(ingest(source=source, items=parsed.items, rejected=parsed.rejected, now=now))
        else:
            run.status = FetchRun.Status.OK
    except Exception as error:
        if isinstance(error, FetchError | ParseError):
            message = str(getattr(error, "message", None) or error)
        else:
            log.exception("pulling source %s failed unexpectedly", source.pk)
            message = f"unexpected {type(error).__name__}: {error}"
        failure = PullFailed(
            message, transient=getattr(error, "transient", False), retry_after=getattr(error, "retry_after", None)
        )
        _finish(run, report, status=FetchRun.Status.FAILED, error=failure.message)
        if final_attempt or not failure.transient:
            source.record_failure(now=now, error=failure.message, retry_after=failure.retry_after)
        raise failure from error
    _finish(run, report, status=run.status)
    source.record_success(
        now=now,
        etag=(first and first.etag) or source.etag,
        last_modified=(first and first.last_modified) or source.last_modified,
    )
    return run, report


def _finish(run: FetchRun, report: IngestReport, *, status: str, error: str = ""):
    run.status, run.error, run.finished_at = status, error, timezone.now()
    run.documents_new, run.documents_updated, run.documents_unchanged = report.new, report.updated, report.unchanged
    run.items_rejected = len(report.rejected)
    run.rejections = "\n".join(report.rejected[:MAX_REJECTIONS_SHOWN])
    run.save()


def claim_due_sources(*, now=None, limit: int = 50) -> list[int]:
    """Claim up to `limit` due sources, skipping rows another dispatcher holds. A claimed source is due again after
    SOURCE_CLAIM_TIMEOUT unless its pull reports back first, so a lost message delays a pull but never drops it."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Source.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("next_due_at")
            .values_list("pk", flat=True)[:limit]
        )
        Source.objects.filter(pk__in=ids).update(next_due_at=now + SOURCE_CLAIM_TIMEOUT)
    return ids


def claim_stale_documents(*, now=None, older_than=STALE_AFTER, limit: int = 200) -> list[int]:
    """Claim documents still waiting for processing long after they were queued (a lost message or a crash)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Document.objects.awaiting_processing()
            .filter(Q(queued_at__lt=now - older_than) | Q(queued_at__isnull=True))
            .select_for_update(skip_locked=True)
            .order_by("queued_at")
            .values_list("pk", flat=True)[:limit]
        )
        Document.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def prune_fetch_runs(*, now=None, keep: int, keep_days: int, batch_size: int = 1000, max_batches: int = 50) -> int:
    """Delete runs beyond each source's `keep` latest that are older than `keep_days` days, a batch at a time so
    a long backlog never holds one huge lock; what is left waits for the next sweep."""
    now = now or timezone.now()
    deleted = 0
    for _ in range(max_batches):
        ids = list(
            FetchRun.objects.prunable(now=now, keep=keep, keep_days=keep_days).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        deleted += FetchRun.objects.filter(pk__in=ids).delete()[0]
    return deleted
