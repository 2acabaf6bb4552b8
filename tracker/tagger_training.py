"""Train the tagger's model (tracker/tagging.py) on labelled texts and measure it by nested cross-validation: each
category's calibration and threshold are chosen inside the training folds only. Needs scikit-learn; tagging does not."""

import hashlib
import json
import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import numpy as np

from registry.vocabulary import ChallengeCode
from tracker.tagger_metrics import LabelledText, Report, measure
from tracker.tagging import Features, Model, features, tfidf

# Strength of the logistic regressions' penalty (inverse); chosen by cross-validation on the shared corpora.
C = 10.0
# Embedding columns are standardised then shrunk by this much so that they weigh about as much as the TF-IDF terms.
EMBEDDING_SCALE = 16.0
RULES_SCALE = 3.0
MIN_DOCUMENT_FREQUENCY = 2
PARTS = ("embedding", "terms", "rules")
# TF-IDF terms added nothing in cross-validation on the shared corpora (macro F1 0.880 with them, 0.890 without).
DEFAULT_PARTS = ("embedding", "rules")


@dataclass(frozen=True)
class Training:
    model: Model
    report: Report  # cross-validated


def data_hash(documents: list[LabelledText]) -> str:
    digest = hashlib.sha256()
    for document in documents:
        for part in (document.title, document.text, ",".join(sorted(document.labels))):
            digest.update(part.encode())
            digest.update(b"\0")
    return digest.hexdigest()


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def _term_matrix(found: list[Features], term_index: dict[str, int], idf: np.ndarray):
    from scipy.sparse import csr_matrix

    rows, columns, values = [], [], []
    for row, item in enumerate(found):
        index, weights = tfidf(item.terms, term_index, idf)
        rows += [row] * len(index)
        columns += list(index)
        values += list(weights)
    return csr_matrix((values, (rows, columns)), shape=(len(found), len(term_index)))


class _Design:
    """The columns one fold's regressions read: standardised embeddings, scaled vocabulary scores and TF-IDF terms,
    with the vocabulary of terms and their idf taken from the fold's training texts only."""

    def __init__(self, found: list[Features], parts: tuple[str, ...]):
        self.parts = parts
        embeddings = np.asarray([f.embedding for f in found])
        self.mean, self.std = embeddings.mean(axis=0), embeddings.std(axis=0) + 1e-6
        frequency = {}
        for item in found:
            for term in item.terms:
                frequency[term] = frequency.get(term, 0) + 1
        kept = sorted(t for t, n in frequency.items() if n >= MIN_DOCUMENT_FREQUENCY) if "terms" in parts else []
        self.term_index = {term: n for n, term in enumerate(kept)}
        self.idf = np.asarray([math.log((1 + len(found)) / (1 + frequency[t])) + 1 for t in kept])

    def matrix(self, found: list[Features]):
        from scipy.sparse import csr_matrix, hstack

        on = {part: float(part in self.parts) for part in PARTS}
        embeddings = (np.asarray([f.embedding for f in found]) - self.mean) / self.std / EMBEDDING_SCALE
        rules = (np.asarray([f.rules for f in found]) - 0.5) * RULES_SCALE
        return hstack(
            [
                csr_matrix(embeddings * on["embedding"]),
                csr_matrix(rules * on["rules"]),
                _term_matrix(found, self.term_index, self.idf),
            ]
        ).tocsr()

    def unfold(self, regressions) -> dict:
        """Weights on the raw features (unit embedding, vocabulary scores, unit TF-IDF vector), one column each."""
        dim = len(self.mean)
        coef = np.asarray([r.coef_[0] for r in regressions]).T
        w_embedding = coef[:dim] / self.std[:, None] / EMBEDDING_SCALE
        w_rules = coef[dim : dim + 3] * RULES_SCALE
        intercept = np.asarray([r.intercept_[0] for r in regressions])
        intercept = intercept - self.mean @ w_embedding - 0.5 * w_rules.sum(axis=0)
        return {"w_embedding": w_embedding, "w_rules": w_rules, "w_terms": coef[dim + 3 :], "intercept": intercept}


@dataclass(frozen=True)
class _Constant:
    """A category with one class only among the training texts (a small fold): the same logit for every text."""

    coef_: np.ndarray
    intercept_: np.ndarray

    def decision_function(self, matrix) -> np.ndarray:
        return np.full(matrix.shape[0], self.intercept_[0])


