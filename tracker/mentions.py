"""Threshold figures in document text: compute, cluster capacity, training cost, developer revenue and parameters,
each normalised and kept with its sentence."""

import dataclasses
import re
from dataclasses import dataclass

from django.utils.text import slugify

from registry import formatting
from registry.models import CapabilityThreshold, ThresholdCondition
from registry.vocabulary import METRIC_UNITS, Metric, Operator, Origin, ReviewStatus
from tracker.models import ThresholdMention
from tracker.sentences import Sentences


@dataclass(frozen=True)
class Figure:
    """A figure as a document writes it and as the registry stores it.

    `value` is in the metric's unit (FLOP, operations per second, parameters), except that money stays in the
    document's `currency` ("" for other metrics). `operator` is "gt", "gte", "lt", "lte", or "" when no comparison
    word comes with the figure. `text` is text[start:end]; `sentence` starts at `sentence_start`.
    """

    metric: str
    value: float
    currency: str
    text: str
    start: int
    end: int
    sentence: str
    sentence_start: int
    operator: str

    @property
    def unit(self) -> str:
        # Money keeps the currency the document used; the registry names USD only because it is the usual one.
        unit = METRIC_UNITS[self.metric]
        return unit.replace("USD", self.currency) if self.currency else unit


def find_figures(text: str) -> list[Figure]:
    """Every threshold-like figure in `text`, in document order, without overlapping spans."""
    sentences = Sentences(text)
    figures = []
    for pattern in (_MONEY, _SCIENTIFIC, _COUNTED, _LISTED, _SPELLED_OUT):
        for match in pattern.finditer(text):
            if figure := _read(match, text, sentences):
                figures.append(figure)
    figures.sort(key=lambda figure: (figure.start, -figure.end))
    kept: list[Figure] = []
    for figure in figures:
        if not kept or figure.start >= kept[-1].end:
            if kept and not figure.operator and _carries_operator(kept[-1], figure, text):
                figure = dataclasses.replace(figure, operator=kept[-1].operator)
            kept.append(figure)
    return kept


def _carries_operator(before: Figure, figure: Figure, text: str) -> bool:
    """ "more than 10^26 operations, or 10^23 operations for ...": the second limit is compared the same way."""
    return before.metric == figure.metric and bool(_ALTERNATIVE.fullmatch(text, before.end, figure.start))


# --- Notation -------------------------------------------------------------------------------------------------------


_UNIT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEEN_WORDS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_TEN_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_IRREGULAR_ORDINALS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}


def _number_words() -> tuple[dict[str, int], dict[str, int]]:
    cardinals = dict(zip(_UNIT_WORDS + _TEEN_WORDS, range(1, 20), strict=True))
    for ten, word in zip(range(20, 100, 10), _TEN_WORDS, strict=True):
        cardinals[word] = ten
        cardinals |= {f"{word}-{unit}": ten + n for n, unit in enumerate(_UNIT_WORDS, start=1)}
    return cardinals, {_ordinal(word): n for word, n in cardinals.items()}


def _ordinal(cardinal: str) -> str:
    head, _, last = cardinal.rpartition("-")
    last = _IRREGULAR_ORDINALS.get(last) or (last[:-1] + "ieth" if last.endswith("y") else last + "th")
    return f"{head}-{last}" if head else last


_CARDINALS, _ORDINALS = _number_words()
_SCALES = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
_LARGE_SCALES = {"quadrillion": 15, "quintillion": 18, "sextillion": 21, "septillion": 24, "octillion": 27}
_ABBREVIATED_SCALES = {"k": 3, "m": 6, "mn": 6, "b": 9, "bn": 9, "t": 12, "tn": 12}
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def _words(words) -> str:
    return "|".join(word.replace("-", r"[-\s]") for word in sorted(words, key=len, reverse=True))


