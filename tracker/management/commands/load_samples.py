"""Load the bundled sample documents through the real parsing and processing, so a newcomer sees the tracker
work offline."""

from pathlib import Path

from django.core.management.base import BaseCommand

from tracker.management.commands.ingest_file import ingest_file

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# file name, kind, the address it stands for
BUNDLE = [
    ("federal_register.json", "federal_register", "https://www.federalregister.gov/api/v1/documents.json"),
    ("ai-security-news.atom", "atom", "https://www.gov.uk/government/organisations/ai-security-institute.atom"),
    ("frontier-safety-page.html", "html", "https://example.org/samples/frontier-safety"),
    ("compute-report.pdf", "pdf", "https://example.org/samples/compute-report.pdf"),
]


class Command(BaseCommand):
    help = "Ingest the bundled sample documents (our own texts in real formats); running it again changes nothing."

    def handle(self, *args, **options):
        for name, kind, url in BUNDLE:
            report = ingest_file(path=SAMPLES / name, kind=kind, url=url)
            self.stdout.write(f"{name}: documents {report.summary()}")
