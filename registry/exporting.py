"""The whole registry as plain data: instruments with thresholds and conditions, and reference models."""

import csv
import re
from collections.abc import Iterable
from typing import IO

from django.utils import timezone

from registry import formatting
from registry.models import AIModel, CapabilityThreshold, Instrument, ThresholdCondition, applies_on
from registry.vocabulary import Operator

INSTRUMENT_COLUMNS = [
    "id", "slug", "kind", "title", "short_name", "issuer", "jurisdiction", "status", "in_force",
    "introduced_on", "adopted_on", "effective_on", "ended_on", "source_url", "challenges",
]  # fmt: skip
THRESHOLD_COLUMNS = [
    "id", "slug", "name", "domain", "review_status", "in_force", "challenges", "source_url", "locator",
]  # fmt: skip
MODEL_COLUMNS = ["name", "developer", "released", "training_compute_flop", "confidence", "source_url"]


# What threshold_json reads of a threshold: a values() row of these columns (lists read them so, on purpose: one
# query a page, no model instance per row).
THRESHOLD_ROW_COLUMNS = (
    "id", "slug", "name", "domain", "review_status", "source_url", "locator", "obligations", "updated_at",
    "instrument_id", "instrument__slug", "instrument__kind", "instrument__title", "instrument__short_name",
    "instrument__issuer", "instrument__jurisdiction__code", "instrument__status", "instrument__effective_on",
    "instrument__ended_on",
)  # fmt: skip


def _iso(value):
    return value.isoformat() if value else None


