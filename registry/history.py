"""A threshold's history: its own changes, and its condition changes classed as tightened (more models covered) or
loosened. Staff read all of it; anyone else only what the threshold's public JSON shows."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Min

from registry import formatting
from registry.models import CapabilityThreshold, ThresholdCondition
from registry.vocabulary import Operator, ReviewStatus

TIGHTENED = "tightened"
LOOSENED = "loosened"
CHANGED = "changed"
UNCHANGED = "unchanged"

# What anyone may read of a threshold's past: the fields its public JSON shows. Notes, origin, confidence, review
# fields and who changed what are for staff.
PUBLIC_FIELDS = frozenset(
    {"instrument", "slug", "name", "domain", "obligations", "challenges", "locator", "source_url"}
)
_NOT_CHANGES = frozenset({"created_at", "updated_at"})

# Conditions written within this long of the threshold itself are its first version, not a change.
CREATION_WINDOW = datetime.timedelta(minutes=1)


def classify(before: tuple[str, str, float] | None, after: tuple[str, str, float] | None) -> str:
    """Compare two (metric, operator, value) conditions of an all-must-hold threshold.

    Removing a condition covers more models (tightened); adding one covers fewer (loosened). A lower bound
    (> or ≥) covers more when its value falls, an upper bound (< or ≤) when its value rises.
    """
    if before is None and after is None:
        return UNCHANGED
    if before is None:
        return LOOSENED
    if after is None:
        return TIGHTENED
    if before == after:
        return UNCHANGED
    (metric_a, op_a, value_a), (metric_b, op_b, value_b) = before, after
    op_a, op_b = Operator(op_a), Operator(op_b)
    if metric_a != metric_b:
        return CHANGED
    if op_a.is_lower_bound and op_b.is_lower_bound:
        covers_more = value_b < value_a or (value_b == value_a and op_b == Operator.GTE)
    elif op_a.is_upper_bound and op_b.is_upper_bound:
        covers_more = value_b > value_a or (value_b == value_a and op_b == Operator.LTE)
    else:
        return CHANGED
    return TIGHTENED if covers_more else LOOSENED


@dataclass(frozen=True)
class ConditionChange:
    when: datetime.datetime
    user: str
    reason: str
    before: str | None
    after: str | None
    direction: str
    threshold_id: int = 0
    history_id: int = 0  # the condition's history record: stable, one per change


def _key(record) -> tuple[str, str, float]:
    return (record.metric, record.operator, record.value)


def _display(record) -> str:
    return formatting.condition(record.metric, record.operator, record.value, record.level)


def _change(record, previous, first) -> ConditionChange | None:
    """What one history record of a condition changed; None for its first version or a change of nothing."""
    if record.history_type == "+" and first and record.history_date <= first + CREATION_WINDOW:
        return None
    if record.history_type == "~":
        if previous is None or _key(previous) == _key(record):
            return None
        before, after = previous, record
    elif record.history_type == "+":
        before, after = None, record
    else:
        before, after = record, None
    return ConditionChange(
        when=record.history_date,
        user=str(record.history_user or "system"),
        reason=record.history_change_reason or "",
        before=_display(before) if before else None,
        after=_display(after) if after else None,
        direction=classify(before and _key(before), after and _key(after)),
        threshold_id=record.threshold_id,
        history_id=record.history_id,
    )


def condition_changes(threshold) -> list[ConditionChange]:
    """Every change to the threshold's conditions after it was first written, oldest first."""
    first = threshold.history.order_by("history_date").values_list("history_date", flat=True).first()
    records = ThresholdCondition.history.filter(threshold_id=threshold.pk).select_related("history_user")
    changes, latest = [], {}
    for record in records.order_by("history_date", "history_id"):
        # The condition's previous version is the last of its records already read: no query per record.
        previous = latest.get(record.id) if record.history_type == "~" else None
        latest[record.id] = record
        change = _change(record, previous, first)
        if change:
            changes.append(change)
    return changes


def condition_changes_between(start: datetime.datetime, end: datetime.datetime) -> dict[int, list[ConditionChange]]:
    """Every threshold's condition changes recorded in [start, end), by threshold id, oldest first, in three
    queries however many thresholds changed (the weekly digest reads them once for all its subscribers)."""
    records = list(
        ThresholdCondition.history.filter(history_date__gte=start, history_date__lt=end)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    if not records:
        return {}
    threshold_ids = {record.threshold_id for record in records}
    firsts = dict(
        CapabilityThreshold.history.filter(id__in=threshold_ids)
        .values("id")
        .annotate(first=Min("history_date"))
        .values_list("id", "first")
    )
    updated = {record.id for record in records if record.history_type == "~"}
    versions: dict[int, list] = defaultdict(list)
    for version in ThresholdCondition.history.filter(id__in=updated, history_date__lt=end).order_by(
        "history_date", "history_id"
    ):
        versions[version.id].append(version)
    changes: dict[int, list[ConditionChange]] = defaultdict(list)
    for record in records:
        previous = None
        if record.history_type == "~":
            earlier = [version for version in versions[record.id] if version.history_date < record.history_date]
            previous = earlier[-1] if earlier else None
        change = _change(record, previous, firsts.get(record.threshold_id))
        if change:
            changes[record.threshold_id].append(change)
    return dict(changes)


def _value(field: str, value):
    """A many-to-many value is a list of its through rows ({"capabilitythreshold": 1, "challenge": "alignment"}):
    challenges read as their codes."""
    if field == "challenges":
        return sorted(row["challenge"] for row in value or [])
    return value


def threshold_history(threshold, *, full: bool) -> dict:
    """The threshold's versions and its condition changes, oldest first. Without `full` (for anyone but staff):
    only public fields, no names or reasons, and no version that changed nothing public (the first aside)."""
    conditions = [
        {
            "date": change.when,
            "user": change.user if full else None,
            "reason": change.reason if full else None,
            "before": change.before,
            "after": change.after,
            "effect": change.direction,
        }
        for change in condition_changes(threshold)
    ]
    return {"threshold": threshold.slug, "changes": _versions(threshold, full), "condition_changes": conditions}


def _versions(threshold, full: bool) -> list[dict]:
    records = list(threshold.history.select_related("history_user").order_by("history_date", "history_id"))
    if not full:  # the public sees what was approved, version to approved version, never a draft between them
        records = [record for record in records if record.review_status == ReviewStatus.APPROVED]
    changes = []
    for previous, record in zip([None, *records], records, strict=False):
        delta = record.diff_against(previous).changes if previous else []
        fields = {
            change.field: {"before": _value(change.field, change.old), "after": _value(change.field, change.new)}
            for change in delta
            if change.field not in _NOT_CHANGES and (full or change.field in PUBLIC_FIELDS)
        }
        if previous and not fields and not full:
            continue
        changes.append(
            {
                "date": record.history_date,
                "user": str(record.history_user) if full and record.history_user else None,
                "type": record.get_history_type_display(),
                "reason": record.history_change_reason if full else None,
                "fields": fields,
            }
        )
    return changes
