"""Turns parsed items into documents: upsert on (source, external id), then canonical URL, then text hash.
Changed text makes a new version; the same document seen through two sources gets two sightings."""

import datetime
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import DataError, IntegrityError, transaction
from django.utils import timezone

from tracker.models import Document, DocumentVersion, ProcessStatus, Sighting, Source, is_web_url, text_hash
from tracker.parsing import BadItem, ParsedItem

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
    # Why each item left out could not be stored.
    rejected: list[str] = field(default_factory=list)

    def add(self, document: Document, outcome: str):
        setattr(self, outcome, getattr(self, outcome) + 1)
        if outcome != UNCHANGED:
            self.to_process.append(document.pk)

    def merge(self, other: "IngestReport"):
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.to_process += other.to_process
        self.rejected += other.rejected

    def summary(self) -> str:
        rejected = f", {len(self.rejected)} rejected" if self.rejected else ""
        return f"{self.new} new, {self.updated} updated, {self.unchanged} unchanged{rejected}"

    def rejection_lines(self) -> list[str]:
        """One line per item left out, saying why, as the commands show them."""
        return [f"  rejected {reason}" for reason in self.rejected]


def _without_nul(value):
    """PostgreSQL stores no NUL character in text or JSON: drop it from every string, however deep."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(part) for key, part in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without_nul(part) for part in value)
    return value


def storable(item: ParsedItem) -> ParsedItem:
    """The item as it can be stored, whatever source it came from; raises BadItem saying why it cannot be."""
    item = replace(
        item,
        **{
            name: _without_nul(getattr(item, name))
            for name in ("external_id", "title", "text", "summary", "authors", "extra")
        },
        url=_without_nul(item.url).strip(),
    )
    if not item.external_id.strip():
        raise BadItem("it has no id")
    if not is_web_url(item.url):
        raise BadItem(f"its address {item.url[:200]!r} is not an http or https URL")
    return item


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


def _published(item: ParsedItem, now) -> datetime.datetime:
    return item.published or item.updated or now


def _new_deadline(document: Document, item: ParsedItem) -> bool:
    """Whether the item moves the document's comment deadline (an extended period); a source that gives none leaves
    the one another source gave."""
    return item.comments_close_on is not None and item.comments_close_on != document.comments_close_on


def _store_change(document: Document, source: Source, item: ParsedItem, digest: str, text: str, now) -> str:
    """Refresh a known document; a new text makes a new version and sends it back for processing."""
    document.last_seen_at = now
    fields = ["last_seen_at"]
    if _new_deadline(document, item):
        document.comments_close_on = item.comments_close_on
        fields.append("comments_close_on")
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
    """One item in its own transaction (the slow, careful path)."""
    now = now or timezone.now()
    item = storable(item)
    row = _prepared(item)
    _, text, digest, _ = row
    for attempt in range(2):
        try:
            with transaction.atomic():
                known = _known(source, [row]).get(item.external_id)
                if known is None:
                    [document] = _store_new_page(source, [row], now)
                    return document, NEW
                _give_jurisdiction(source, [known])
                document = Document.objects.select_for_update().get(pk=known)
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


def _prepared(item: ParsedItem) -> tuple[ParsedItem, str, str, str]:
    text = item.text.strip()
    return item, text, text_hash(text or item.title), canonical_url(item.url)


def _known(source: Source, rows) -> dict[str, int]:
    """Map each item's external id to the document it already is, looked up for the whole page at once:
    by this source's sighting, then canonical URL, then text hash."""
    ids = [item.external_id for item, *_ in rows]
    known = dict(Sighting.objects.filter(source=source, external_id__in=ids).values_list("external_id", "document_id"))
    canonicals = {canonical for *_, canonical in rows if canonical}
    by_url = dict(Document.objects.filter(canonical_url__in=canonicals).values_list("canonical_url", "pk"))
    hashes = {digest for _, text, digest, _ in rows if len(text) >= MIN_HASHABLE_CHARS}
    by_hash = {}
    for digest, pk in (
        Document.objects.filter(content_hash__in=hashes).order_by("-pk").values_list("content_hash", "pk")
    ):
        by_hash[digest] = pk  # the oldest wins
    for item, text, digest, canonical in rows:
        if item.external_id not in known:
            found = by_url.get(canonical) or (by_hash.get(digest) if len(text) >= MIN_HASHABLE_CHARS else None)
            if found:
                known[item.external_id] = found
    return known


