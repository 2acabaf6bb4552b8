"""Tag a text against the three challenges with a learned model: one calibrated logistic regression per challenge over
the text's averaged WordLlama word embeddings and the vocabulary's scores (tracker/tagger_rules.py), and its TF-IDF
terms when a model was trained to read them. The parameters live in tracker/tagger/model-v2.json, written by
`manage.py train_tagger`; scoring needs only numpy."""

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

import numpy as np

from registry.vocabulary import ChallengeCode
from tracker import tagger_rules
from tracker.tagger_rules import sentences

MODEL_PATH = Path(__file__).resolve().parent / "tagger" / "model-v2.json"
# Only the beginning of a longer text is read (and quoted): a 10 MB text is tagged on its first 100,000 characters.
MAX_CHARS = 100_000
# A text with fewer words than this (numbers and markup are not words) earns no tag: there is nothing to judge.
MIN_WORDS = 3
EVIDENCE = 3
_WORD = re.compile(r"\b[^\W\d_]{2,}\b")
_SPACED = re.compile(r"\S+")
_MARKUP = re.compile(r"<[^>]*>|&\w+;")
EMBEDDING = {"package": "wordllama", "config": "l2_supercat", "dim": 256}


@dataclass(frozen=True)
class Evidence:
    """A passage of the tagged text: text[start:end] == evidence.text. Titles are scored, never quoted."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Tag:
    category: str
    score: float  # the calibrated probability that the text is about the category
    evidence: tuple[Evidence, ...]
    labelled: bool


@cache
def embedder():
    """WordLlama's tokenizer and embedding matrix, loaded once per process from the files inside the wheel. Its
    tokenizer lookup searches a `tokenizer/` folder next to the package code, where the wheel ships `tokenizers/`;
    passing the package folder as the cache folder finds it there, and downloads stay off."""
    import wordllama

    model = wordllama.WordLlama.load(
        config=EMBEDDING["config"],
        dim=EMBEDDING["dim"],
        cache_dir=Path(wordllama.__file__).parent,
        disable_download=True,
    )
    tokenizer = model.tokenizer
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer, model.embedding


def words(text: str) -> list[str]:
    """The lowercase words of a text: letters only, two or more."""
    return _WORD.findall(text.lower())


def terms(text: str, stop_words: frozenset[str]) -> Counter:
    """The words of a text that are not stop words, and each pair of them that follow one another."""
    kept = [word for word in words(text) if word not in stop_words]
    return Counter(kept) + Counter(f"{a} {b}" for a, b in pairwise(kept))


def tfidf(counts: Counter, term_index: dict[str, int], idf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A text's known terms (their indexes) and unit-length weights: (1 + log count) * idf, as scikit-learn's
    sublinear TF-IDF."""
    found = [(term_index[term], count) for term, count in counts.items() if term in term_index]
    index = np.asarray([i for i, _count in found], dtype=np.int64)
    if not found:
        return index, np.zeros(0)
    values = idf[index] * (1 + np.log([count for _i, count in found]))
    return index, values / np.linalg.norm(values)


@dataclass(frozen=True)
class Features:
    """What the model reads of one text: the unit-length mean word embedding, the vocabulary's three scores and the
    TF-IDF terms; for evidence, each sentence's unit-length mean word embedding."""

    embedding: np.ndarray
    rules: np.ndarray
    terms: Counter
    spans: list[tuple[int, int]]
    sentence_embeddings: np.ndarray  # one unit-length row per span


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), 1e-9)


@lru_cache(maxsize=1 << 17)
def _word_ids(word: str) -> tuple[int, ...]:
    """The token ids of one space-delimited word, as the tokenizer reads it after a space. Words repeat across texts,
    so each is tokenized once per process: reading a text is then a dictionary lookup a word."""
    tokenizer = embedder()[0]
    try:
        return tuple(tokenizer.encode(word, add_special_tokens=False).ids)
    except TypeError:  # a lone surrogate (from broken JSON escapes) is not text to the tokenizer: read it as U+FFFD
        return tuple(tokenizer.encode(word.encode("utf-8", "replace").decode(), add_special_tokens=False).ids)


