"""Tagger benchmark: documents and megabytes tagged per second on one core, and macro F1, on a labelled corpus.
`docs_per_second` is by the clock; `docs_per_cpu_second` by the process's CPU time (all its threads), which a busy
machine does not inflate.

Usage: python bench/tagging.py CORPUS.jsonl [--seconds 3]. Prints `name: value` lines.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.tagger_metrics import CorpusError, measure, predict, read_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--seconds", type=float, default=3.0, help="Keep tagging the corpus at least this long.")
    arguments = parser.parse_args()
    try:
        documents = read_corpus(arguments.corpus)
    except CorpusError as error:
        sys.exit(str(error))
    predicted, seconds = predict(documents)  # the first pass also warms the caches
    report = measure(documents, predicted, seconds=seconds)
    size = sum(len(d.title.encode()) + len(d.text.encode()) for d in documents)
    # Each round tags the whole corpus; the median round is robust to a busy machine.
    rounds, cpu = [], []
    while sum(rounds) < arguments.seconds or len(rounds) < 5:
        started = time.process_time()
        rounds.append(predict(documents)[1])
        cpu.append(time.process_time() - started)
    typical = statistics.median(rounds)
    print(f"docs_per_second: {len(documents) / typical:.1f}")
    print(f"docs_per_cpu_second: {len(documents) / statistics.median(cpu):.1f}")
    print(f"mb_per_second: {size / typical / 1e6:.3f}")
    print(f"macro_f1: {report.macro_f1:.4f}")


if __name__ == "__main__":
    main()