def _regression(matrix, labels: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    if labels.min() == labels.max():
        return _Constant(np.zeros((1, matrix.shape[1])), np.asarray([8.0 if labels[0] else -8.0]))
    return LogisticRegression(C=C, max_iter=5000).fit(matrix, labels)


def _folds(count: int, folds: int, seed: int):
    from sklearn.model_selection import KFold

    return list(KFold(n_splits=min(folds, count), shuffle=True, random_state=seed).split(np.arange(count)))


def _calibrate(logits: np.ndarray, labels: np.ndarray) -> tuple[float, float, float]:
    """Platt scaling of out-of-fold logits, then the threshold on the calibrated probabilities that gives the best
    F1 (ties: the one nearest 0.5)."""
    from sklearn.linear_model import LogisticRegression

    if labels.min() == labels.max():
        return 1.0, 0.0, 0.5
    platt = LogisticRegression(C=1e4).fit(logits[:, None], labels)
    slope, offset = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    probabilities = 1 / (1 + np.exp(-(slope * logits + offset)))
    best, chosen = -1.0, 0.5
    for threshold in sorted(np.round(np.arange(0.05, 0.951, 0.01), 2), key=lambda t: abs(t - 0.5)):
        guessed = probabilities >= threshold
        true_positives = int(np.sum(guessed & labels))
        f1 = 2 * true_positives / (guessed.sum() + labels.sum()) if guessed.sum() + labels.sum() else 1.0
        if f1 > best + 1e-12:
            best, chosen = f1, float(threshold)
    return slope, offset, chosen


def fit(
    found: list[Features], targets: np.ndarray, *, folds: int, seed: int, parts: tuple[str, ...], about: dict
) -> Model:
    """Regressions on all of `found`; calibration and thresholds from `folds`-fold out-of-fold logits."""
    design = _Design(found, parts)
    matrix = design.matrix(found)
    logits = np.zeros(targets.shape)
    for train, test in _folds(len(found), folds, seed):
        for n in range(targets.shape[1]):
            logits[test, n] = _regression(matrix[train], targets[train, n]).decision_function(matrix[test])
    calibration = [_calibrate(logits[:, n], targets[:, n]) for n in range(targets.shape[1])]
    weights = design.unfold([_regression(matrix, targets[:, n]) for n in range(targets.shape[1])])
    return Model(
        version="",
        stop_words=_stop_words(),
        term_index=design.term_index,
        idf=design.idf,
        slope=np.asarray([c[0] for c in calibration]),
        offset=np.asarray([c[1] for c in calibration]),
        threshold=np.asarray([c[2] for c in calibration]),
        about=about,
        **weights,
    )


def train(
    documents: list[LabelledText], *, folds: int = 5, seed: int = 0, parts: tuple[str, ...] = DEFAULT_PARTS
) -> Training:
    """Nested cross-validation for the figures (each outer fold's model chooses its calibration and thresholds on
    its own training texts), then the model on every document."""
    stop_words = _stop_words()
    found = [features(d.text, title=d.title, stop_words=stop_words) for d in documents]
    targets = np.asarray([[code in d.labels for code in ChallengeCode.values] for d in documents])
    predicted: list[set[str]] = [set() for _document in documents]
    for train_rows, test_rows in _folds(len(documents), folds, seed):
        inner = fit([found[i] for i in train_rows], targets[train_rows], folds=folds, seed=seed, parts=parts, about={})
        for row in test_rows:
            probabilities = inner.probabilities(inner.logits(found[row]))
            predicted[row] = {
                c for c, p, t in zip(ChallengeCode.values, probabilities, inner.threshold, strict=True) if p >= t
            }
    report = measure(documents, predicted)
    digest, now = data_hash(documents), datetime.now(UTC)
    about = {
        "trained_at": now.isoformat(timespec="seconds"),
        "data": {"sha256": digest, "documents": len(documents)},
        "parts": list(parts),
        "cross_validation": {"folds": folds, **report.as_dict()},
    }
    about["cross_validation"].pop("docs_per_second")
    model = fit(found, targets, folds=folds, seed=seed, parts=parts, about=about)
    # The version names the parameters: the same training gives the same version, any change a new one.
    parameters = json.dumps([model.as_dict()["categories"], model.as_dict()["terms"]], sort_keys=True)
    version = f"wl2-{now:%Y%m%d}-{hashlib.sha256(parameters.encode()).hexdigest()[:8]}"
    return Training(model=replace(model, version=version), report=report)


def corrections() -> list[LabelledText]:
    """Documents a person corrected, labelled as they now stand: each correction over the machine's tag."""
    from django.db.models import Prefetch

    from tracker.models import Document, DocumentTag, TagOrigin

    corrected = (
        Document.objects.filter(tags__origin=TagOrigin.PERSON)
        .distinct()
        .order_by("pk")
        .prefetch_related(Prefetch("tags", queryset=DocumentTag.objects.all()))
    )
    return [LabelledText(title=d.title, text=d.text, labels=frozenset(d.labels)) for d in corrected]
