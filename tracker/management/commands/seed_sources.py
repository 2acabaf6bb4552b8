"""Add the default public sources that are missing."""

from django.core.management.base import BaseCommand

from tracker.sources import seed_sources


class Command(BaseCommand):
    help = "Add the default sources (Federal Register, GOV.UK, NIST, EUR-Lex, labs' news, arXiv) that are missing."

    def handle(self, *args, **options):
        created, existing = seed_sources()
        self.stdout.write(self.style.SUCCESS(f"Sources: {created} added, {existing} already there."))
