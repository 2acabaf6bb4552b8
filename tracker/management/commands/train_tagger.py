"""Train the tagger on labelled corpora (and people's corrections), print its cross-validated figures, save it."""

from django.core.management.base import BaseCommand, CommandError

from tracker.tagger_metrics import CorpusError, read_corpus
from tracker.tagger_training import DEFAULT_PARTS, PARTS, corrections, train
from tracker.tagging import MODEL_PATH


class Command(BaseCommand):
    help = "Train the tagger, print its cross-validated precision, recall and F1 per category, and write the model."

    def add_arguments(self, parser):
        parser.add_argument("corpus", nargs="+", help="JSON lines, one document a line, with `text` and `labels`.")
        parser.add_argument(
            "--with-corrections", action="store_true", help="Add the documents people corrected in the admin or API."
        )
        parser.add_argument("--folds", type=int, default=5, help="Cross-validation folds (at least 2).")
        parser.add_argument("--output", default=str(MODEL_PATH), help=f"Where to write the model ({MODEL_PATH}).")
        parser.add_argument(
            "--parts",
            default=",".join(DEFAULT_PARTS),
            help=f"The features to read, comma-separated, from {', '.join(PARTS)}.",
        )

    def handle(self, *args, **options):
        parts = tuple(part.strip() for part in options["parts"].split(",") if part.strip())
        if not parts or set(parts) - set(PARTS):
            raise CommandError(f"--parts must name some of {', '.join(PARTS)}")
        if options["folds"] < 2:
            raise CommandError("--folds must be at least 2")
        try:
            documents = [document for path in options["corpus"] for document in read_corpus(path)]
        except CorpusError as error:
            raise CommandError(str(error)) from None
        if options["with_corrections"]:
            documents += corrections()
        if len(documents) < 2 * options["folds"]:
            raise CommandError(f"{len(documents)} documents are too few for {options['folds']}-fold cross-validation")
        training = train(documents, folds=options["folds"], parts=parts)
        report = training.report
        self.stdout.write(f"{options['folds']}-fold cross-validation (nested), {report.docs} documents")
        self.stdout.write(f"{'category':<20}{'precision':>10}{'recall':>10}{'f1':>10}{'threshold':>11}")
        for (code, score), threshold in zip(report.categories.items(), training.model.threshold, strict=True):
            self.stdout.write(
                f"{code:<20}{score.precision:>10.3f}{score.recall:>10.3f}{score.f1:>10.3f}{threshold:>11.2f}"
            )
        self.stdout.write(f"{'macro F1':<40}{report.macro_f1:>10.3f}")
        training.model.save(options["output"])
        self.stdout.write(f"Wrote model {training.model.version} to {options['output']}")
