"""Turns parsed items into documents: upsert on (source, external id), then canonical URL, then text hash.
Changed text makes a new version; the same document seen through two sources gets two sightings."""

import datetime
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from tracker.models import Document, DocumentVersion, ProcessStatus, Sighting, Source, text_hash
from tracker.parsing import ParsedItem

NEW, UPDATED, UNCHANGED = "new", "updated", "unchanged"
# Shorter texts are too generic to identify a document by their hash alone.
MIN_HASHABLE_CHARS = 200
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid")


@dataclass
class IngestReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    to_process: list[int] = field(default_factory=list)

    def add(self, document: Document, outcome: str):
        setattr(self, outcome, getattr(self, outcome) + 1)
        if outcome != UNCHANGED:
            self.to_process.append(document.pk)

    def summary(self) -> str:
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged"


def canonical_url(url: str) -> str:
    """The address without fragment, tracking parameters, default port or trailing slash, host lower-cased."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return ""
    host = parts.hostname or ""
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.startswith(_TRACKING_PARAMS)]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), host, path, urlencode(query), ""))[:1000]


def _find(source: Source, item: ParsedItem, canonical: str, digest: str, text: str) -> Document | None:
    sighting = Sighting.objects.filter(source=source, external_id=item.external_id).select_related("document").first()
    if sighting:
        return sighting.document
    if canonical and (document := Document.objects.filter(canonical_url=canonical).first()):
        return document
    if len(text) >= MIN_HASHABLE_CHARS:
        return Document.objects.filter(content_hash=digest).order_by("pk").first()
    return None


def _published(item: ParsedItem, now) -> datetime.datetime:
    return item.published or item.updated or now


def _store_new(source: Source, item: ParsedItem, canonical: str, digest: str, text: str, now) -> Document:
    document = Document.objects.create(
        source=source,
        kind=source.kind,
        url=item.url[:1000],
        canonical_url=canonical,
        title=(item.title or item.url)[:1000],
        summary=item.summary,
        text=text,
        content_hash=digest,
        jurisdiction=source.jurisdiction,
        published_at=_published(item, now),
        first_seen_at=now,
        last_seen_at=now,
        needs_ocr=item.needs_ocr,
        extra=item.extra,
        queued_at=now,
    )
    DocumentVersion.objects.create(
        document=document, number=1, title=document.title, text=text, content_hash=digest, source=source, fetched_at=now
    )
    return document


def _store_change(document: Document, source: Source, item: ParsedItem, digest: str, text: str, now) -> str:
    """Refresh a known document; a new text makes a new version and sends it back for processing."""
    document.last_seen_at = now
    fields = ["last_seen_at"]
    if digest != document.content_hash:
        number = (document.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        title = (item.title or document.title)[:1000]
        DocumentVersion.objects.create(
            document=document, number=number, title=title, text=text, content_hash=digest, source=source, fetched_at=now
        )
        document.title, document.text, document.summary, document.content_hash = title, text, item.summary, digest
        document.needs_ocr = item.needs_ocr
        document.process_status, document.process_attempts, document.queued_at = ProcessStatus.PENDING, 0, now
        fields += ["title", "text", "summary", "content_hash", "needs_ocr", "process_status", "process_attempts"]
        fields += ["queued_at"]
        if item.published or item.updated:
            document.published_at = _published(item, now)
            fields.append("published_at")
        outcome = UPDATED
    else:
        outcome = UNCHANGED
    document.save(update_fields=fields)
    return outcome


def upsert_item(*, source: Source, item: ParsedItem, now=None) -> tuple[Document, str]:
    now = now or timezone.now()
    text = item.text.strip()
    digest = text_hash(text or item.title)
    canonical = canonical_url(item.url)
    for attempt in range(2):
        try:
            with transaction.atomic():
                document = _find(source, item, canonical, digest, text)
                if document is None:
                    document, outcome = _store_new(source, item, canonical, digest, text, now), NEW
                else:
                    document = Document.objects.select_for_update().get(pk=document.pk)
                    outcome = _store_change(document, source, item, digest, text, now)
                sighting, created = Sighting.objects.get_or_create(
                    source=source,
                    external_id=item.external_id[:1000],
                    defaults={"document": document, "url": item.url[:1000], "first_seen_at": now, "last_seen_at": now},
                )
                if not created:
                    Sighting.objects.filter(pk=sighting.pk).update(last_seen_at=now)
                return document, outcome
        except IntegrityError:
            # Another worker stored the same item a moment ago: look again and find it.
            if attempt:
                raise
    raise AssertionError("unreachable")


def ingest(*, source: Source, items, now=None) -> IngestReport:
    report = IngestReport()
    keywords = source.keyword_pattern
    for item in items:
        if keywords and not keywords.search(f"{item.title} {item.summary} {item.text}"):
            continue
        document, outcome = upsert_item(source=source, item=item, now=now)
        report.add(document, outcome)
    return report
