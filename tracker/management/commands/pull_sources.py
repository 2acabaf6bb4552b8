"""Pull sources now, in this process, with a progress line per source."""

from django.core.management.base import BaseCommand, CommandError

from tracker import processing, pulling
from tracker.ingesting import IngestReport
from tracker.models import Source


class Command(BaseCommand):
    help = "Pull active sources (or the given ones) synchronously and process what changed."

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, action="append", dest="sources", metavar="ID")

    def handle(self, *args, sources=None, **options):
        queryset = Source.objects.filter(pk__in=sources) if sources else Source.objects.filter(active=True)
        chosen = list(queryset.order_by("pk"))
        if sources and len(chosen) != len(set(sources)):
            missing = sorted(set(sources) - {source.pk for source in chosen})
            raise CommandError(f"no source with id {', '.join(map(str, missing))}")
        total, failures = IngestReport(), 0
        for number, source in enumerate(chosen, 1):
            self.stderr.write(f"[{number}/{len(chosen)}] {source.name} … ", ending="")
            try:
                _run, report = pulling.pull_source(source=source)
            except pulling.PullFailed as failure:
                failures += 1
                self.stderr.write(self.style.ERROR(f"failed: {failure.message}"))
                continue
            processing.process_now(document_ids=report.to_process)
            self.stderr.write(report.summary())
            total.merge(report)
        self.stdout.write(f"{len(chosen)} source(s), {failures} failed: documents {total.summary()}")
        if failures and failures == len(chosen):
            raise CommandError("every source failed")
