"""Loads the bundled registry data (registry/seed/) idempotently: a second load changes nothing, and a changed
figure updates its row and leaves history."""

import csv
import datetime
from collections import Counter
from itertools import pairwise
from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from registry import formatting
from registry.models import (
    REVIEW_COLUMNS,
    AIModel,
    CapabilityThreshold,
    Challenge,
    Instrument,
    Jurisdiction,
    StatusEvent,
    ThresholdCondition,
)
from registry.vocabulary import (
    ENDED_STATUSES,
    METRIC_UNITS,
    ChallengeCode,
    Confidence,
    Domain,
    EstimateConfidence,
    InstrumentKind,
    InstrumentStatus,
    Metric,
    Operator,
    Origin,
    ReviewStatus,
    choice_values,
)

SEED_DIR = Path(__file__).resolve().parent / "seed"
SEED_REASON = "seed data"


class SeedError(ValueError):
    """The seed data is unusable; the message names the entry and the field."""


class SeedReport(Counter):
    def add(self, kind: str, outcome: str):
        self[f"{kind} {outcome}"] += 1

    def summary(self) -> str:
        kinds = sorted({key.split(" ")[0] for key in self})
        parts = []
        for kind in kinds:
            counts = ", ".join(
                f"{self[f'{kind} {outcome}']} {outcome}"
                for outcome in ("created", "updated", "unchanged")
                if self[f"{kind} {outcome}"]
            )
            parts.append(f"{kind}: {counts}")
        if kept := self["thresholds kept"]:
            parts.append(f"kept {kept} threshold{'s' if kept > 1 else ''} edited by a person")
        return "; ".join(parts)

    @property
    def changed(self) -> bool:
        return any(key.endswith(("created", "updated")) for key in self)


