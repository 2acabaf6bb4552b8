"""Builders for tracker tests."""

import datetime
import itertools

from registry.models import Challenge
from tracker.models import Document, DocumentTag, ProcessStatus, Source, Subscriber, ThresholdMention
from tracker.parsing import ParsedItem

_numbers = itertools.count(1)
LONG_TEXT = (
    "The agency proposes that developers of frontier models report safety evaluations before deployment, "
    "including tests for loss of control, deception and autonomous replication. "
) * 3


def source(**fields) -> Source:
    n = next(_numbers)
    values = {"name": f"Source {n}", "kind": "rss", "url": f"https://feeds.example.org/{n}.xml", "poll_minutes": 60}
    values.update(fields)
    return Source.objects.create(**values)


def item(external_id="entry-1", **fields) -> ParsedItem:
    values = {
        "external_id": external_id,
        "url": f"https://news.example.org/{external_id}",
        "title": f"Notice {external_id}",
        "text": LONG_TEXT,
        "published": datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC),
    }
    values.update(fields)
    return ParsedItem(**values)


def document(*, title="A notice", first_seen_at, jurisdiction=None, tags=(), **fields) -> Document:
    """A processed document first seen at `first_seen_at`; tags: (challenge code, evidence sentence) pairs."""
    n = next(_numbers)
    values = {
        "source": source(),
        "kind": "rss",
        "url": f"https://news.example.org/doc-{n}",
        "title": title,
        "text": LONG_TEXT,
        "content_hash": f"hash-{n}",
        "jurisdiction": jurisdiction,
        "published_at": first_seen_at,
        "first_seen_at": first_seen_at,
        "process_status": ProcessStatus.DONE,
    }
    values.update(fields)
    row = Document.objects.create(**values)
    if tags:  # a migration makes the challenges; a transactional test before this one may have emptied the table
        Challenge.ensure_all()
    for category, evidence in tags:
        DocumentTag.objects.create(
            document=row,
            category_id=category,
            labelled=True,
            score=0.9,
            evidence=[{"start": 0, "end": len(evidence), "text": evidence}],
            tagger_version="test",
        )
    return row


def subscriber(email=None, *, confirmed=True, challenges=(), jurisdictions=(), instruments=(), **fields) -> Subscriber:
    n = next(_numbers)
    fields.setdefault("confirmed_at", datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC) if confirmed else None)
    row = Subscriber.objects.create(email=email or f"reader-{n}@example.org", **fields)
    row.challenges.set(challenges)
    row.jurisdictions.set(jurisdictions)
    row.instruments.set(instruments)
    return row


def mention(
    *, document, threshold=None, text="more than 10^26 FLOP", metric="training_compute_flop", value=1e26, start=0
):
    """A figure read in a document's text at `start`, linked to `threshold` when one is given."""
    return ThresholdMention.objects.create(
        document=document,
        metric=metric,
        operator="gt",
        value=value,
        text=text,
        start=start,
        end=start + len(text),
        sentence=f"Developers of models above {text} must report.",
        threshold=threshold,
    )