# Atomic, so that a long run of digits is never re-split while the rest of a pattern fails.
_NUMBER = r"(?>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_MANTISSA = r"(?>\d{1,3}(?:[.,]\d{1,4})?)"
_DIGITS_START = r"(?<![\w.,])"
_WORD_START = r"(?<![\w-])"
_WORD_END = r"(?![A-Za-z])"
# one, twenty-six, a hundred, nine hundred; the look-ahead on the first letter keeps the scan fast.
_SPELLED = (
    rf"(?=[aotfsenAOTFSEN])(?i:(?:a|{'|'.join(_UNIT_WORDS)})\s+hundred|(?:{'|'.join(_TEN_WORDS)})"
    rf"(?:[-\s](?:{'|'.join(_UNIT_WORDS)}))?|{_words(_TEEN_WORDS)}|{'|'.join(_UNIT_WORDS)}|a)"
)
_SMALL_SCALE = rf"(?=[tTmMbB])(?i:{_words(_SCALES)})"
_LARGE_SCALE = rf"(?=[qQsSoO])(?i:{_words(_LARGE_SCALES)})"
_ABBREVIATED_SCALE = r"\s?(?i:bn|mn|tn)|[kKmMbBT]"

# 10^26, 3 × 10^25, 10**26, 10^{26}, and 10(^25) as EUR-Lex prints a superscript
_POWER = (
    rf"(?:(?P<mantissa>{_MANTISSA})\s*[×xX*·⋅∙]\s*)?10\s*"
    r"(?P<exponent>(?:\^|\*\*)\s*(?:\{\+?\d{1,2}\}|\(\+?\d{1,2}\)|\+?\d{1,2})|\(\^\+?\d{1,2}\))(?!\d)"
)
# 10²⁶, 1.5×10²⁵
_SUPERSCRIPT = (
    rf"(?:(?P<sup_mantissa>{_MANTISSA})\s*[×xX*·⋅∙]\s*)?"
    r"10(?P<sup_exponent>[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})"
)
# 10^26 after its superscript is lost: 1026, 10 26, 10. 25 (read as powers only where the context allows), 10º26
_FLATTENED = (
    rf"(?:(?P<flat_mantissa>{_MANTISSA})\s*[×xX*·⋅∙]\s*)?"
    r"10(?P<flat_mark>[º°˚]\s?|\.?\s|)(?P<flat_exponent>[12]\d|30)(?![\d,]|\.\d)"
)
# 10 to the 26th power, ten to the twenty-sixth, ten to the power of twenty-six
_SPOKEN_POWER = (
    rf"{_WORD_START}(?:10|(?i:ten))\s+(?i:to\s+the\s+(?:power\s+(?:of\s+)?)?)"
    rf"(?P<spoken_exponent>\d{{1,2}}(?i:st|nd|rd|th)?|(?i:{_words([*_ORDINALS, *_CARDINALS])}))"
    rf"(?:\s+(?i:power))?{_WORD_END}"
)
# 1e26, 1E+26, 1.5e25
_E_NOTATION = r"(?P<e_number>(?>\d+(?:\.\d+)?)[eE]\+?\d{1,2})(?!\w|\.\d)"
# 100 septillion
_LARGE = rf"(?P<large_number>{_NUMBER})\s*-?\s*(?P<large_scale>{_LARGE_SCALE}){_WORD_END}"
# tens of billions, hundreds of millions
_PLURAL = (
    rf"{_WORD_START}(?P<plural>(?i:tens|hundreds))\s+(?i:of)\s+"
    r"(?P<plural_scale>(?i:thousands|millions|billions|trillions))"
)
# 175 billion, 70B, 1,000,000
_SCALED = (
    rf"(?P<number>{_NUMBER})"
    rf"(?:\s*-?\s*(?P<scale>{_SMALL_SCALE})|(?P<abbreviation>{_ABBREVIATED_SCALE}))?"
)

