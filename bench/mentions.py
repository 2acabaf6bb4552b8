"""Figure-finder benchmark: figures per document and documents per second on one core, and, where the corpus labels
its figures, precision and recall against them.

Usage: python bench/mentions.py CORPUS.jsonl [--seconds 3] [--show]. Prints `name: value` lines.

A corpus line is a JSON object with `id` and `text` (the format of the labelled policy corpus). A line may also
carry `figures`, a list of {"metric", "value", "operator", "currency"}: a found figure is right when its metric,
operator and currency are the labelled ones and its value is within 1% (tests/fixtures/mentions/sentences.jsonl).
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--seconds", type=float, default=3.0, help="Keep reading the corpus at least this long.")
    parser.add_argument("--show", action="store_true", help="Print each figure found, and each one missed.")
    arguments = parser.parse_args()

    import django

    django.setup()
    from tracker.mentions import find_figures

    lines = Path(arguments.corpus).read_text(encoding="utf-8").splitlines()
    documents = [json.loads(line) for line in lines if line.strip()]
    found = [find_figures(document["text"]) for document in documents]
    # Each round reads the whole corpus; the median round is robust to a busy machine.
    rounds = []
    while sum(rounds) < arguments.seconds or len(rounds) < 5:
        started = time.perf_counter()
        for document in documents:
            find_figures(document["text"])
        rounds.append(time.perf_counter() - started)
    typical = statistics.median(rounds)
    size = sum(len(document["text"].encode()) for document in documents)

    total = sum(len(figures) for figures in found)
    print(f"documents: {len(documents)}")
    print(f"figures: {total}")
    print(f"figures_per_document: {total / max(len(documents), 1):.3f}")
    print(f"documents_with_figures: {sum(bool(figures) for figures in found)}")
    for metric, count in sorted(Counter(f.metric for figures in found for f in figures).items()):
        print(f"figures.{metric}: {count}")
    print(f"docs_per_second: {len(documents) / typical:.1f}")
    print(f"mb_per_second: {size / typical / 1e6:.3f}")

    labelled = [(d, figures) for d, figures in zip(documents, found, strict=True) if "figures" in d]
    if labelled:
        right = expected = 0
        for document, figures in labelled:
            wanted = list(document["figures"])
            expected += len(wanted)
            for figure in figures:
                match = next((w for w in wanted if _same(figure, w)), None)
                if match:
                    wanted.remove(match)
                    right += 1
                if arguments.show:
                    print(f"{'ok  ' if match else 'FALSE'} {document['id']}: {_shown(figure)} | {figure.sentence}")
            if arguments.show:
                for missed in wanted:
                    print(f"MISSED {document['id']}: {missed} | {document['text']}")
        print(f"labelled_figures: {expected}")
        print(f"precision: {right / total if total else 1.0:.4f}")
        print(f"recall: {right / expected if expected else 1.0:.4f}")
    elif arguments.show:
        for document, figures in zip(documents, found, strict=True):
            for figure in figures:
                print(f"{document['id']}: {_shown(figure)} | {figure.sentence}")


def _same(figure, wanted: dict) -> bool:
    labelled = (wanted["metric"], wanted["operator"], wanted["currency"])
    close = abs(figure.value - wanted["value"]) <= 0.01 * max(abs(figure.value), abs(wanted["value"]))
    return (figure.metric, figure.operator, figure.currency) == labelled and close


def _shown(figure) -> str:
    return f"{figure.metric} {figure.operator or '='} {figure.value:.4g} {figure.currency} ({figure.text!r})"


if __name__ == "__main__":
    main()