def sync_row(model, lookup: dict, values: dict, *, reason: str = SEED_REASON):
    """Create the row or update only the fields that differ; return (row, 'created'|'updated'|'unchanged')."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model(**lookup, **values)
        row._change_reason = reason
        row.save()
        return row, "created"
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    if not changed:
        return row, "unchanged"
    for name in changed:
        setattr(row, name, values[name])
    row._change_reason = reason
    row.save()
    return row, "updated"


def _choice(entry: str, field: str, value, choices) -> str:
    if value not in choice_values(choices):
        raise SeedError(f"{entry}: {field} {value!r} is not one of {', '.join(choice_values(choices))}")
    return value


def _date(entry: str, field: str, value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise SeedError(f"{entry}: {field} {value!r} is not a YYYY-MM-DD date") from None


def _challenges(entry: str, codes) -> set[str]:
    return {_choice(entry, "challenge", code, ChallengeCode) for code in codes or []}


def _set_challenges(row, codes: set[str]) -> bool:
    if set(row.challenges.values_list("code", flat=True)) == codes:
        return False
    row.challenges.set(codes)
    return True


def load_data(path: Path | None = None) -> dict:
    path = path or SEED_DIR / "registry.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SeedError(f"cannot read {path}: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("instruments"), list):
        raise SeedError(f"{path}: expected a mapping with an 'instruments' list")
    return data


def _condition_values(entry: str, raw: dict) -> dict:
    metric = _choice(entry, "metric", raw.get("metric"), Metric)
    try:
        operator = Operator.from_symbol(str(raw.get("operator")))
    except KeyError:
        raise SeedError(f"{entry}: operator {raw.get('operator')!r} is not one of > >= < <= =") from None
    try:
        value = float(raw["value"])
    except (KeyError, TypeError, ValueError):
        raise SeedError(f"{entry}: condition value {raw.get('value')!r} is not a number") from None
    if value < 0:
        raise SeedError(f"{entry}: condition value {value} is negative")
    level = str(raw.get("level") or "")
    if metric == Metric.CAPABILITY_LEVEL and (value < 1 or not level):
        raise SeedError(f"{entry}: a capability_level condition needs a rank of 1 or more and a level label")
    return {
        "metric": metric,
        "operator": operator.value,
        "value": value,
        "unit": str(raw.get("unit") or METRIC_UNITS[metric])[:80],
        "level": level,
    }


def _sync_conditions(threshold, entry: str, raws: list, report: SeedReport):
    if not raws:
        raise SeedError(f"{entry}: a threshold needs at least one condition")
    wanted = [_condition_values(entry, raw) for raw in raws]
    existing = {(c.metric, c.operator): c for c in threshold.conditions.all()}
    unmatched_wanted = []
    for values in wanted:
        row = existing.pop((values["metric"], values["operator"]), None)
        if row is None:
            unmatched_wanted.append(values)
        else:
            _, outcome = sync_row(ThresholdCondition, {"pk": row.pk}, values)
            report.add("conditions", outcome)
    # A condition whose operator changed on the same metric is the same condition, edited.
    leftovers = {row.metric: row for row in existing.values()}
    for values in unmatched_wanted:
        row = leftovers.pop(values["metric"], None)
        if row is None:
            sync_row(ThresholdCondition, {"threshold": threshold, **values}, {})
            report.add("conditions", "created")
        else:
            sync_row(ThresholdCondition, {"pk": row.pk}, values)
            report.add("conditions", "updated")
    for row in leftovers.values():
        row._change_reason = SEED_REASON
        row.delete()
        report.add("conditions", "updated")


# What a review decision or any save touches without changing what the threshold says.
_NOT_AN_EDIT = (*REVIEW_COLUMNS, "reviewed_by", "updated_at")


def edited_by_a_person(threshold: CapabilityThreshold) -> bool:
    """Whether anyone but the seed changed what the threshold or its conditions say since the seed last wrote them.

    A review decision is not such a change, nor is a save that changes nothing."""
    records = list(threshold.history.order_by("history_date", "history_id"))
    conditions = list(ThresholdCondition.history.filter(threshold_id=threshold.pk))
    seeded = [r.history_date for r in [*records, *conditions] if r.history_change_reason == SEED_REASON]
    since = max(seeded, default=None)
    if since is None:
        return bool(records)  # a person made it before the seed data named it

    def by_someone_else(record) -> bool:
        return record.history_change_reason != SEED_REASON and record.history_date > since

    if any(by_someone_else(record) for record in conditions):
        return True
    return any(
        by_someone_else(record) and record.diff_against(previous, excluded_fields=_NOT_AN_EDIT).changes
        for previous, record in pairwise(records)
    )


def _sync_threshold(instrument, raw: dict, reviewed_at, report: SeedReport):
    slug = raw.get("slug") or ""
    entry = f"threshold {slug!r}"
    if not slug:
        raise SeedError(f"instrument {instrument.slug!r}: a threshold has no slug")
    confidence = _choice(entry, "confidence", raw.get("confidence", "verified"), Confidence)
    values = {
        "instrument": instrument,
        "name": raw.get("name") or slug,
        "domain": _choice(entry, "domain", raw.get("domain", "general"), Domain),
        "obligations": (raw.get("obligations") or "").strip(),
        "locator": raw.get("locator") or "",
        "source_url": raw.get("source_url") or "",
        "notes": (raw.get("notes") or "").strip(),
        "confidence": confidence,
    }
    threshold = CapabilityThreshold.objects.filter(slug=slug).first()
    if threshold is not None and edited_by_a_person(threshold):
        # The seed's figures are a starting point: a person's correction stays until a person changes it again.
        report.add("thresholds", "kept")
        return
    if threshold is None:
        # Verified facts arrive approved by the seed data; uncertain ones wait for a person.
        if confidence == Confidence.VERIFIED:
            review = {
                "review_status": ReviewStatus.APPROVED,
                "reviewed_at": reviewed_at,
                "review_note": f"Approved by the bundled seed data, checked on {reviewed_at.date()}.",
            }
        else:
            review = {
                "review_status": ReviewStatus.IN_REVIEW,
                "review_note": "Seeded from a source marked uncertain: check before approving.",
            }
        values |= {"origin": Origin.SEED, **review}
    threshold, outcome = sync_row(CapabilityThreshold, {"slug": slug}, values)
    if _set_challenges(threshold, _challenges(entry, raw.get("challenges"))) and outcome == "unchanged":
        outcome = "updated"
    report.add("thresholds", outcome)
    _sync_conditions(threshold, entry, raw.get("conditions") or [], report)


def _instrument_values(raw: dict, jurisdictions: dict) -> dict:
    entry = f"instrument {raw.get('slug')!r}"
    code = raw.get("jurisdiction")
    if code and code not in jurisdictions:
        raise SeedError(f"{entry}: jurisdiction {code!r} is not listed under jurisdictions")
    return {
        "kind": _choice(entry, "kind", raw.get("kind"), InstrumentKind),
        "title": raw.get("title") or "",
        "short_name": raw.get("short_name") or "",
        "issuer": raw.get("issuer") or "",
        "jurisdiction": jurisdictions.get(code) if code else None,
        "status": _choice(entry, "status", raw.get("status"), InstrumentStatus),
        "introduced_on": _date(entry, "introduced_on", raw.get("introduced_on")),
        "adopted_on": _date(entry, "adopted_on", raw.get("adopted_on")),
        "effective_on": _date(entry, "effective_on", raw.get("effective_on")),
        "ended_on": _date(entry, "ended_on", raw.get("ended_on")),
        "source_url": raw.get("source_url") or "",
        "summary": (raw.get("summary") or "").strip(),
        "confidence": _choice(entry, "confidence", raw.get("confidence", "verified"), Confidence),
    }


def _sync_timeline(instrument, raw: dict, report: SeedReport):
    entry = f"instrument {instrument.slug!r}"
    for event in raw.get("timeline") or []:
        _, outcome = sync_row(
            StatusEvent,
            {
                "instrument": instrument,
                "date": _date(entry, "timeline date", event.get("date")),
                "status": _choice(entry, "timeline status", event.get("status"), InstrumentStatus),
            },
            {"note": (event.get("note") or "")[:300]},
        )
        report.add("timeline", outcome)


def _check_timeline(raw: dict, values: dict):
    """The timeline owns the status (Instrument.save takes it from there): a status or end date that says otherwise
    is an error in the data, not something to pick a winner for."""
    entry = f"instrument {raw.get('slug')!r}"
    steps = [(_date(entry, "timeline date", e.get("date")), e.get("status")) for e in raw.get("timeline") or []]
    if not steps:
        return
    date, status = max(steps, key=lambda step: step[0])
    if values["status"] != status:
        raise SeedError(f"{entry}: status {values['status']!r} is not its timeline's last step ({status!r} on {date})")
    if status in ENDED_STATUSES and values["ended_on"] != date:
        raise SeedError(f"{entry}: ended_on {values['ended_on']} is not the date its timeline ends ({date})")


def _reviewed_at(data: dict) -> datetime.datetime:
    reviewed_on = _date("registry", "reviewed_on", data.get("reviewed_on")) or timezone.localdate()
    return datetime.datetime.combine(reviewed_on, datetime.time(), tzinfo=datetime.UTC)


def seed_instruments(data: dict, report: SeedReport):
    Challenge.ensure_all()
    jurisdictions = {}
    for raw in data.get("jurisdictions") or []:
        row, outcome = sync_row(Jurisdiction, {"code": raw["code"]}, {"name": raw["name"]})
        jurisdictions[row.code] = row
        report.add("jurisdictions", outcome)
    reviewed_at = _reviewed_at(data)
    slugs = [raw.get("slug") for raw in data["instruments"]]
    if duplicates := sorted({slug for slug in slugs if slugs.count(slug) > 1}):
        raise SeedError(f"instrument slugs appear more than once: {', '.join(map(str, duplicates))}")
    instruments, outcomes = {}, {}
    for raw in data["instruments"]:
        if not raw.get("slug"):
            raise SeedError("an instrument has no slug")
        values = _instrument_values(raw, jurisdictions)
        _check_timeline(raw, values)
        instrument, outcome = sync_row(Instrument, {"slug": raw["slug"]}, values)
        entry = f"instrument {raw['slug']!r}"
        if _set_challenges(instrument, _challenges(entry, raw.get("challenges"))) and outcome == "unchanged":
            outcome = "updated"
        instruments[instrument.slug], outcomes[instrument.slug] = instrument, outcome
        _sync_timeline(instrument, raw, report)
        for threshold in raw.get("thresholds") or []:
            _sync_threshold(instrument, threshold, reviewed_at, report)
    for raw in data["instruments"]:
        target = raw.get("supersedes")
        if target and target not in instruments:
            raise SeedError(f"instrument {raw['slug']!r}: supersedes unknown instrument {target!r}")
        _, outcome = sync_row(Instrument, {"slug": raw["slug"]}, {"supersedes": instruments.get(target)})
        if outcome == "updated" and outcomes[raw["slug"]] == "unchanged":
            outcomes[raw["slug"]] = "updated"
    for outcome in outcomes.values():
        report.add("instruments", outcome)


def _number(entry: str, field: str, value: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        # As AIModel.save stores it, so that an unchanged file compares equal to the row.
        return formatting.rounded(float(value))
    except ValueError:
        raise SeedError(f"{entry}: {field} {value!r} is not a number") from None


def seed_models(path: Path, report: SeedReport):
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise SeedError(f"cannot read {path}: {error}") from None
    for row in rows:
        entry = f"model {row.get('name')!r}"
        confidence = (row.get("confidence") or "unknown").strip().lower()
        values = {
            "developer": row.get("developer") or "",
            "released": _date(entry, "released", row.get("released")),
            "parameters": _number(entry, "parameters", row.get("parameters")),
            "training_compute_flop": _number(entry, "training_compute_flop", row.get("training_compute_flop")),
            "confidence": _choice(entry, "confidence", confidence, EstimateConfidence),
            "country": row.get("country") or "",
            "source_url": row.get("source_url") or "",
        }
        _, outcome = sync_row(AIModel, {"name": row["name"]}, values)
        report.add("models", outcome)


def seed_registry(*, seed_dir: Path | None = None) -> SeedReport:
    """Load instruments, thresholds and reference models from the bundled data, in one transaction."""
    seed_dir = seed_dir or SEED_DIR
    data = load_data(seed_dir / "registry.yaml")
    report = SeedReport()
    with transaction.atomic():
        seed_instruments(data, report)
        seed_models(seed_dir / "models.csv", report)
    return report
