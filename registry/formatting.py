"""Readable renderings of threshold figures: 10^25 FLOP, 3 × 10^25 FLOP, $100 million."""

import math

from registry.vocabulary import Metric, Operator

_MONEY_METRICS = {Metric.TRAINING_COST_USD, Metric.DEVELOPER_REVENUE_USD, Metric.DAMAGE_USD}
_WORDS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def scientific(value: float) -> str:
    """10^26 for powers of ten, 3 × 10^25 otherwise; small numbers as they are."""
    if value == 0 or abs(value) < 1e5:
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    if math.isclose(mantissa, 1.0, rel_tol=1e-9):
        return f"10^{exponent}"
    return f"{mantissa:.3g} × 10^{exponent}"


def money(value: float) -> str:
    for size, word in _WORDS:
        if abs(value) >= size:
            return f"${value / size:.4g} {word}"
    return f"${value:,.0f}"


def figure(metric: str, value: float, level: str = "") -> str:
    if metric == Metric.CAPABILITY_LEVEL:
        return level or f"rank {value:g}"
    if metric in _MONEY_METRICS:
        return money(value)
    if metric == Metric.TRAINING_COMPUTE_FLOP:
        return f"{scientific(value)} FLOP"
    if metric == Metric.CLUSTER_OPS_PER_SECOND:
        return f"{scientific(value)} op/s"
    if metric == Metric.PARAMETERS:
        return f"{scientific(value)} parameters"
    if metric == Metric.FATALITIES:
        return f"{value:g} deaths"
    return f"{value:g}"


def condition(metric: str, operator: str, value: float, level: str = "") -> str:
    """ "> 10^25 FLOP", "≥ CBRN-3", or a plain phrase for a yes/no metric."""
    if metric == Metric.BIO_SEQUENCE_DATA:
        trained = operator == Operator.EQ and value == 1
        return f"{'' if trained else 'not '}trained mainly on biological sequence data"
    return f"{Operator(operator).label} {figure(metric, value, level)}"


def conditions(items) -> str:
    """All of a threshold's conditions, from (metric, operator, value, level) tuples: "> 10^26 FLOP AND > $100
    million"."""
    return " AND ".join(condition(*item) for item in items) or "(no conditions)"
