"""The whole registry as plain data: instruments with thresholds and conditions, and reference models."""

import csv
import re
from collections.abc import Iterable
from typing import IO

from django.db.models import Prefetch
from django.utils import timezone

from registry.models import AIModel, CapabilityThreshold, Instrument

INSTRUMENT_COLUMNS = [
    "id", "slug", "kind", "title", "short_name", "issuer", "jurisdiction", "status", "in_force",
    "introduced_on", "adopted_on", "effective_on", "ended_on", "source_url", "challenges",
]  # fmt: skip
THRESHOLD_COLUMNS = [
    "id", "slug", "name", "domain", "review_status", "in_force", "challenges", "source_url", "locator",
]  # fmt: skip
MODEL_COLUMNS = ["name", "developer", "released", "training_compute_flop", "confidence", "source_url"]


def _iso(value):
    return value.isoformat() if value else None


def _codes(row) -> list[str]:
    return sorted(challenge.code for challenge in row.challenges.all())


def instrument_rows(*, thresholds=None) -> Iterable[dict]:
    """Every instrument with the given thresholds (all of them unless told), conditions included."""
    thresholds = thresholds if thresholds is not None else CapabilityThreshold.objects.all()
    instruments = (
        Instrument.objects.select_related("jurisdiction")
        .prefetch_related(
            "challenges",
            Prefetch(
                "thresholds",
                queryset=thresholds.order_by("slug").prefetch_related("challenges", "conditions"),
            ),
        )
        .order_by("slug")
    )
    today = timezone.localdate()
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
            "thresholds": [
                {
                    "id": threshold.pk,
                    "slug": threshold.slug,
                    "name": threshold.name,
                    "domain": threshold.domain,
                    "review_status": threshold.review_status,
                    "in_force": in_force,
                    "challenges": _codes(threshold),
                    "source_url": threshold.source_url,
                    "locator": threshold.locator,
                    "conditions": [
                        {
                            "metric": condition.metric,
                            "operator": condition.get_operator_display(),
                            "value": condition.value,
                            "unit": condition.unit,
                            **({"level": condition.level} if condition.level else {}),
                        }
                        for condition in threshold.conditions.all()
                    ],
                }
                for threshold in instrument.thresholds.all()
            ],
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


def registry_export() -> dict:
    return {
        "exported_at": timezone.now().isoformat(timespec="seconds"),
        "instruments": list(instrument_rows()),
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


def write_thresholds_csv(out: IO[str]):
    """One row per threshold condition (an instrument with no thresholds gets one row of its own)."""
    columns = [f"instrument_{c}" for c in INSTRUMENT_COLUMNS] + [f"threshold_{c}" for c in THRESHOLD_COLUMNS]
    columns += ["metric", "operator", "value", "unit", "level"]
    writer = csv.writer(out)
    writer.writerow(columns)
    for instrument in instrument_rows():
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
