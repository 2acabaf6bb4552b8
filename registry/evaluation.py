"""Which approved thresholds a model triggers, does not trigger, or cannot be judged on, and why."""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils import timezone

from registry import formatting
from registry.models import AIModel, CapabilityThreshold, ThresholdCondition
from registry.vocabulary import MAGNITUDE_METRICS, NOT_DONE, Domain, MadeBy, Metric

TRIGGERED = "triggered"
NOT_TRIGGERED = "not_triggered"
UNDETERMINED = "undetermined"
# The one order of an evaluation's results, in the API and on the command line.
RESULT_ORDER = {TRIGGERED: 0, UNDETERMINED: 1, NOT_TRIGGERED: 2}


class ProfileError(ValueError):
    """A profile that cannot be: `field` names the input at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


FIGURES = (
    "training_compute_flop",
    "training_cost_usd",
    "developer_revenue_usd",
    "parameters",
    "cluster_ops_per_second",
    "modification_compute_flop",
    "modification_cost_usd",
    "distillation_cost_usd",
    "original_compute_flop",
)


@dataclass(frozen=True)
class ModelProfile:
    """What is known of a model. None means unknown; capability findings map a threshold slug (or a whole
    domain) to True when the level was reached and False when evaluations ruled it out.

    Training figures are the model's whole training. `made_by` says how the model was made; the modification and
    distillation figures are what making it from another model took (`original_compute_flop`: that model's
    training compute), and are nil for a model not made that way."""

    training_compute_flop: float | None = None
    training_cost_usd: float | None = None
    developer_revenue_usd: float | None = None
    parameters: float | None = None
    cluster_ops_per_second: float | None = None
    bio_sequence_data: bool | None = None
    made_by: MadeBy | None = None
    modification_compute_flop: float | None = None
    modification_cost_usd: float | None = None
    distillation_cost_usd: float | None = None
    original_compute_flop: float | None = None
    capability_findings: Mapping[str, bool] = field(default_factory=dict)

    def __post_init__(self):
        for name in FIGURES:
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise ProfileError(name, f"{name} must be a finite number of zero or more, not {value!r}")
        if self.made_by is not None:
            # How the model was made decides: a pre-trained model had no fine-tuning, whatever figure came with it.
            # The figure is dropped, so the echoed profile shows what the evaluation went on.
            for metric in NOT_DONE[MadeBy(self.made_by)]:
                if hasattr(self, metric):
                    object.__setattr__(self, metric, None)
        # A fine-tune's training compute is cumulative: the original's and the fine-tuning's (as the EU AI Act and
        # SB 53 count it), unless it is given.
        if (
            self.made_by == MadeBy.FINE_TUNED
            and self.training_compute_flop is None
            and self.original_compute_flop is not None
            and self.modification_compute_flop is not None
        ):
            object.__setattr__(
                self, "training_compute_flop", self.original_compute_flop + self.modification_compute_flop
            )

    def figures(self) -> dict:
        """What the evaluation went on, unknowns included (None): the answer echoes it."""
        known = {name: getattr(self, name) for name in FIGURES}
        return {
            **known,
            "bio_sequence_data": self.bio_sequence_data,
            "made_by": self.made_by and MadeBy(self.made_by).value,
            "capability_findings": dict(self.capability_findings),
        }

    def readable(self, names: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
        """What the evaluation went on, for a person: ("Training compute", "3 × 10^25 FLOP") for each known input.
        `names` gives a threshold's name for its slug in a capability finding."""
        lines = []
        for name in FIGURES:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "original_compute_flop":
                lines.append(
                    ("Original model's training compute", formatting.figure(Metric.TRAINING_COMPUTE_FLOP, value))
                )
            else:
                lines.append((Metric(name).label, formatting.figure(name, value)))
        if self.bio_sequence_data is not None:
            lines.append((Metric.BIO_SEQUENCE_DATA.label, "yes" if self.bio_sequence_data else "no"))
        if self.made_by is not None:
            lines.append(("How it was made", MadeBy(self.made_by).label))
        for key, reached in self.capability_findings.items():
            label = Domain(key).label if key in Domain.values else (names or {}).get(key, key)
            lines.append((f"Capability finding: {label}", "reached" if reached else "ruled out"))
        return lines

    def value_of(self, metric: str) -> float | None:
        if metric == Metric.BIO_SEQUENCE_DATA:
            return None if self.bio_sequence_data is None else float(self.bio_sequence_data)
        if self.made_by is not None and metric in NOT_DONE[MadeBy(self.made_by)]:
            return 0.0
        if metric == Metric.MODIFICATION_COMPUTE_RATIO:
            if self.modification_compute_flop is None or not self.original_compute_flop:
                return None
            return self.modification_compute_flop / self.original_compute_flop
        return getattr(self, metric, None)


@dataclass(frozen=True)
class Evaluation:
    threshold: CapabilityThreshold
    result: str
    missing: list[str]
    margin_oom: float | None
    in_force: bool

    @property
    def instrument(self):
        return self.threshold.instrument

    @property
    def missing_display(self) -> list[str]:
        """What is missing, as a reader names it: "Developer annual revenue"."""
        return [Metric(metric).label for metric in self.missing]

    def as_dict(self) -> dict:
        instrument = self.instrument
        return {
            "threshold_id": self.threshold.pk,
            "threshold": self.threshold.slug,
            "name": self.threshold.name,
            "instrument": str(instrument),
            "jurisdiction": instrument.jurisdiction.code if instrument.jurisdiction else None,
            "instrument_status": instrument.status,
            "in_force": self.in_force,
            "result": self.result,
            "missing": self.missing,
            "margin_oom": self.margin_oom,
            "obligations": self.threshold.obligations,
        }