def timestamp(value, zone):
    """As DRF's DateTimeField writes it (ISO 8601, UTC as Z), with the zone looked up once a page."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def threshold_parts(ids) -> tuple[dict, dict]:
    """The conditions, as (metric, operator, value, unit, level), and challenge codes of these thresholds, by
    threshold id: one query each, however many thresholds."""
    conditions, challenges = {}, {}
    for threshold_id, *condition in (
        ThresholdCondition.objects.filter(threshold_id__in=ids)
        .order_by("pk")
        .values_list("threshold_id", "metric", "operator", "value", "unit", "level")
    ):
        conditions.setdefault(threshold_id, []).append(condition)
    links = CapabilityThreshold.challenges.through.objects.filter(capabilitythreshold_id__in=ids)
    for threshold_id, code in links.values_list("capabilitythreshold_id", "challenge_id"):
        challenges.setdefault(threshold_id, []).append(code)
    return conditions, challenges


def threshold_json(row, conditions, challenges, *, today, zone) -> dict:
    """A threshold as the API lists it, shows it and exports it, from a THRESHOLD_ROW_COLUMNS row and its parts."""
    applies = row["instrument_id"] is not None and applies_on(
        row["instrument__status"], row["instrument__effective_on"], row["instrument__ended_on"], today
    )
    return {
        "id": row["id"],
        "slug": row["slug"],
        "name": row["name"],
        "domain": row["domain"],
        "review_status": row["review_status"],
        "in_force": applies,
        "challenges": sorted(challenges),
        "source_url": row["source_url"],
        "locator": row["locator"],
        "obligations": row["obligations"],
        "conditions": [
            {"metric": metric, "operator": Operator(operator).label, "value": value, "unit": unit, "level": level}
            for metric, operator, value, unit, level in conditions
        ],
        "readable": formatting.conditions((metric, operator, value, level)
                                          for metric, operator, value, _unit, level in conditions),
        "instrument": row["instrument_id"] and {
            "id": row["instrument_id"],
            "slug": row["instrument__slug"],
            "kind": row["instrument__kind"],
            "title": row["instrument__title"],
            "short_name": row["instrument__short_name"],
            "issuer": row["instrument__issuer"],
            "jurisdiction": row["instrument__jurisdiction__code"],
            "status": row["instrument__status"],
            "in_force": applies,
        },
        "updated_at": timestamp(row["updated_at"], zone),
    }  # fmt: skip


def _codes(row) -> list[str]:
    return sorted(challenge.code for challenge in row.challenges.all())


def instrument_rows(*, thresholds) -> Iterable[dict]:
    """Every instrument with the given thresholds, conditions included."""
    instruments = Instrument.objects.select_related("jurisdiction").prefetch_related("challenges").order_by("slug")
    today, zone = timezone.localdate(), timezone.get_current_timezone()
    rows = list(thresholds.filter(instrument__isnull=False).order_by("slug").values(*THRESHOLD_ROW_COLUMNS))
    conditions, challenges = threshold_parts([row["id"] for row in rows])
    by_instrument = {}
    for row in rows:
        data = threshold_json(row, conditions.get(row["id"], []), challenges.get(row["id"], []), today=today, zone=zone)
        del data["instrument"]  # the export nests thresholds under their instrument
        by_instrument.setdefault(row["instrument_id"], []).append(data)
    for instrument in instruments:
        in_force = instrument.is_in_force(today)
        yield {
            "id": instrument.pk,
            "slug": instrument.slug,
            "kind": instrument.kind,
            "title": instrument.title,
            "short_name": instrument.short_name,
            "issuer": instrument.issuer,
            "jurisdiction": instrument.jurisdiction.code if instrument.jurisdiction else None,
            "status": instrument.status,
            "in_force": in_force,
            "introduced_on": _iso(instrument.introduced_on),
            "adopted_on": _iso(instrument.adopted_on),
            "effective_on": _iso(instrument.effective_on),
            "ended_on": _iso(instrument.ended_on),
            "source_url": instrument.source_url,
            "challenges": _codes(instrument),
            "thresholds": by_instrument.get(instrument.pk, []),
        }


def model_rows() -> Iterable[dict]:
    for model in AIModel.objects.order_by("released", "name"):
        yield {
            "name": model.name,
            "developer": model.developer,
            "released": _iso(model.released),
            "training_compute_flop": model.training_compute_flop,
            "confidence": model.confidence,
            "source_url": model.source_url,
        }


def registry_export(*, thresholds) -> dict:
    """Every instrument with the given thresholds (`CapabilityThreshold.objects.visible_to(user)`), and the models."""
    return {
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "instruments": list(instrument_rows(thresholds=thresholds)),
        "models": list(model_rows()),
    }


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def defuse_formula(value):
    """A CSV cell a spreadsheet will not run as a formula (OWASP: text starting with = + - @ tab or CR gets a
    leading single quote). Every CSV the project writes passes its cells through here. Numbers stay numbers, and so
    does text that is only a number, like -5 or -1.5e+25: a spreadsheet reads that as the number, not a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _cell(value):
    if isinstance(value, list):
        value = ";".join(value)
    elif isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else defuse_formula(value)


def write_thresholds_csv(out: IO[str], *, thresholds):
    """One row per threshold condition (an instrument with no thresholds gets one row of its own)."""
    columns = [f"instrument_{c}" for c in INSTRUMENT_COLUMNS] + [f"threshold_{c}" for c in THRESHOLD_COLUMNS]
    columns += ["metric", "operator", "value", "unit", "level"]
    writer = csv.writer(out)
    writer.writerow(columns)
    for instrument in instrument_rows(thresholds=thresholds):
        head = [_cell(instrument[c]) for c in INSTRUMENT_COLUMNS]
        if not instrument["thresholds"]:
            writer.writerow(head + [""] * (len(columns) - len(head)))
        for threshold in instrument["thresholds"]:
            middle = [_cell(threshold[c]) for c in THRESHOLD_COLUMNS]
            for condition in threshold["conditions"]:
                writer.writerow(
                    head
                    + middle
                    + [
                        _cell(condition["metric"]),
                        _cell(condition["operator"]),
                        repr(condition["value"]),
                        _cell(condition["unit"]),
                        _cell(condition.get("level", "")),
                    ]
                )


def write_models_csv(out: IO[str]):
    writer = csv.DictWriter(out, fieldnames=MODEL_COLUMNS)
    writer.writeheader()
    for row in model_rows():
        writer.writerow({key: _cell(value) for key, value in row.items()})
