"""What changed in the registry, as a public dated log: thresholds approved, tightened or loosened, and the steps of
instruments' status timelines. The site's log, its home page and the Atom feed of changes read it."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import timezone

from registry.history import condition_changes_between
from registry.models import CapabilityThreshold, Instrument, StatusEvent, ThresholdCondition
from registry.vocabulary import InstrumentStatus, Origin, ReviewStatus

NEW = "new"
APPROVED = "approved"
STATUS = "status"
# What each kind of change is called on the page and in the feed; tightened, loosened and changed come from
# registry.history's classification of condition changes.
KIND_LABELS = {
    NEW: "New threshold",
    APPROVED: "Approved again",
    "tightened": "Tightened",
    "loosened": "Loosened",
    "changed": "Changed",
    STATUS: "Status",
}
_STATUS_WORDS = {
    InstrumentStatus.PROPOSED: "introduced",
    InstrumentStatus.ADOPTED: "adopted",
    InstrumentStatus.IN_FORCE: "in force",
    InstrumentStatus.VETOED: "vetoed",
    InstrumentStatus.REVOKED: "revoked",
    InstrumentStatus.SUPERSEDED: "superseded",
    InstrumentStatus.WITHDRAWN: "withdrawn",
    InstrumentStatus.VOLUNTARY: "published as a voluntary commitment",
}
_EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class Change:
    """One entry of the log: `key` is stable and unique (the feed's entry id is made from it)."""

    key: str
    when: datetime.datetime
    kind: str
    title: str
    description: str
    url: str
    jurisdiction: str  # a code, or a lab framework's issuer
    challenges: frozenset[str]
    object: CapabilityThreshold | Instrument

    @property
    def date(self) -> datetime.date:
        return timezone.localdate(self.when)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _moment(value) -> datetime.datetime | None:
    """A datetime as it is; a date as the start of that day in the site's time zone."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time.min))


def changes(*, user, since=None, until=None, jurisdiction: str | None = None, challenge: str | None = None) -> list:
    """Every public change in [since, until) (dates or datetimes; until defaults to now, so a step dated ahead is not
    news yet), newest first. Only approved thresholds count, and only from their approval on: a candidate's drafts
    and the review's notes stay in the admin. `jurisdiction` is a code; `challenge` a challenge's code (a threshold
    with none recorded counts under its instrument's)."""
    since, until = _moment(since) or _EARLIEST, _moment(until) or timezone.now()
    found = [
        *_threshold_changes(user, since, until, jurisdiction, challenge),
        *_status_changes(since, until, jurisdiction, challenge),
    ]
    return sorted(found, key=lambda change: (change.when, change.key), reverse=True)


def _visible(user, jurisdiction, challenge):
    thresholds = CapabilityThreshold.objects.visible_to(user).filter(review_status=ReviewStatus.APPROVED)
    if jurisdiction:
        thresholds = thresholds.for_jurisdiction(jurisdiction)
    if challenge:
        tagged = Q(challenges=challenge) | Q(challenges=None, instrument__challenges=challenge)
        thresholds = thresholds.filter(pk__in=CapabilityThreshold.objects.filter(tagged).values("pk"))
    return thresholds


def _visible_ids(user, jurisdiction, challenge):
    return _visible(user, jurisdiction, challenge).values_list("pk", flat=True)


def _thresholds(user, jurisdiction, challenge):
    return (
        _visible(user, jurisdiction, challenge)
        .select_related("instrument__jurisdiction")
        .prefetch_related(
            Prefetch("conditions", queryset=ThresholdCondition.objects.order_by("pk")),
            "challenges",
            "instrument__challenges",
        )
    )


def _threshold_changes(user, since, until, jurisdiction, challenge) -> list[Change]:
    """Approvals and changes of figure, read from the history as plain rows first; only the thresholds that have one
    in the window are then loaded whole (a week's log loads a few, not every threshold)."""
    visible = set(_visible_ids(user, jurisdiction, challenge))
    if not visible:
        return []
    steps, public_from = [], {}
    records = (
        CapabilityThreshold.history.filter(id__in=visible)
        .order_by("id", "history_date", "history_id")
        .values_list("id", "history_id", "history_date", "review_status", "reviewed_at", "reviewed_by_id", "origin")
    )
    previous_status = {}
    for pk, history_id, recorded, status, reviewed_at, reviewer, origin in records:
        was = previous_status.get(pk)
        previous_status[pk] = status
        if status != ReviewStatus.APPROVED or was == ReviewStatus.APPROVED:
            continue
        approved_at = reviewed_at or recorded
        first = pk not in public_from
        public_from.setdefault(pk, approved_at)
        # The bundled seed data's own approvals are how an install starts, not news (as in the weekly digest).
        if origin == Origin.SEED and reviewer is None:
            continue
        if since <= approved_at < until:
            kind = NEW if first else APPROVED
            steps.append((pk, f"{kind}-{history_id}", approved_at, kind, None))
    for pk, changes_of_figure in condition_changes_between(since, until).items():
        for step in changes_of_figure:
            if pk not in visible or pk not in public_from or step.when < public_from[pk]:
                continue
            if step.before and step.after:
                description = f"{step.before} → {step.after}"
            else:
                description = f"condition added: {step.after}" if step.after else f"condition removed: {step.before}"
            steps.append((pk, f"condition-{step.history_id}", step.when, step.direction, description))
    if not steps:
        return []
    thresholds = {t.pk: t for t in _thresholds(user, jurisdiction, challenge).filter(pk__in={s[0] for s in steps})}
    return [
        _threshold_change(thresholds[pk], key, when, kind, description or thresholds[pk].conditions_display())
        for pk, key, when, kind, description in steps
    ]


def _threshold_change(threshold, key, when, kind, description) -> Change:
    instrument = threshold.instrument
    challenges = threshold.challenges.all() or instrument.challenges.all()
    return Change(
        key=key,
        when=when,
        kind=kind,
        title=f"{instrument}: {threshold.name}",
        description=description,
        url=threshold.get_absolute_url(),
        jurisdiction=instrument.where,
        challenges=frozenset(c.code for c in challenges),
        object=threshold,
    )


def _status_changes(since, until, jurisdiction, challenge) -> list[Change]:
    events = StatusEvent.objects.all()
    if jurisdiction:
        events = events.filter(instrument__jurisdiction__code=jurisdiction)
    if challenge:
        events = events.filter(instrument__in=Instrument.objects.filter(challenges=challenge))
    # The whole timeline of each instrument is read (a few steps each), so a step says what came before it.
    timelines = defaultdict(list)
    for event in events.order_by("instrument_id", "date", "pk").values("pk", "instrument_id", "date", "status"):
        timelines[event["instrument_id"]].append(event)
    shown = {}
    for timeline in timelines.values():
        for before, event in zip([None, *timeline], timeline, strict=False):
            when = _moment(event["date"])
            if since <= when < until and (before is None or before["status"] != event["status"]):
                shown[event["pk"]] = before and before["status"]
    if not shown:
        return []
    rows = (
        StatusEvent.objects.filter(pk__in=list(shown))
        .select_related("instrument__jurisdiction")
        .prefetch_related("instrument__challenges")
    )
    return [_status_change(event, shown[event.pk]) for event in rows]


def _status_change(event, before: str | None) -> Change:
    instrument = event.instrument
    description = _STATUS_WORDS[InstrumentStatus(event.status)].capitalize()
    if before:
        description += f" (was {InstrumentStatus(before).label.lower()})"
    if event.note:
        description += f": {event.note}"
    return Change(
        key=f"status-{event.pk}",
        when=_moment(event.date),
        kind=STATUS,
        title=str(instrument),
        description=description,
        url=instrument.get_absolute_url(),
        jurisdiction=instrument.where,
        challenges=frozenset(c.code for c in instrument.challenges.all()),
        object=instrument,
    )