class _CapabilityLadder:
    """Resolves capability findings: reaching a level implies every lower level of the same framework and
    domain, and ruling a level out rules out every higher one."""

    def __init__(self, findings: Mapping[str, bool], conditions: Iterable[ThresholdCondition]):
        self.findings = findings
        self.rungs = {}
        for condition in conditions:
            if condition.metric == Metric.CAPABILITY_LEVEL:
                threshold = condition.threshold
                self.rungs[threshold.slug] = (threshold.instrument_id, threshold.domain, condition.value)

    def reached(self, condition: ThresholdCondition) -> bool | None:
        threshold = condition.threshold
        direct = self.findings.get(threshold.slug)
        if direct is not None:
            return direct
        if self.findings.get(threshold.domain) is False:
            return False
        ladder = (threshold.instrument_id, threshold.domain)
        for slug, found in self.findings.items():
            rung = self.rungs.get(slug)
            if rung is None or rung[:2] != ladder:
                continue
            if found and rung[2] >= condition.value:
                return True
            if not found and rung[2] <= condition.value:
                return False
        return None


def _condition_state(condition, profile: ModelProfile, ladder: _CapabilityLadder) -> bool | None:
    if condition.metric == Metric.CAPABILITY_LEVEL:
        reached = ladder.reached(condition)
        if reached is None:
            return None
        # A ceiling on a capability score (e.g. "answer rate below 5%") holds while the level is not reached.
        return reached if not condition.operator.startswith("l") else not reached
    value = profile.value_of(condition.metric)
    return None if value is None else condition.holds_for(value)


def _margin_oom(conditions, profile: ModelProfile) -> float | None:
    """Signed orders of magnitude from the nearest figure: positive above it, negative below it."""
    margins = []
    for condition in conditions:
        value = profile.value_of(condition.metric)
        if condition.metric in MAGNITUDE_METRICS and value and condition.value:
            # Two logarithms, not one of the quotient: 1e-300 / 1e26 is 0 in floating point.
            margins.append(math.log10(value) - math.log10(condition.value))
    return round(min(margins, key=abs), 2) if margins else None


def evaluate_threshold(
    threshold, profile: ModelProfile, *, ladder: _CapabilityLadder | None = None, on=None
) -> Evaluation:
    conditions = list(threshold.conditions.all())
    ladder = ladder or _CapabilityLadder(profile.capability_findings, conditions)
    states = [(condition, _condition_state(condition, profile, ladder)) for condition in conditions]
    missing = sorted({condition.metric for condition, state in states if state is None})
    if any(state is False for _condition, state in states):
        result = NOT_TRIGGERED
    elif missing or not states:
        result = UNDETERMINED
    else:
        result = TRIGGERED
    return Evaluation(
        threshold=threshold,
        result=result,
        missing=missing,
        margin_oom=_margin_oom(conditions, profile),
        in_force=threshold.instrument.is_in_force(on),
    )


def evaluate(profile: ModelProfile, *, thresholds=None, on=None) -> list[Evaluation]:
    """Evaluate every approved threshold (or the given ones) against a profile, as of a date."""
    thresholds = list(thresholds if thresholds is not None else CapabilityThreshold.objects.for_evaluation())
    conditions = [condition for threshold in thresholds for condition in threshold.conditions.all()]
    ladder = _CapabilityLadder(profile.capability_findings, conditions)
    on = on or timezone.localdate()
    evaluations = [evaluate_threshold(threshold, profile, ladder=ladder, on=on) for threshold in thresholds]
    return sorted(evaluations, key=lambda e: (RESULT_ORDER[e.result], not e.in_force, e.threshold.slug))


def _reference_model(field: str, name: str) -> AIModel:
    model = AIModel.objects.filter(name__iexact=name).first()
    if model is None:
        raise ProfileError(field, f"unknown model {name!r}: it is not among the reference models")
    return model


_SLUG = re.compile(r"[-\w]{1,120}", re.ASCII)


def check_findings(findings, *, visible) -> None:
    """Each capability finding must name a domain or a threshold among `visible` (the thresholds the asker may see:
    a slug they may not see is answered as an unknown one, so a finding is no oracle for thresholds in review)."""
    domains = set(Domain.values)
    slugs = [key for key in findings if key not in domains]
    lookup = [key for key in slugs if _SLUG.fullmatch(key)]  # anything else (a NUL, say) names no threshold
    known = set(visible.filter(slug__in=lookup).values_list("slug", flat=True)) if lookup else set()
    for key in slugs:
        if key not in known:
            raise ProfileError("capability_findings", f"{key[:120]!r} is neither a domain nor a threshold slug.")


def build_profile(*, model: str | None = None, original_model: str | None = None, **known) -> ModelProfile:
    """A profile from what is known. `model` starts from a reference model's figures, `original_model` names the
    reference model this one was made from (its compute is the original's); figures given explicitly win."""
    figures = {}
    if model:
        reference = _reference_model("model", model)
        figures = {"training_compute_flop": reference.training_compute_flop, "parameters": reference.parameters}
    if original_model:
        figures["original_compute_flop"] = _reference_model("original_model", original_model).training_compute_flop
    figures |= {name: value for name, value in known.items() if value is not None}
    return ModelProfile(**figures)
