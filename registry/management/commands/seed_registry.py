"""Load the bundled registry data; running it again changes nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.seeding import SeedError, seed_registry


class Command(BaseCommand):
    help = "Load the bundled jurisdictions, instruments, thresholds and reference models (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed-dir", type=Path, help="A folder with registry.yaml and models.csv.")

    def handle(self, *args, seed_dir=None, **options):
        try:
            report = seed_registry(seed_dir=seed_dir)
        except SeedError as error:
            raise CommandError(str(error)) from None
        verdict = "Registry seeded" if report.changed else "Registry already up to date"
        self.stdout.write(self.style.SUCCESS(f"{verdict}: {report.summary()}"))
