"""Measure the tagger on a labelled JSON-lines corpus: a table of precision, recall and F1, or JSON with --json."""

import json

from django.core.management.base import BaseCommand, CommandError

from tracker.tagger_metrics import CorpusError, evaluate, read_corpus
from tracker.tagging import tagger_version


class Command(BaseCommand):
    help = "Measure the tagger's per-category precision, recall and F1, its macro F1 and its speed on a corpus."

    def add_arguments(self, parser):
        parser.add_argument(
            "corpus", help="JSON lines, one document a line, with `text`, `labels` and usually `title`."
        )
        parser.add_argument("--json", action="store_true", help="Print the figures as one JSON object.")

    def handle(self, *args, **options):
        try:
            documents = read_corpus(options["corpus"])
        except CorpusError as error:
            raise CommandError(str(error)) from None
        report = evaluate(documents)
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict()))
            return
        self.stdout.write(f"{'category':<20}{'precision':>10}{'recall':>10}{'f1':>10}")
        for code, score in report.categories.items():
            self.stdout.write(f"{code:<20}{score.precision:>10.3f}{score.recall:>10.3f}{score.f1:>10.3f}")
        self.stdout.write(f"{'macro F1':<40}{report.macro_f1:>10.3f}")
        self.stdout.write(
            f"{report.docs} documents, {report.docs_per_second:,.0f} documents per second (tagger {tagger_version()})"
        )
