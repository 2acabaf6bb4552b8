"""Run a local file through the same parsing and processing as a pulled one (offline demos, checking a capture)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker import processing
from tracker.ingesting import ingest
from tracker.models import Source, SourceKind
from tracker.parsing import ParseError, parse
from tracker.sources import manual_source


def ingest_file(*, path: Path, kind: str, url: str | None = None, source: Source | None = None):
    """Parse and ingest a file, filed under `source` (by default the local files of its kind); returns the ingest
    report. Raises CommandError when the file is unusable."""
    if kind in (SourceKind.HTML, SourceKind.PDF) and not url:
        # The file is the document, and a document is stored under an http(s) address, never a local path.
        raise CommandError(f"a {kind} file needs --url, the http or https address it was published at")
    limit = settings.TRACKER_FETCH_MAX_BYTES
    try:
        with path.open("rb") as file:  # read up to the cap, not by the size it reports (a device reports 0)
            content = file.read(limit + 1)
    except OSError as error:
        raise CommandError(f"cannot read {path}: {error.strerror}") from None
    if len(content) > limit:
        raise CommandError(f"{path} is more than the {limit} bytes allowed (TRACKER_FETCH_MAX_BYTES)")
    try:
        parsed = parse(kind, content, url=url or path.resolve().as_uri())
    except ParseError as error:
        raise CommandError(f"{path}: {error}") from None
    report = ingest(source=source or manual_source(kind=kind), items=parsed.items, rejected=parsed.rejected)
    processing.process_now(document_ids=report.to_process)
    return report


class Command(BaseCommand):
    help = "Parse PATH as KIND and ingest it like a pulled document."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--kind", required=True, choices=SourceKind.values)
        parser.add_argument(
            "--url", help="The address the file came from (resolves relative links); required for html and pdf."
        )

    def handle(self, *args, path, kind, url=None, **options):
        report = ingest_file(path=path, kind=kind, url=url)
        for line in report.rejection_lines():
            self.stdout.write(line)
        self.stdout.write(f"{path.name}: documents {report.summary()}")