def _token_ids(text: str, spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """The token ids of the spans of `text`, in order, and how many belong to each span."""
    ids, lengths = [], []
    for start, end in spans:
        before = len(ids)
        for word in _SPACED.findall(text, start, end):
            ids.extend(_word_ids(word))
        lengths.append(len(ids) - before)
    return ids, lengths


def features(text: str, *, title: str = "", stop_words: frozenset[str] | None) -> Features:
    """The text's embedding is the mean over the tokens of its title and its sentences; each sentence's, over its
    own. Without stop words (a model that reads no terms) the terms are not counted."""
    matrix = embedder()[1]
    text = text[:MAX_CHARS]
    spans = sentences(text)
    title_ids, _ = _token_ids(title, [(0, len(title))])
    ids, lengths = _token_ids(text, spans)
    dim = matrix.shape[1]
    sentence_sums = np.zeros((len(spans), dim), dtype=np.float32)
    if ids:
        counts = np.asarray(lengths)
        filled = counts > 0
        sentence_sums[filled] = np.add.reduceat(matrix[ids], (np.cumsum(counts) - counts)[filled])
    total = sentence_sums.sum(axis=0) + matrix[title_ids].sum(axis=0)
    return Features(
        embedding=_unit(total / max(len(ids) + len(title_ids), 1)),
        rules=np.asarray(tagger_rules.scores(text, title=title, spans=spans)),
        terms=Counter() if stop_words is None else terms(f"{title}\n{text}", stop_words),
        spans=spans,
        sentence_embeddings=_unit(sentence_sums),
    )


@dataclass(frozen=True)
class Model:
    """Per category (columns, in ChallengeCode order): the logit is embedding·W_embedding + rules·W_rules +
    tfidf·W_terms + intercept; the probability is sigmoid(slope·logit + offset); labelled at or above threshold."""

    version: str
    stop_words: frozenset[str]
    term_index: dict[str, int]
    idf: np.ndarray
    w_embedding: np.ndarray  # (dim, 3)
    w_rules: np.ndarray  # (3, 3)
    w_terms: np.ndarray  # (terms, 3)
    intercept: np.ndarray
    slope: np.ndarray
    offset: np.ndarray
    threshold: np.ndarray
    about: dict  # how it was trained: data hash and size, cross-validated figures, date

    def _tfidf(self, counts: Counter) -> np.ndarray:
        index, values = tfidf(counts, self.term_index, self.idf)
        return values @ self.w_terms[index] if len(index) else np.zeros(self.intercept.shape)

    def logits(self, found: Features) -> np.ndarray:
        return (
            found.embedding @ self.w_embedding + found.rules @ self.w_rules + self._tfidf(found.terms) + self.intercept
        )

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(self.slope * logits + self.offset)))

    def sentence_logits(self, found: Features, logits: np.ndarray) -> np.ndarray:
        """Each sentence's words scored in place of the text's (the rest of the text as it is): (sentences, 3)."""
        return (found.sentence_embeddings - found.embedding) @ self.w_embedding + logits

    def as_dict(self) -> dict:
        codes = list(ChallengeCode.values)
        terms = sorted(self.term_index, key=self.term_index.get)
        return {
            "version": self.version,
            **self.about,
            "embedding": EMBEDDING,
            "stop_words": sorted(self.stop_words),
            "terms": terms,
            "idf": [round(float(v), 5) for v in self.idf],
            "categories": {
                code: {
                    "embedding": [round(float(v), 6) for v in self.w_embedding[:, n]],
                    "rules": [round(float(v), 6) for v in self.w_rules[:, n]],
                    "terms": [round(float(v), 6) for v in self.w_terms[:, n]],
                    "intercept": round(float(self.intercept[n]), 6),
                    "calibration": {"slope": round(float(self.slope[n]), 6), "offset": round(float(self.offset[n]), 6)},
                    "threshold": round(float(self.threshold[n]), 4),
                }
                for n, code in enumerate(codes)
            },
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Model":
        categories = [data["categories"][code] for code in ChallengeCode.values]

        def columns(key):
            return np.asarray([c[key] for c in categories], dtype=np.float64).T

        about = {k: v for k, v in data.items() if k not in {"version", "embedding", "stop_words", "terms", "idf"}}
        about.pop("categories")
        return cls(
            version=data["version"],
            stop_words=frozenset(data["stop_words"]),
            term_index={term: n for n, term in enumerate(data["terms"])},
            idf=np.asarray(data["idf"], dtype=np.float64),
            w_embedding=columns("embedding"),
            w_rules=columns("rules"),
            w_terms=columns("terms").reshape(len(data["terms"]), len(categories)),
            intercept=columns("intercept"),
            slope=np.asarray([c["calibration"]["slope"] for c in categories]),
            offset=np.asarray([c["calibration"]["offset"] for c in categories]),
            threshold=columns("threshold"),
            about=about,
        )

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.as_dict(), separators=(",", ":")) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> "Model":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def tag(self, text: str, *, title: str = "") -> list[Tag]:
        """One Tag per category, in ChallengeCode order, with up to EVIDENCE sentences: those that score highest for
        the category on their own, among those whose own probability is at least half the threshold (the top one
        always, when the text is labelled)."""
        text = text[:MAX_CHARS]
        if len(words(_MARKUP.sub(" ", text))) < MIN_WORDS:
            return [Tag(code, 0.0, (), False) for code in ChallengeCode.values]
        found = features(text, title=title, stop_words=self.stop_words if self.term_index else None)
        logits = self.logits(found)
        probabilities = self.probabilities(logits)
        by_sentence = self.probabilities(self.sentence_logits(found, logits))
        # Strongest first, the earlier sentence first among equals.
        ranked = np.argsort(-by_sentence, axis=0, kind="stable")[:EVIDENCE]
        tags = []
        for n, code in enumerate(ChallengeCode.values):
            probability, labelled = float(probabilities[n]), bool(probabilities[n] >= self.threshold[n])
            floor = self.threshold[n] / 2
            chosen = [
                i for rank, i in enumerate(ranked[:, n]) if by_sentence[i, n] >= floor or (labelled and rank == 0)
            ]
            evidence = tuple(Evidence(*found.spans[i], text[found.spans[i][0] : found.spans[i][1]]) for i in chosen)
            tags.append(Tag(code, round(probability, 4), evidence, labelled))
        return tags


@cache
def model() -> Model:
    return Model.load(MODEL_PATH)


def tagger_version() -> str:
    return model().version


def thresholds() -> dict[str, float]:
    """Each category's decision threshold: a tag whose score is this or more is labelled."""
    return {code: float(value) for code, value in zip(ChallengeCode.values, model().threshold, strict=True)}


def tag(text: str, *, title: str = "") -> list[Tag]:
    return model().tag(text, title=title)


def labels(text: str, *, title: str = "") -> set[str]:
    return {t.category for t in tag(text, title=title) if t.labelled}