def _store_new_page(source: Source, rows, now) -> list[Document]:
    """Insert a page of new items with three bulk inserts; items of the page that are the same document (same
    canonical URL or text) become one document with several sightings."""
    documents, sightings = {}, []
    for item, text, digest, canonical in rows:
        key = canonical or digest
        document = documents.get(key) or documents.get(digest if len(text) >= MIN_HASHABLE_CHARS else None)
        if document is None:
            document = Document(
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
                comments_close_on=item.comments_close_on,
                queued_at=now,
            )
            documents[key] = document
            if len(text) >= MIN_HASHABLE_CHARS:
                documents.setdefault(digest, document)
        sightings.append((document, item))
    created = list({id(d): d for d in documents.values()}.values())
    Document.objects.bulk_create(created)
    DocumentVersion.objects.bulk_create(
        DocumentVersion(
            document=d, number=1, title=d.title, text=d.text, content_hash=d.content_hash, source=source, fetched_at=now
        )
        for d in created
    )
    Sighting.objects.bulk_create(
        Sighting(
            document=d,
            source=source,
            external_id=item.external_id[:1000],
            url=item.url[:1000],
            first_seen_at=now,
            last_seen_at=now,
        )
        for d, item in sightings
    )
    return created


def ingest(*, source: Source, items, rejected=(), now=None) -> IngestReport:
    """Upsert a page of items in one transaction: known documents are looked up for the whole page, new ones
    inserted in bulk, changed ones get a new version. If another worker stores the same items at the same
    moment, the page falls back to one item at a time. `rejected` says why items the parser already left out
    were unusable: the report counts them with the rest."""
    now = now or timezone.now()
    keywords = source.keyword_pattern
    rows, seen, unstorable = [], set(), []
    for item in items:
        if keywords and not keywords.search(f"{item.title} {item.summary} {item.text}"):
            continue
        try:
            item = storable(item)
        except BadItem as error:
            unstorable.append(f"{item.external_id[:200] or item.url[:200]}: {error}")
            continue
        if item.external_id in seen:
            continue
        seen.add(item.external_id)
        rows.append(_prepared(item))
    try:
        with transaction.atomic():
            report = _ingest_page(source, rows, now)
    except (IntegrityError, DataError):
        # Another worker stored some of these items a moment ago, or one item the checks above missed is refused:
        # one item at a time, so the others are still stored.
        report = IngestReport()
        with transaction.atomic():
            for item, *_ in rows:
                try:
                    report.add(*upsert_item(source=source, item=item, now=now))
                except DataError as error:
                    report.rejected.append(f"{item.external_id[:200]}: the database refused it ({error})")
    report.rejected[:0] = [*rejected, *unstorable]
    return report


def _give_jurisdiction(source: Source, document_ids) -> None:
    """A document that names no jurisdiction takes its source's, for every kind of source: a new one when it is
    stored, a known one the first time a source with a jurisdiction sees it. One a person set is kept."""
    if source.jurisdiction_id and document_ids:
        Document.objects.filter(pk__in=document_ids, jurisdiction__isnull=True).update(
            jurisdiction_id=source.jurisdiction_id
        )


def _ingest_page(source: Source, rows, now) -> IngestReport:
    report = IngestReport()
    known = _known(source, rows)
    _give_jurisdiction(source, set(known.values()))
    documents = Document.objects.in_bulk(set(known.values()))
    new_rows, unchanged = [], []
    for row in rows:
        item, text, digest, _canonical = row
        document = documents.get(known.get(item.external_id))
        if document is None:
            new_rows.append(row)
        elif digest == document.content_hash:
            unchanged.append(document)
            report.add(document, UNCHANGED)
            if _new_deadline(document, item):
                Document.objects.filter(pk=document.pk).update(comments_close_on=item.comments_close_on)
        else:
            document = Document.objects.select_for_update().get(pk=document.pk)
            report.add(document, _store_change(document, source, item, digest, text, now))
    for document in _store_new_page(source, new_rows, now):
        report.add(document, NEW)
    Document.objects.filter(pk__in=[d.pk for d in unchanged]).update(last_seen_at=now)
    # Items seen before through this source are refreshed; those known only through another source or by
    # their text get a sighting of their own here.
    ids = [item.external_id for item, *_ in rows if known.get(item.external_id)]
    Sighting.objects.filter(source=source, external_id__in=ids).update(last_seen_at=now)
    Sighting.objects.bulk_create(
        [
            Sighting(
                document_id=known[item.external_id],
                source=source,
                external_id=item.external_id[:1000],
                url=item.url[:1000],
                first_seen_at=now,
                last_seen_at=now,
            )
            for item, *_ in rows
            if known.get(item.external_id)
        ],
        ignore_conflicts=True,
    )
    return report