_OPERATIONS = (
    r"(?i:(?:(?:integer|floating[-\s]?point|computational|mathematical|arithmetic)\s+"
    r"(?:or\s+(?:integer|floating[-\s]?point)\s+)?)?operations|flop\(s\)|flops?|ops?)"
)
# petaFLOPs, PFLOP/s, exaflops, TFLOP: a count or rate of FLOP scaled by its prefix
_PREFIXED_FLOP = r"(?P<prefix>(?i:tera|peta|exa|zetta|yotta)|[TPEZ])-?(?i:flop(?:\(s\)|s)?)"
_PREFIXES = {"t": 12, "p": 15, "e": 18, "z": 21, "y": 24}
_PER_SECOND = r"(?i:\s*(?:per\s+second|per\s+sec\b|/\s*s(?:ec(?:ond)?)?(?![A-Za-z])))"
# PFLOP/s-days: a rate kept up for days, which is a count
_DAYS = r"(?P<days>[-\s](?i:days?))"
# pfs-day, OpenAI's short name for a petaflop/s-day
_PFS = r"(?P<pfs>(?i:pfs)[-\s](?i:days?))"
_CURRENCY_CODE = r"(?:USD|EUR|GBP|KRW|CNY|JPY|RMB|CHF|CAD|AUD|HKD|SGD|INR)"
_CURRENCY_NAME = (
    rf"{_CURRENCY_CODE}"
    r"|(?i:(?:U\.?S\.?\s*|American\s+|Hong\s+Kong\s+|Canadian\s+|Australian\s+)?dollars?"
    r"|euros?|pounds?(?:\s+sterling)?|sterling|won|yuan|renminbi|yen)"
)
_UNIT = (
    rf"(?P<unit>(?:\s*-\s*|\s+(?i:of\s+)?|)(?=[A-Za-z])(?:(?P<parameters>(?i:parameters?|params?))"
    rf"|(?P<operations>{_PREFIXED_FLOP}|{_PFS}|{_OPERATIONS})(?:(?P<rate>{_PER_SECOND}){_DAYS}?)?|(?P<per_second>(?i:per\s+second))"
    rf"|(?P<currency_name>{_CURRENCY_NAME})){_WORD_END})"
)
_CURRENCY_SIGN = rf"US\s?\$|U\.S\.\s?\$|HK\$|CA?\$|AU?\$|S\$|CN¥|JP¥|\$|€|£|¥|₩|₹|{_CURRENCY_CODE}(?=[\s\d])"

# Money written with its currency first: $100 million, US$ 500 million, EUR 15 million, £10m.
_MONEY = re.compile(
    rf"(?<![A-Za-z])(?P<currency_sign>{_CURRENCY_SIGN})\s?(?P<number>{_NUMBER})"
    rf"(?:\s*-?\s*(?P<scale>{_SMALL_SCALE})|(?P<abbreviation>{_ABBREVIATED_SCALE}))?(?![A-Za-z\d])"
)
# A unit that comes after the comparison: "10^12 or more parameters".
_UNIT_AFTER_COMPARISON = re.compile(rf"\s*(?i:or|and)\s+(?i:more|greater|higher|less|fewer|lower){_UNIT}")
# Notations only large quantities use; the unit may be left to the words around them.
_SCIENTIFIC = re.compile(
    rf"(?:{_DIGITS_START}(?=\d)(?:{_POWER}|{_SUPERSCRIPT}|{_E_NOTATION}|{_LARGE}|{_FLATTENED})|(?=[1tT]){_SPOKEN_POWER})(?:{_UNIT})?"
)
# Ordinary numbers, which count only with a unit right after them.
_COUNTED = re.compile(rf"(?:{_DIGITS_START}(?=\d){_SCALED}|(?=[tThH]){_PLURAL}){_UNIT}")
# 8B and 70B in "8B, 70B and 405B parameters": sizes listed before the unit that the last one carries.
_LISTED = re.compile(
    rf"{_DIGITS_START}(?P<number>\d+(?:\.\d+)?)(?P<abbreviation>[BMT])"
    r"(?=(?:(?:,|,?\s+(?:and|or|to))\s*\d+(?:\.\d+)?[BMT])+\s*-?\s*(?P<unit>(?P<parameters>(?i:parameters?|params?))\b))"
)
# Numbers in words (one hundred septillion, ten billion dollars); below a quadrillion they too need a unit.
_SPELLED_OUT = re.compile(
    rf"{_WORD_START}(?P<words>{_SPELLED})\s*-?\s*(?P<word_scale>{_LARGE_SCALE}|{_SMALL_SCALE}){_WORD_END}(?:{_UNIT})?"
)

