"""The hand-written vocabulary's score of a text for each challenge, one input of the learned tagger (tagging.py).
The vocabulary (weighted phrases per concept, damping cues, scoring constants) is data in vocabulary/tagger.yaml."""

import bisect
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

# `re`'s private parser, used only to file each phrase under the letters its matches begin with, so a text is read
# once, word by word. It stays because bench/tagging.py's floor (500 documents a second on one core) needs it: with
# every phrase tried at every word instead, the tagger read 26-28 documents per CPU second against about 600.
try:
    from re import _constants, _parser
except ImportError:  # pragma: no cover - every phrase is then tried at every word, which is slower but the same
    _constants = _parser = None

from registry.vocabulary import ChallengeCode
from tracker.sentences import pieces
from tracker.sentences import spans as sentence_spans

VOCABULARY_PATH = Path(__file__).resolve().parent / "vocabulary" / "tagger.yaml"
# A category without substance (no AI context, too few supporting sentences) is held below this.
_BELOW_LABEL = 0.45
# Longer stretches without a sentence end (tables, extracted PDFs) are cut at a space near this length.
_LONGEST_PASSAGE = 600

_WORD_START = re.compile(r"\b\w")
_KEY = 8  # phrases are filed under at most this many leading letters
_LITERAL, _IN, _BRANCH, _SUBPATTERN = (getattr(_constants, n, None) for n in ("LITERAL", "IN", "BRANCH", "SUBPATTERN"))
_REPEATS = tuple(getattr(_constants, n, None) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"))


@dataclass(frozen=True)
class _Phrase:
    category: int  # index into ChallengeCode.values
    concept: str  # "" for an exclusion: a span where the category's phrases do not count
    weight: float
    pattern: re.Pattern


@dataclass(frozen=True)
class _Vocabulary:
    version: str
    scoring: dict[str, float]
    ai_context: re.Pattern
    contrast_before: re.Pattern
    list_before: re.Pattern
    list_after: re.Pattern
    # Phrases filed under the first letters any match must begin with, so a text is read once, word by word.
    index: dict[str, tuple[_Phrase, ...]]
    prefixes: frozenset[str]  # every beginning of every key: a word stops being read at the first miss


def _words(pattern: str) -> str:
    return rf"\b(?:{pattern})\b"


def _heads(items) -> set[tuple[str, bool]]:
    """The lowercase strings (up to _KEY characters) that every match of a parsed pattern begins with, each with
    whether more may follow. An empty string means the pattern may begin anywhere."""
    heads = {("", True)}
    for op, arg in items:
        if not any(more for _head, more in heads):
            break
        options = _options(op, arg)
        grown = set()
        for head, more in heads:
            for option, option_more in options if more and options is not None else [("", False)]:
                joined = head + option
                grown.add((joined[:_KEY], option_more and len(joined) < _KEY))
        heads = grown
        if len(heads) > 256:
            return {(head[:1], False) for head, _more in heads}
    return heads


def _options(op, arg) -> set[tuple[str, bool]] | None:
    if op is _LITERAL:
        return {(chr(arg).lower(), True)}
    if op is _IN and all(kind is _LITERAL for kind, _value in arg):
        return {(chr(value).lower(), True) for _kind, value in arg}
    if op is _BRANCH:
        return set().union(*(_heads(branch) for branch in arg[1]))
    if op is _SUBPATTERN:
        return _heads(arg[-1])
    if op in _REPEATS and arg[0] == 0 and arg[1] == 1:  # optional: with it or without it
        return _heads(arg[2]) | {("", True)}
    if op in _REPEATS and arg[0] >= 1:
        return {(head, False) for head, _more in _heads(arg[2])}
    return None


def _file(index: dict[str, list[_Phrase]], phrase: _Phrase, source: str) -> None:
    try:
        heads = {head for head, _more in _heads(_parser.parse(source).data)} if _parser else {""}
    except Exception:  # an unusual construct: try the phrase everywhere rather than miss it
        heads = {""}
    for head in heads:
        index.setdefault(head if len(head) >= 2 else "", []).append(phrase)


def _index(categories: dict) -> dict[str, tuple[_Phrase, ...]]:
    index: dict[str, list[_Phrase]] = {}
    for number, code in enumerate(ChallengeCode.values):
        spec = categories[code]
        for source in spec.get("exclude") or []:
            _file(index, _Phrase(number, "", 0.0, re.compile(rf"(?:{source})\b", re.IGNORECASE)), source)
        for concept, body in spec["concepts"].items():
            for raw in body["patterns"]:
                source, weight = (raw["pattern"], raw["weight"]) if isinstance(raw, dict) else (raw, body["weight"])
                pattern = re.compile(rf"(?:{source})\b", re.IGNORECASE)
                if pattern.groups:
                    raise ValueError(f"{VOCABULARY_PATH}: write groups as (?:...) in {code}.{concept}: {source!r}")
                _file(index, _Phrase(number, concept, float(weight), pattern), source)
    return {head: tuple(phrases) for head, phrases in index.items()}


@cache
def _vocabulary() -> _Vocabulary:
    data = yaml.load(VOCABULARY_PATH.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    categories = data["categories"]
    if set(categories) != set(ChallengeCode.values):
        raise ValueError(f"{VOCABULARY_PATH}: categories must be exactly {sorted(ChallengeCode.values)}")
    joiners = data["list_joiners"]
    index = _index(categories)
    return _Vocabulary(
        version=str(data["version"]),
        scoring={name: float(value) for name, value in data["scoring"].items()},
        ai_context=re.compile(_words(data["ai_context"]), re.IGNORECASE),
        contrast_before=re.compile(rf"\b{data['contrast_cues']}\s+(?:\S+\s+){{0,2}}$", re.IGNORECASE),
        list_before=re.compile(rf"{joiners}\s*(?:[\w'’-]+\s+){{0,2}}$", re.IGNORECASE),
        list_after=re.compile(rf"\s*(?:[\w'’-]+\s+){{0,2}}?{joiners}", re.IGNORECASE),
        index=index,
        prefixes=frozenset(head[:length] for head in index for length in range(1, len(head) + 1)),
    )


VERSION = f"rules-{_vocabulary().version}"


def sentences(text: str) -> list[tuple[int, int]]:
    """The (start, end) offsets of the sentences of `text`, trimmed, a long one cut into passages."""
    return [piece for start, end in sentence_spans(text) for piece in pieces(text, start, end, _LONGEST_PASSAGE)]


def _phrases(text: str, vocab: _Vocabulary) -> list[list[tuple[int, int, str, float]]]:
    """Per category, the phrases of `text` as (start, end, concept, weight), outside that category's excluded
    spans; where phrases overlap, the one that starts first wins, then the stronger, then the longer."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lowercase to two; keep those as they are
        lowered = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
    found: list[list[tuple[int, int, str, float]]] = [[] for _code in ChallengeCode.values]
    excluded: list[list[tuple[int, int]]] = [[] for _code in ChallengeCode.values]
    index, prefixes, anywhere = vocab.index, vocab.prefixes, vocab.index.get("", ())
    for word in _WORD_START.finditer(lowered):
        start = word.start()
        candidates = anywhere
        for length in range(2, _KEY + 1):
            key = lowered[start : start + length]
            if key not in prefixes:
                break
            if key in index:
                candidates = (*candidates, *index[key])
        for phrase in candidates:
            match = phrase.pattern.match(lowered, start)
            if match is None:
                continue
            if phrase.concept:
                found[phrase.category].append((start, match.end(), phrase.concept, phrase.weight))
            else:
                excluded[phrase.category].append((start, match.end()))
    chosen: list[list[tuple[int, int, str, float]]] = []
    for phrases, holes in zip(found, excluded, strict=True):
        kept, free = [], 0
        for start, end, concept, weight in sorted(phrases, key=lambda p: (p[0], -p[3], p[0] - p[1])):
            if start >= free and not any(start < hole_end and hole_start < end for hole_start, hole_end in holes):
                kept.append((start, end, concept, weight))
                free = end
        chosen.append(kept)
    return chosen


def _is_listed(text: str, start: int, end: int, begin: int, finish: int, vocab: _Vocabulary) -> bool:
    """Whether the phrase at text[start:end] is one item of an enumeration in the sentence text[begin:finish]."""
    return (
        vocab.list_before.search(text, max(begin, start - 30), start) is not None
        and vocab.list_after.match(text, end, min(finish, end + 30)) is not None
        and text.count(",", begin, finish) + text.count(";", begin, finish) >= 2
    )


def _sentence_scores(
    text: str, spans: list[tuple[int, int]], phrases: list[tuple[int, int, str, float]], vocab: _Vocabulary
) -> dict[int, float]:
    """Each sentence's score for one category: its distinct concepts added up, capped; sentences scoring 0 left out."""
    cap = vocab.scoring["sentence_cap"]
    scores = {index: min(cap, sum(c.values())) for index, c in _sentence_concepts(text, spans, phrases, vocab).items()}
    return {index: score for index, score in scores.items() if score > 0}


def _sentence_concepts(
    text: str, spans: list[tuple[int, int]], phrases: list[tuple[int, int, str, float]], vocab: _Vocabulary
) -> dict[int, dict[str, float]]:
    """For each sentence index, the concepts found in it at their strongest (damped) weight."""
    scoring = vocab.scoring
    starts = [begin for begin, _end in spans]
    found: dict[int, dict[str, float]] = {}
    for start, end, concept, weight in phrases:
        index = bisect.bisect_right(starts, start) - 1
        if index < 0:
            continue
        begin, finish = spans[index]
        before = text[max(begin, start - 40) : start]
        if vocab.contrast_before.search(before):
            weight *= scoring["contrast_factor"]
        elif _is_listed(text, start, end, begin, finish, vocab):
            weight *= scoring["list_factor"]
        concepts = found.setdefault(index, {})
        if weight > concepts.get(concept, 0.0):
            concepts[concept] = weight
    return found


def scores(text: str, *, title: str = "", spans: list[tuple[int, int]] | None = None) -> list[float]:
    """The vocabulary's score for each category, in ChallengeCode order, between 0 and 1. A title's phrases add to
    the scores (`title_weight` of the same phrase in the text, and the title counts as one supporting sentence).
    `spans` are the text's sentences, when the caller has them already."""
    vocab = _vocabulary()
    scoring = vocab.scoring
    spans, title_spans = sentences(text) if spans is None else spans, sentences(title)
    about_ai = bool(vocab.ai_context.search(text) or vocab.ai_context.search(title))
    in_text, in_title = _phrases(text, vocab), _phrases(title, vocab)
    longer = max(0.0, math.log2(max(len(spans), 1) / scoring["reference_sentences"]))
    label_at = scoring["label_at"] * (1 + scoring["length_penalty"] * longer)
    found = []
    for number in range(len(ChallengeCode.values)):
        strongest = sorted(_sentence_scores(text, spans, in_text[number], vocab).values(), reverse=True)
        strongest = strongest[: int(scoring["top_sentences"])]
        title_score = min(
            scoring["sentence_cap"], sum(_sentence_scores(title, title_spans, in_title[number], vocab).values())
        )
        raw = sum(strongest) + scoring["title_weight"] * title_score
        supporting = sum(score >= scoring["supporting_sentence"] for score in [*strongest, title_score])
        substantive = about_ai and (
            supporting >= scoring["min_sentences"] or bool(strongest and strongest[0] >= scoring["strong_sentence"])
        )
        found.append(raw / (raw + label_at) if substantive else min(raw / (raw + label_at), _BELOW_LABEL))
    return found
