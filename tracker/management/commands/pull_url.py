"""Fetch one URL through the safe fetcher and ingest it: for trying a source before adding it."""

from django.core.management.base import BaseCommand, CommandError

from tracker import processing, pulling
from tracker.models import SourceKind
from tracker.sources import manual_source


class Command(BaseCommand):
    help = "Fetch URL through the safe fetcher, parse it as KIND and ingest it (filed under an inactive source)."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--kind", required=True, choices=SourceKind.values)

    def handle(self, *args, url, kind, **options):
        source = manual_source(kind=kind, url=url)
        try:
            run, report = pulling.pull_source(source=source)
        except pulling.PullFailed as failure:
            raise CommandError(failure.message) from None
        processing.process_now(document_ids=report.to_process)
        for line in report.rejection_lines():
            self.stdout.write(line)
        self.stdout.write(f"{run.items_seen} item(s): documents {report.summary()}")
