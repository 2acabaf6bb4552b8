"""Read a labelled JSON-lines corpus and measure the tagger on it: per-category precision, recall, F1, speed."""

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from registry.vocabulary import ChallengeCode
from tracker.tagging import embedder, labels, model


class CorpusError(ValueError):
    """The corpus cannot be read; the message names the file or the line."""


@dataclass(frozen=True)
class LabelledText:
    title: str
    text: str
    labels: frozenset[str]


@dataclass(frozen=True)
class CategoryScore:
    precision: float
    recall: float
    f1: float

    @classmethod
    def of(cls, *, true_positives: int, false_positives: int, false_negatives: int) -> "CategoryScore":
        """Nothing to find and nothing found is perfect; otherwise an empty denominator scores 0."""
        if true_positives + false_positives + false_negatives == 0:
            return cls(1.0, 1.0, 1.0)
        predicted, actual = true_positives + false_positives, true_positives + false_negatives
        precision = true_positives / predicted if predicted else 0.0
        recall = true_positives / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(precision, recall, f1)


@dataclass(frozen=True)
class Report:
    categories: dict[str, CategoryScore]
    docs: int
    seconds: float

    @property
    def macro_f1(self) -> float:
        return sum(score.f1 for score in self.categories.values()) / len(self.categories)

    @property
    def docs_per_second(self) -> float:
        return self.docs / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "categories": {
                code: {"precision": round(s.precision, 4), "recall": round(s.recall, 4), "f1": round(s.f1, 4)}
                for code, s in self.categories.items()
            },
            "macro_f1": round(self.macro_f1, 4),
            "docs": self.docs,
            "docs_per_second": round(self.docs_per_second, 1),
        }


def read_corpus(path: str | Path) -> list[LabelledText]:
    """Every non-blank line must be a JSON object with a string `text` and a list `labels` of known codes."""
    known = set(ChallengeCode.values)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise CorpusError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot be read ({error})") from None
    documents = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(f"{path}, line {number}: not valid JSON ({error.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not isinstance(row.get("labels"), list):
            raise CorpusError(f"{path}, line {number}: needs a string 'text' and a list 'labels'")
        unknown = [label for label in row["labels"] if label not in known]
        if unknown:
            raise CorpusError(
                f"{path}, line {number}: unknown label {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
        title = row.get("title") or ""
        if not isinstance(title, str):
            raise CorpusError(f"{path}, line {number}: 'title' must be a string")
        documents.append(LabelledText(title=title, text=row["text"], labels=frozenset(row["labels"])))
    if not documents:
        raise CorpusError(f"{path}: no documents")
    return documents


def predict(documents: Iterable[LabelledText]) -> tuple[list[set[str]], float]:
    """The tagger's labels for each document and the seconds spent tagging them (loading the model not counted)."""
    model(), embedder()
    started = time.perf_counter()
    predicted = [labels(document.text, title=document.title) for document in documents]
    return predicted, time.perf_counter() - started


def measure(documents: list[LabelledText], predicted: list[set[str]], *, seconds: float = 0.0) -> Report:
    categories = {}
    for code in ChallengeCode.values:
        pairs = [(code in document.labels, code in guess) for document, guess in zip(documents, predicted, strict=True)]
        categories[code] = CategoryScore.of(
            true_positives=sum(actual and guessed for actual, guessed in pairs),
            false_positives=sum(guessed and not actual for actual, guessed in pairs),
            false_negatives=sum(actual and not guessed for actual, guessed in pairs),
        )
    return Report(categories=categories, docs=len(documents), seconds=seconds)


def evaluate(documents: list[LabelledText]) -> Report:
    predicted, seconds = predict(documents)
    return measure(documents, predicted, seconds=seconds)
