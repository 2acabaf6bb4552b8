"""Readable renderings of threshold figures and conditions: 10^25 FLOP, 3 × 10^25 FLOP, $100 million, "more than
$100 million of training compute cost"; and the way back, from what a person types to a number."""

import math
import re

from registry.vocabulary import Metric, Operator

_MONEY_METRICS = {
    Metric.TRAINING_COST_USD,
    Metric.DEVELOPER_REVENUE_USD,
    Metric.DAMAGE_USD,
    Metric.MODIFICATION_COST_USD,
    Metric.DISTILLATION_COST_USD,
}
_WORDS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
SIGNIFICANT_DIGITS = 6
# What each figure is an amount of, as a condition names it: "more than 10^26 FLOP of training compute". Metrics
# whose figure already says it (parameters, deaths) have none.
_QUANTITIES = {
    Metric.TRAINING_COMPUTE_FLOP: "training compute",
    Metric.TRAINING_COST_USD: "training compute cost",
    Metric.DEVELOPER_REVENUE_USD: "developer annual revenue",
    Metric.CLUSTER_OPS_PER_SECOND: "cluster capacity",
    Metric.MODIFICATION_COMPUTE_FLOP: "fine-tuning or other modification compute",
    Metric.MODIFICATION_COST_USD: "fine-tuning or other modification compute cost",
    Metric.DISTILLATION_COST_USD: "distillation compute cost",
    Metric.DAMAGE_USD: "damage",
}


def rounded(value: float | None, digits: int = SIGNIFICANT_DIGITS) -> float | None:
    """A figure to `digits` significant digits: 4.6400000000000005e+26 is 4.64e+26."""
    if value is None or value == 0 or not math.isfinite(value):
        return value
    return float(f"{value:.{digits}g}")


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
    if metric in (Metric.TRAINING_COMPUTE_FLOP, Metric.MODIFICATION_COMPUTE_FLOP):
        return f"{scientific(value)} FLOP"
    if metric == Metric.CLUSTER_OPS_PER_SECOND:
        return f"{scientific(value)} op/s"
    if metric == Metric.PARAMETERS:
        return f"{scientific(value)} parameters"
    if metric == Metric.FATALITIES:
        return f"{value:g} deaths"
    if metric == Metric.MODIFICATION_COMPUTE_RATIO:
        return f"{value:.3g} times"
    return f"{value:g}"


def condition(metric: str, operator: str, value: float, level: str = "") -> str:
    """A condition that names its quantity: "more than 10^25 FLOP of training compute", "capability level at least
    CBRN-3", or a plain phrase for a yes/no metric."""
    if metric == Metric.BIO_SEQUENCE_DATA:
        trained = operator == Operator.EQ and value == 1
        return f"{'' if trained else 'not '}trained mainly on biological sequence data"
    words = Operator(operator).words
    if metric == Metric.CAPABILITY_LEVEL:
        return f"capability level {words} {figure(metric, value, level)}"
    if metric == Metric.MODIFICATION_COMPUTE_RATIO:
        return f"modification compute {words} {figure(metric, value)} the original model's training compute"
    quantity = _QUANTITIES.get(metric)
    return f"{words} {figure(metric, value, level)}" + (f" of {quantity}" if quantity else "")


def conditions(items) -> str:
    """All of a threshold's conditions, from (metric, operator, value, level) tuples: "more than 10^26 FLOP of
    training compute AND more than $100 million of training compute cost"."""
    return " AND ".join(condition(*item) for item in items) or "(no conditions)"


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_SUPERSCRIPT_TAIL = re.compile("([⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)$")
_DECIMAL = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d{1,3})?")
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
# 10^26, 3 × 10^25, 3x10^25, 3*10^25, 10**26, and 10²⁶ once its superscript is read as ^26.
_POWER = re.compile(r"(?:(?P<mantissa>\d+(?:\.\d*)?|\.\d+)\s*[×x*·]\s*)?10\s*(?:\^|\*\*)\s*(?P<exponent>[+-]?\d{1,3})")
FIGURE_EXAMPLES = "3e25, 3×10^25, 10^26 or 30,000,000"


def parse_figure(text: str) -> float:
    """A figure as people type it: 3e25, 3×10^25, 3x10^25, 3*10^25, 10^26, 10²⁶, 30,000,000. A ValueError says what
    is accepted; negative, infinite and not-a-number figures are refused."""
    raw = str(text).strip()
    if len(raw) > 80:  # a figure is short; no regular expression runs on a long paste
        raise ValueError(f"Not a figure: {raw[:40]!r}… is too long. Write it as {FIGURE_EXAMPLES}.")
    cleaned = raw.lower().replace(" ", "").replace("\u202f", "").replace("\u00a0", "")
    cleaned = _SUPERSCRIPT_TAIL.sub(lambda found: "^" + found[1].translate(_SUPERSCRIPTS), cleaned)
    if cleaned.startswith("-"):
        raise ValueError(f"{raw[:40]!r} is negative: a figure here is zero or more.")
    value = None
    if _DECIMAL.fullmatch(cleaned):
        value = float(cleaned)
    elif _GROUPED.fullmatch(cleaned):
        value = float(cleaned.replace(",", ""))
    elif power := _POWER.fullmatch(cleaned):
        mantissa = power["mantissa"] or "1"
        value = float(f"{mantissa}e{power['exponent']}")  # the decimal text keeps 3 × 10^25 exactly 3e25
    if value is None or not math.isfinite(value):
        raise ValueError(f"Not a figure: {raw[:40]!r}. Write it as {FIGURE_EXAMPLES}.")
    return value


# Characters XML 1.0 forbids. Documents bring text from the outside world, and a person may paste one into the admin.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """The text without the characters XML forbids, for feeds and SVG."""
    return _NOT_XML.sub("", text or "")
