"""Which approved thresholds a model triggers: a readable table, or JSON with --json."""

import json

from django.core.management.base import BaseCommand, CommandError

from registry.evaluation import FIGURES, RESULT_ORDER, ProfileError, build_profile, check_findings, evaluate
from registry.formatting import parse_figure
from registry.models import CapabilityThreshold
from registry.vocabulary import MadeBy

EXIT_BAD_INPUT = 2


class BadInput(CommandError):
    def __init__(self, message):
        super().__init__(message, returncode=EXIT_BAD_INPUT)


def _figure(name):
    def parse(raw: str) -> float:
        try:
            return parse_figure(raw)
        except ValueError as error:
            raise BadInput(f"{name}: {error}") from None

    return parse


def _finding(raw: str) -> tuple[str, bool]:
    key, _, verdict = raw.partition("=")
    verdict = verdict.strip().lower()
    if not key or verdict not in ("reached", "yes", "not_reached", "no"):
        raise BadInput(f"--finding takes THRESHOLD_SLUG_OR_DOMAIN=reached|not_reached, not {raw!r}")
    return key.strip(), verdict in ("reached", "yes")


class Command(BaseCommand):
    help = "Say which approved capability thresholds a model triggers, does not trigger, or cannot be judged on."

    def add_arguments(self, parser):
        parser.add_argument("--training-compute", dest="training_compute_flop", metavar="FLOP")
        parser.add_argument("--training-cost-usd", dest="training_cost_usd", metavar="USD")
        parser.add_argument("--developer-revenue-usd", dest="developer_revenue_usd", metavar="USD")
        parser.add_argument("--parameters", dest="parameters", metavar="N")
        parser.add_argument("--cluster-ops-per-second", dest="cluster_ops_per_second", metavar="OPS")
        parser.add_argument("--bio", action="store_true", help="Trained mainly on biological sequence data.")
        parser.add_argument("--made-by", choices=MadeBy.values, help="How the model was made.")
        parser.add_argument(
            "--modification-compute", dest="modification_compute_flop", metavar="FLOP", help="Of the fine-tuning alone."
        )
        parser.add_argument("--modification-cost-usd", dest="modification_cost_usd", metavar="USD")
        parser.add_argument("--distillation-cost-usd", dest="distillation_cost_usd", metavar="USD")
        parser.add_argument(
            "--original-compute", dest="original_compute_flop", metavar="FLOP", help="Of the model it was made from."
        )
        parser.add_argument("--original-model", help="The reference model it was made from, by name.")
        parser.add_argument(
            "--finding",
            action="append",
            default=[],
            metavar="SLUG=reached|not_reached",
            help="A capability finding for a threshold (or a whole domain, e.g. cyber=not_reached).",
        )
        parser.add_argument("--model", help="Start from a reference model's known figures, by name.")
        parser.add_argument("--json", action="store_true", help="Print a JSON list instead of a table.")

    def handle(self, *args, **options):
        profile = self._profile(options)
        evaluations = evaluate(profile)
        if options["json"]:
            self.stdout.write(json.dumps([e.as_dict() for e in evaluations], indent=2))
            return
        self._table(evaluations)

    def _profile(self, options):
        figures = {}
        for name in FIGURES:
            if options[name] is not None:
                figures[name] = _figure("--" + name.replace("_flop", "").replace("_", "-"))(options[name])
        findings = [_finding(raw) for raw in options["finding"]]
        twice = sorted({key for key, _ in findings if [k for k, _ in findings].count(key) > 1})
        if twice:
            raise BadInput(f"--finding names {', '.join(twice)} more than once")
        try:
            check_findings(dict(findings), visible=CapabilityThreshold.objects.for_evaluation())
            return build_profile(
                model=options["model"],
                original_model=options["original_model"],
                made_by=options["made_by"],
                bio_sequence_data=True if options["bio"] else None,
                capability_findings=dict(findings),
                **figures,
            )
        except ProfileError as error:
            raise BadInput(str(error)) from None

    def _table(self, evaluations):
        header = f"{'RESULT':<14} {'IN FORCE':<8} {'MARGIN':>7}  {'JURIS.':<6} THRESHOLD"
        self.stdout.write(header)
        for evaluation in evaluations:
            instrument = evaluation.instrument
            margin = "" if evaluation.margin_oom is None else f"{evaluation.margin_oom:+.2f}"
            missing = f"  (missing: {', '.join(evaluation.missing)})" if evaluation.missing else ""
            self.stdout.write(
                f"{evaluation.result:<14} {'yes' if evaluation.in_force else 'no':<8} {margin:>7}  "
                f"{(instrument.jurisdiction.code if instrument.jurisdiction else '-'):<6} "
                f"{instrument}: {evaluation.threshold.name} ({evaluation.threshold.conditions_display()}){missing}"
            )
        counts = {result: sum(e.result == result for e in evaluations) for result in RESULT_ORDER}
        self.stdout.write(
            f"\n{counts['triggered']} triggered, {counts['not_triggered']} not triggered, "
            f"{counts['undetermined']} undetermined. MARGIN is orders of magnitude from the nearest figure."
        )
