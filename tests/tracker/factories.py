"""Builders for tracker tests."""

import datetime
import itertools

from tracker.models import Source
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
