"""When does the frontier of reference models cross each compute threshold? A log-linear fit of the training
compute of frontier models (those in the top few by compute when they came out) against release date."""

import datetime
import math
from dataclasses import dataclass

from registry.models import AIModel, CapabilityThreshold
from registry.vocabulary import Metric

# A model is on the frontier when its compute is among the top this many of all models released by then.
FRONTIER_TOP = 5
DAYS_PER_YEAR = 365.25
Z_90 = 1.645  # a 90% band around the fitted line


@dataclass(frozen=True)
class Fit:
    intercept: float  # log10 FLOP at EPOCH
    slope: float  # orders of magnitude per year
    residual_sd: float  # in orders of magnitude
    r_squared: float
    models: int
    first: datetime.date
    last: datetime.date

    @property
    def growth_per_year(self) -> float:
        return 10**self.slope

    def date_of(self, log10_flop: float) -> datetime.date:
        return _date((log10_flop - self.intercept) / self.slope)

    def log10_at(self, day: datetime.date) -> float:
        """The fitted line's log10 FLOP on a day."""
        return self.intercept + self.slope * _years(day)


EPOCH = datetime.date(2020, 1, 1)


def _years(day: datetime.date) -> float:
    return (day - EPOCH).days / DAYS_PER_YEAR


def _date(years: float) -> datetime.date:
    years = max(min(years, 200.0), -50.0)  # keep far-off crossings representable
    return EPOCH + datetime.timedelta(days=round(years * DAYS_PER_YEAR))


def frontier(models) -> list:
    """Models whose compute was among the top FRONTIER_TOP of all models released up to their date."""
    ordered = sorted(models, key=lambda m: (m.released, -m.training_compute_flop))
    chosen, seen = [], []
    for model in ordered:
        seen.append(model.training_compute_flop)
        if model.training_compute_flop >= sorted(seen, reverse=True)[:FRONTIER_TOP][-1]:
            chosen.append(model)
    return chosen


def fit(models) -> Fit | None:
    points = [(_years(m.released), math.log10(m.training_compute_flop)) for m in models]
    if len(points) < 3:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    residuals = [y - (intercept + slope * x) for x, y in points]
    ss_res = sum(r * r for r in residuals)
    ss_tot = sum((y - mean_y) ** 2 for _, y in points)
    return Fit(
        intercept=intercept,
        slope=slope,
        residual_sd=math.sqrt(ss_res / (n - 2)) if n > 2 else 0.0,
        r_squared=1 - ss_res / ss_tot if ss_tot else 1.0,
        models=n,
        first=min(m.released for m in models),
        last=max(m.released for m in models),
    )


@dataclass(frozen=True)
class Crossing:
    threshold: CapabilityThreshold
    value: float
    crossed_by: AIModel | None  # the first reference model above the figure, if one already is
    expected: datetime.date | None
    earliest: datetime.date | None
    latest: datetime.date | None


def forecast(*, thresholds=None) -> tuple[Fit | None, list[Crossing]]:
    """The fit, and for every approved compute threshold the date range in which the fitted frontier crosses it."""
    models = list(AIModel.objects.with_compute().exclude(released=None))
    line = fit(frontier(models))
    thresholds = thresholds if thresholds is not None else CapabilityThreshold.objects.approved()
    rows = []
    for threshold in (
        thresholds.filter(conditions__metric=Metric.TRAINING_COMPUTE_FLOP)
        .prefetch_related("conditions")
        .select_related("instrument__jurisdiction")
        .distinct()
    ):
        value = next(c.value for c in threshold.conditions.all() if c.metric == Metric.TRAINING_COMPUTE_FLOP)
        above = [m for m in models if m.training_compute_flop > value]
        first = min(above, key=lambda m: (m.released, m.name)) if above else None
        if line is None or line.slope <= 0:
            rows.append(Crossing(threshold, value, first, None, None, None))
            continue
        target, band = math.log10(value), Z_90 * line.residual_sd
        rows.append(
            Crossing(
                threshold=threshold,
                value=value,
                crossed_by=first,
                expected=line.date_of(target),
                earliest=line.date_of(target - band),
                latest=line.date_of(target + band),
            )
        )
    rows.sort(key=lambda row: (row.value, row.threshold.slug))
    return line, rows