_CURRENCIES = {
    "$": "USD",
    "us$": "USD",
    "dollar": "USD",
    "usdollar": "USD",
    "americandollar": "USD",
    "hk$": "HKD",
    "hongkongdollar": "HKD",
    "c$": "CAD",
    "ca$": "CAD",
    "canadiandollar": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "australiandollar": "AUD",
    "€": "EUR",
    "euro": "EUR",
    "£": "GBP",
    "pound": "GBP",
    "poundsterling": "GBP",
    "sterling": "GBP",
    "₩": "KRW",
    "won": "KRW",
    "¥": "JPY",
    "jp¥": "JPY",
    "yen": "JPY",
    "cn¥": "CNY",
    "rmb": "CNY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "s$": "SGD",
    "₹": "INR",
}
_NUMBER_WORDS = {words.replace("-", " "): n for words, n in _CARDINALS.items()}
_NUMBER_WORDS |= {f"{words} hundred": 100 * n for words, n in _CARDINALS.items() if n < 10} | {"a": 1, "a hundred": 100}


def _currency(written: str) -> str:
    key = re.sub(r"(dollar|euro|pound)s\b", r"\1", written.lower())
    key = re.sub(r"[\s.]+", "", key)
    return _CURRENCIES.get(key, written.upper())


def _quantity(match: re.Match) -> tuple[float, str]:
    """The value a match writes, and how: "large" (a notation only large numbers use), "flattened" (a power of ten
    that lost its superscript), "scaled" or "plain" digits."""
    found = match.groupdict()
    if exponent := found.get("exponent"):
        return _times_ten(found["mantissa"] or "1", re.sub(r"\D", "", exponent)), "large"
    if exponent := found.get("sup_exponent"):
        return _times_ten(found["sup_mantissa"] or "1", exponent.translate(_SUPERSCRIPTS)), "large"
    if exponent := found.get("spoken_exponent"):
        words = re.sub(r"[-\s]+", "-", exponent.lower())
        power = _ORDINALS.get(words) or _CARDINALS.get(words) or int(re.sub(r"\D", "", words))
        return _times_ten("1", power), "large"
    if exponent := found.get("flat_exponent"):
        # A degree or ordinal sign is no typing of an ordinary number; a space or nothing at all may be.
        written = "large" if found["flat_mark"].strip() not in ("", ".") else "flattened"
        return _times_ten(found["flat_mantissa"] or "1", exponent), written
    if number := found.get("e_number"):
        return float(number), "large"
    if scale := found.get("large_scale"):
        return _times_ten(found["large_number"].replace(",", ""), _LARGE_SCALES[scale.lower()]), "large"
    if scale := found.get("word_scale"):
        number = str(_NUMBER_WORDS[re.sub(r"[-\s]+", " ", found["words"].lower())])
        if power := _LARGE_SCALES.get(scale.lower()):
            return _times_ten(number, power), "large"
        return _times_ten(number, _SCALES[scale.lower()]), "scaled"
    if plural := found.get("plural"):
        power = _SCALES[found["plural_scale"].lower().removesuffix("s")]
        return _times_ten("10" if plural.lower() == "tens" else "100", power), "scaled"
    number = found["number"].replace(",", "")
    if scale := found.get("scale"):
        return _times_ten(number, _SCALES[scale.lower()]), "scaled"
    if abbreviation := found.get("abbreviation"):
        return _times_ten(number, _ABBREVIATED_SCALES[abbreviation.strip().lower()]), "scaled"
    return float(number), "plain"


def _times_ten(mantissa: str, power: str | int) -> float:
    # Reading the decimal text keeps 1.5 × 10^25 exactly 1.5e25, where 1.5 * 10**25 would not be.
    return float(f"{mantissa.replace(',', '.')}e{power}")


# --- Reading a match in its context -----------------------------------------------------------------------------------

# Below these a count is an ordinary number (a year, an article, a headcount), never a threshold.
_SMALLEST = {
    Metric.TRAINING_COMPUTE_FLOP: 1e6,
    Metric.CLUSTER_OPS_PER_SECOND: 1e6,
    Metric.PARAMETERS: 1e6,
    # A share price, an hourly rate, a unit price
    Metric.TRAINING_COST_USD: 1e5,
    Metric.DEVELOPER_REVENUE_USD: 1e5,
}
# A sum in brackets right after another sum restates it ("€15 million ($15.6 million)").
_RESTATED = re.compile(
    r"(?:\d|\b(?i:thousand|million|billion|trillion|[mb]n?|dollars?|euros?|pounds?|won|yuan|yen))"
    r"\s*\(\s*(?i:(?:roughly|about|around|approximately|approx\.|some|nearly|i\.e\.,?|or)\s*)?\Z"
)

