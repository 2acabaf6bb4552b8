"""Load the bundled sample documents through the real parsing and processing, so a newcomer sees the tracker
work offline."""

from pathlib import Path

from django.core.management.base import BaseCommand

from tracker.management.commands.ingest_file import ingest_file
from tracker.sources import sample_source

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# file name, kind, the address it stands for, the jurisdiction of the source it stands for ("" for a lab or an
# office that is none: as in tracker/seed/sources.yaml)
BUNDLE = [
    ("federal_register.json", "federal_register", "https://www.federalregister.gov/api/v1/documents.json", "US"),
    ("ai-security-news.atom", "atom", "https://www.gov.uk/government/organisations/ai-security-institute.atom", "GB"),
    ("frontier-safety-page.html", "html", "https://example.org/samples/frontier-safety", ""),
    ("compute-report.pdf", "pdf", "https://example.org/samples/compute-report.pdf", ""),
]


class Command(BaseCommand):
    help = "Ingest the bundled sample documents (our own texts in real formats); running it again changes nothing."

    def handle(self, *args, **options):
        for name, kind, url, jurisdiction in BUNDLE:
            source = sample_source(name=name, kind=kind, jurisdiction=jurisdiction)
            report = ingest_file(path=SAMPLES / name, kind=kind, url=url, source=source)
            self.stdout.write(f"{name}: documents {report.summary()}")
