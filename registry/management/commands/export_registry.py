"""Write the whole registry as JSON or CSV."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.exporting import registry_export, write_models_csv, write_thresholds_csv
from registry.models import CapabilityThreshold


class Command(BaseCommand):
    help = (
        "Write the registry. JSON: {instruments: [... thresholds: [... conditions]], models: [...]}. "
        "CSV: one row per threshold condition; with --output DIR also models.csv beside thresholds.csv. "
        "Approved thresholds only, as the public sees them, unless --unreviewed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--output", type=Path, help="A file (JSON) or a folder (CSV); default: stdout.")
        parser.add_argument(
            "--unreviewed", action="store_true", help="Also thresholds in review or rejected (as staff see them)."
        )

    def handle(self, *args, format, output, unreviewed, **options):
        thresholds = CapabilityThreshold.objects.all() if unreviewed else CapabilityThreshold.objects.visible_to(None)
        if format == "json":
            text = json.dumps(registry_export(thresholds=thresholds), indent=2, ensure_ascii=False) + "\n"
            if output:
                output.write_text(text, encoding="utf-8")
            else:
                self.stdout.write(text, ending="")
            return
        if output is None:
            write_thresholds_csv(self.stdout, thresholds=thresholds)
            return
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(f"cannot create {output}: {error}") from None
        with (output / "thresholds.csv").open("w", encoding="utf-8", newline="") as handle:
            write_thresholds_csv(handle, thresholds=thresholds)
        with (output / "models.csv").open("w", encoding="utf-8", newline="") as handle:
            write_models_csv(handle)
        self.stderr.write(f"Wrote {output / 'thresholds.csv'} and {output / 'models.csv'}")
