"""Small builders for test data: each test makes the rows it needs."""

import datetime
import itertools

from django.utils import timezone

from registry.models import CapabilityThreshold, Challenge, Instrument, Jurisdiction, ThresholdCondition
from registry.vocabulary import Operator, ReviewStatus

_numbers = itertools.count(1)


def jurisdiction(code="EU", name="European Union"):
    return Jurisdiction.objects.get_or_create(code=code, defaults={"name": name})[0]


def instrument(**fields):
    n = next(_numbers)
    values = {
        "slug": f"instrument-{n}",
        "kind": "law",
        "title": f"Test act {n}",
        "short_name": f"Act {n}",
        "issuer": "A test legislature",
        "jurisdiction": jurisdiction(),
        "status": "in_force",
        "effective_on": datetime.date(2024, 8, 1),
        "source_url": "https://example.org/act",
        "summary": "A test instrument.",
    }
    values.update(fields)
    return Instrument.objects.create(**values)


_NEW = object()


def threshold(*conditions, instrument_=_NEW, review_status=ReviewStatus.APPROVED, **fields):
    """conditions: (metric, operator symbol, value) or (metric, symbol, rank, level) tuples. A new instrument is
    made unless one (or None, for a candidate found in a document) is given."""
    n = next(_numbers)
    values = {
        "instrument": instrument() if instrument_ is _NEW else instrument_,
        "slug": f"threshold-{n}",
        "name": f"Test threshold {n}",
        "review_status": review_status,
        "reviewed_at": timezone.now() if review_status in ("approved", "rejected") else None,
        "obligations": "Notify the regulator.",
    }
    values.update(fields)
    row = CapabilityThreshold.objects.create(**values)
    for metric, symbol, value, *level in conditions:
        ThresholdCondition.objects.create(
            threshold=row,
            metric=metric,
            operator=Operator.from_symbol(symbol),
            value=value,
            level=level[0] if level else "",
        )
    return row


def backdate_history(row, days=2):
    """Move a threshold's history (and its conditions') back, as if it had been recorded earlier."""
    earlier = row.history.earliest().history_date - datetime.timedelta(days=days)
    row.history.update(history_date=earlier)
    ThresholdCondition.history.filter(threshold_id=row.pk).update(history_date=earlier)


def challenge(code):
    """One of the three challenges (a migration makes them; a transactional test before this one may have emptied the
    table)."""
    Challenge.ensure_all()
    return Challenge.objects.get(code=code)