_COMPUTE_WORDS = re.compile(
    r"(?<![\w-])(?:flop\w*|compute|computing|computational|operations|train(?:s|ed|ing)?)(?![\w-])", re.IGNORECASE
)
# A power of ten this large, in a sentence about models, can only count training operations.
_FLOP_SIZED = 1e22
# What makes a cost the cost of a model rather than of a cable or a building.
_MODEL_WORDS = re.compile(
    r"(?<![\w-])(?:models?|AI|artificial\s+intelligence|GPUs?|chips?|thresholds?)(?![\w-])", re.IGNORECASE
)
_RATE_WORDS = re.compile(
    r"capacity|cluster|per\s+second|supercomputer|data\s*cent(?:er|re)|peak|theoretical", re.IGNORECASE
)
_TRAINING_WORDS = re.compile(r"train", re.IGNORECASE)
_MONEY_WORDS = re.compile(
    r"(?<![\w-])(?:"
    r"(?P<revenue>revenues?|turnover|gross\s+receipts|sales|annual\s+income)"
    r"|(?P<cost>costs?|costing|spent|spend|spending|expenditures?|cloud\s+computing)"
    r"|(?P<other>fine[ds]?|fining|penalt(?:y|ies)|sanctions?|grants?|fund(?:s|ed|ing)?|invest\w*|budget\w*"
    r"|donat\w*|prizes?|awards?|subsid\w*|loans?|rais(?:e|es|ed|ing)|backers?|backing|contribut\w*"
    r"|salar(?:y|ies)|compensation|damages?|settlements?|valuation|valued|deals?|contracts?|acquisitions?"
    r"|programmes?|programs?|initiatives?|scholarships?|pric(?:e|es|ed|ing)|tariffs?|fees?|tax(?:es)?|shares?"
    r"|stocks?|worth|refunds?|losses|lost|market\s+value|market\s+cap\w*|capitali[sz]ation|settle\w*"
    r"|infrastructure))"
    r"(?![\w-])",
    re.IGNORECASE,
)
# What a bare 1026 needs around it to be read as 10^26; "trained" alone is not enough (1020 students trained).
_COMPUTATION_WORDS = re.compile(r"(?<![\w-])(?:flop\w*|compute|computing|computation|operations)(?![\w-])", re.I)
# "at least 1020 students": a number followed by the noun it counts.
_COUNTED_NOUN = re.compile(
    r"\s+(?!(?i:and|or|in|of|is|are|was|were|for|to|when|with|will|shall|must|may|during|per|as|at|by|if)\b)[A-Za-z]"
)
# A word naming other money this close to a sum outweighs a nearer word about spending.
_OTHER_REACH = 30
_MONEY_METRICS = {"revenue": Metric.DEVELOPER_REVENUE_USD, "other": None}


def _read(match: re.Match, text: str, sentences: Sentences) -> Figure | None:
    """The figure a match stands for, or None when its words say it is no threshold."""
    found = match.groupdict()
    value, written = _quantity(match)
    start, end = match.span()
    power = written in ("large", "flattened")
    if power and not found.get("unit") and (late := _UNIT_AFTER_COMPARISON.match(text, end)):
        found = late.groupdict()  # "10^12 or more parameters"
    elif not power and not (found.get("unit") or found.get("currency_sign")):
        return None
    if prefix := found.get("prefix"):
        value = float(f"{value!r}e{_PREFIXES[prefix[0].lower()]}")
    if found.get("pfs"):
        value = float(f"{value!r}e15")
    if found.get("days") or found.get("pfs"):
        value *= 86400
    sentence_start, sentence = sentences.around(start, end, longest=_LONGEST_SENTENCE)
    operator = _operator(text, start, end, sentence_start)
    if written == "flattened" and not _reads_as_power(found, operator, sentence, text[end : end + 30]):
        return None
    if (found.get("currency_sign") or found.get("currency_name")) and _RESTATED.search(text, max(0, start - 60), start):
        return None  # "one hundred million dollars ($100,000,000)": the same sum again, in figures or in dollars
    currency = ""
    if sign := found.get("currency_sign"):
        currency = _currency(sign)
    elif name := found.get("currency_name"):
        if written == "plain" and 1000 <= value < 3000 and "," not in found["number"]:
            return None  # a year followed by "won" or "pounds"
        currency = _currency(name)

    if currency:
        metric = _money_metric(start - sentence_start, end - sentence_start, sentence)
    elif found.get("parameters"):
        metric = Metric.PARAMETERS
    else:
        near = text[max(sentence_start, start - 80) : min(sentence_start + len(sentence), end + 40)]
        metric = _compute_metric(found, near, sentence, flop_sized=written == "large" and _FLOP_SIZED <= value < 1e30)
    if metric is None or value < _SMALLEST.get(metric, 0):
        return None
    return Figure(
        metric=metric,
        value=value,
        currency=currency,
        text=match.group(),
        start=start,
        end=end,
        sentence=sentence,
        sentence_start=sentence_start,
        operator=operator,
    )


