"""A threshold's condition history, each change classed as tightened (more models covered) or loosened."""

import datetime
from dataclasses import dataclass

from registry import formatting
from registry.models import ThresholdCondition
from registry.vocabulary import Operator

TIGHTENED = "tightened"
LOOSENED = "loosened"
CHANGED = "changed"
UNCHANGED = "unchanged"

# Conditions written within this long of the threshold itself are its first version, not a change.
_CREATION_WINDOW = datetime.timedelta(minutes=1)


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


def _key(record) -> tuple[str, str, float]:
    return (record.metric, record.operator, record.value)


def _display(record) -> str:
    return formatting.condition(record.metric, record.operator, record.value, record.level)


def condition_changes(threshold) -> list[ConditionChange]:
    """Every change to the threshold's conditions after it was first written, oldest first."""
    first = threshold.history.order_by("history_date").values_list("history_date", flat=True).first()
    records = ThresholdCondition.history.filter(threshold_id=threshold.pk).select_related("history_user")
    changes = []
    for record in records.order_by("history_date", "history_id"):
        if record.history_type == "+" and first and record.history_date <= first + _CREATION_WINDOW:
            continue
        if record.history_type == "~":
            previous = record.prev_record
            if previous is None or _key(previous) == _key(record):
                continue
            before, after = previous, record
        elif record.history_type == "+":
            before, after = None, record
        else:
            before, after = record, None
        changes.append(
            ConditionChange(
                when=record.history_date,
                user=str(record.history_user or "system"),
                reason=record.history_change_reason or "",
                before=_display(before) if before else None,
                after=_display(after) if after else None,
                direction=classify(before and _key(before), after and _key(after)),
            )
        )
    return changes