def _reads_as_power(found: dict, operator: str, sentence: str, after: str) -> bool:
    """Whether 1026 or "10 26" is 10^26: it counts operations, or a limit on them in a sentence about compute.
    Article numbers, years and citations have no comparison word before them."""
    if found.get("unit"):
        return bool(found.get("operations") or found.get("per_second"))
    return bool(operator) and bool(_COMPUTATION_WORDS.search(sentence)) and not _COUNTED_NOUN.match(after)


def _compute_metric(found: dict, near: str, sentence: str, *, flop_sized: bool) -> str | None:
    """Operations counted for training, or a cluster's rate; None when nothing says the number is compute."""
    if found.get("days") or found.get("pfs"):
        return Metric.TRAINING_COMPUTE_FLOP
    if found.get("rate") or found.get("per_second"):
        return Metric.CLUSTER_OPS_PER_SECOND
    operations = found.get("operations")
    # "FLOPS" (petaflops, exaflops) is a count in some laws and a rate in others: the words around it decide.
    flop = operations and operations[len(found.get("prefix") or "") :].lstrip("-")
    reads_as_rate = (not operations or flop in ("FLOPS", "flops")) and bool(_RATE_WORDS.search(near))
    if reads_as_rate and not _TRAINING_WORDS.search(near):
        return Metric.CLUSTER_OPS_PER_SECOND
    if operations or _COMPUTE_WORDS.search(sentence) or (flop_sized and _MODEL_WORDS.search(sentence)):
        return Metric.TRAINING_COMPUTE_FLOP
    return None


def _money_metric(start: int, end: int, sentence: str) -> str | None:
    """The metric the nearest telling word gives a sum of money (words before it count a little more)."""
    nearest = None
    other = float("inf")
    for word in _MONEY_WORDS.finditer(sentence):
        if word.end() <= start:
            distance = start - word.end()
        elif word.start() >= end:
            distance = 1.5 * (word.start() - end)
        else:
            continue
        if nearest is None or distance < nearest[0]:
            nearest = (distance, word.lastgroup)
        if word.lastgroup == "other":
            other = min(other, distance)
    if nearest and nearest[1] != "cost":
        return _MONEY_METRICS[nearest[1]]
    if other <= _OTHER_REACH:
        return None  # "plans to spend $500 billion on infrastructure", "paid $1.5 billion to settle"
    # A cost counts when the sentence is about models or compute; a sum with no telling word, only about compute.
    if _COMPUTE_WORDS.search(sentence) or (nearest and _MODEL_WORDS.search(sentence)):
        return Metric.TRAINING_COST_USD
    return None


# Comparison words right before a figure; the longest ("equal to or greater than") fits in the look-back window.
_COMPARISONS = {
    "gte": "at least|not less than|no less than|not fewer than|no fewer than|at or above|(?:equals?|meets?) or exceeds?"
    "|(?:greater|more) than or equal to|equal to or (?:greater|more) than"
    "|(?:a )?minimum of|≥|>=|⩾",
    "lte": "no more than|not more than|not exceeding|(?:does|do|shall|did|will|may) not exceed|up to|at most"
    "|less than or equal to|equal to or less than|(?:a )?maximum of|≤|<=|⩽",
    "gt": "more than|greater than|higher than|exceed(?:s|ed|ing)?|in excess of|above|over|beyond|>"
    "|tops|surpass(?:es|ing)?",
    "lt": "less than|fewer than|lower than|below|under|<",
}
_LOOK_BACK = 32
_ALTERNATIVE = re.compile(r",?\s+or\s+", re.IGNORECASE)
_BEFORE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(f"(?P<{operator}>{words})" for operator, words in _COMPARISONS.items()).replace(" ", r"\s+")
    + r")\s*\Z",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"\s*,?\s*(?:(?P<gte>or\s+(?:more|greater|higher|above|over)|and\s+(?:more|above|over|higher))"
    r"|(?P<lte>or\s+(?:less|fewer|lower|below|under)))(?![\w-])",
    re.IGNORECASE,
)


def _operator(text: str, start: int, end: int, sentence_start: int) -> str:
    before = _BEFORE.search(text, max(sentence_start, start - _LOOK_BACK), start)
    if before or (before := _AFTER.match(text, end)):
        return before.lastgroup
    return ""


# A sentence longer than this (a table, a run-on list) is cut to a window around the figure.
_LONGEST_SENTENCE = 1000


# Linking figures to the registry: a figure that matches an approved threshold is linked to it; any other figure
# stated as a limit ("more than ...") becomes a candidate threshold that waits for review in the admin.

MATCH_TOLERANCE = 0.01


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= MATCH_TOLERANCE * max(abs(a), abs(b))


class Linker:
    """Matches figures against the registry's conditions, read once per batch of documents."""

    def __init__(self):
        conditions = ThresholdCondition.objects.select_related("threshold__instrument").order_by("threshold_id")
        self.by_metric: dict[str, list[ThresholdCondition]] = {}
        for condition in conditions:
            self.by_metric.setdefault(condition.metric, []).append(condition)

    def link(self, document, figure: Figure) -> CapabilityThreshold | None:
        if figure.currency not in ("", "USD"):
            return None  # thresholds hold money in USD; other currencies are kept as mentions only
        matches = [c.threshold for c in self.by_metric.get(figure.metric, []) if _close(c.value, figure.value)]
        approved = [t for t in matches if t.review_status == ReviewStatus.APPROVED]
        if approved:
            # Prefer a threshold of the document's jurisdiction, then one in force, then the oldest.
            return min(
                approved, key=lambda t: (t.instrument.jurisdiction_id != document.jurisdiction_id, not t.in_force, t.pk)
            )
        found = [t for t in matches if t.origin == Origin.DOCUMENT]
        if found:
            return found[0]
        return self._candidate(document, figure) if figure.operator else None

    def _candidate(self, document, figure: Figure) -> CapabilityThreshold:
        """One candidate per figure, however many documents state it: its slug is made from the figure itself."""
        operator = figure.operator or Operator.GTE
        shown = formatting.condition(figure.metric, operator, figure.value)
        threshold, created = CapabilityThreshold.objects.get_or_create(
            slug=slugify(f"found {figure.metric} {operator} {figure.value:.6g}")[:120],
            defaults={
                "name": f"{shown} (found in a document)"[:300],
                "origin": Origin.DOCUMENT,
                "review_status": ReviewStatus.CANDIDATE,
                "source_url": document.url[:500],
                "notes": f"First read in “{document.title}”: {figure.sentence}"[:4000],
            },
        )
        condition = threshold.conditions.first()
        if created or condition is None:
            condition = ThresholdCondition.objects.create(
                threshold=threshold, metric=figure.metric, operator=operator, value=figure.value, unit=figure.text[:80]
            )
        self.by_metric.setdefault(condition.metric, []).append(condition)
        return threshold


def record_mentions(*, documents, linker: Linker | None = None) -> list[ThresholdMention]:
    """Replace the documents' mentions with the figures in their current text, each linked where it can be."""
    linker = linker or Linker()
    ThresholdMention.objects.filter(document__in=documents).delete()
    return ThresholdMention.objects.bulk_create(
        ThresholdMention(
            document=document,
            metric=figure.metric,
            operator=figure.operator,
            value=figure.value,
            currency=figure.currency,
            text=figure.text[:300],
            start=figure.start,
            end=figure.end,
            sentence=figure.sentence,
            threshold=linker.link(document, figure),
        )
        for document in documents
        for figure in find_figures(document.text)
    )
