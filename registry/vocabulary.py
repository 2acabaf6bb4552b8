"""The fixed vocabularies every app shares: challenges, kinds, statuses, domains and metrics."""

import operator as op
from collections.abc import Callable

from django.db import models


class ChallengeCode(models.TextChoices):
    ALIGNMENT = "alignment", "Alignment"
    HUMAN_MISUSE = "human_misuse", "Human misuse"
    NATURAL_SELECTION = "natural_selection", "Natural selection"


CHALLENGE_DEFINITIONS = {
    ChallengeCode.ALIGNMENT: (
        "Making very capable AI systems reliably do what is intended and never cause catastrophe, even under "
        "stress: safety research, loss of control, dangerous-capability evaluations of the model itself, "
        "safety cases, interpretability, containment, and oversight of frontier training runs."
    ),
    ChallengeCode.HUMAN_MISUSE: (
        "People using powerful AI to cause harm or to seize power: weapons uplift, cyber offence, "
        "disinformation, fraud and deepfakes, surveillance, military use, theft of model weights, access "
        "controls, export controls and concentration of power."
    ),
    ChallengeCode.NATURAL_SELECTION: (
        "Competitive and evolutionary pressure on people, firms and nations that keeps acting even when "
        "alignment and misuse are handled: race dynamics, deregulation for competitiveness, labour-market "
        "change, erosion of human agency and oversight, market concentration and long-run transformation."
    ),
}


class InstrumentKind(models.TextChoices):
    LAW = "law", "Law"
    BILL = "bill", "Bill"
    EXECUTIVE_ORDER = "executive_order", "Executive order"
    REGULATION = "regulation", "Regulation"
    STANDARD = "standard", "Standard"
    FRAMEWORK = "framework", "Safety framework"
    COMMITMENT = "commitment", "Commitment"
    DECLARATION = "declaration", "Declaration"
    PROPOSAL = "proposal", "Proposal"
    GUIDANCE = "guidance", "Guidance"


class InstrumentStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ADOPTED = "adopted", "Adopted"
    IN_FORCE = "in_force", "In force"
    VETOED = "vetoed", "Vetoed"
    REVOKED = "revoked", "Revoked"
    SUPERSEDED = "superseded", "Superseded"
    WITHDRAWN = "withdrawn", "Withdrawn"
    VOLUNTARY = "voluntary", "Voluntary"


# Statuses under which an instrument applies once its effective date has come (voluntary ones to those who
# adopted them); every other status means it does not apply.
APPLYING_STATUSES = (InstrumentStatus.ADOPTED, InstrumentStatus.IN_FORCE, InstrumentStatus.VOLUNTARY)
# An adopted act whose effective date is unknown is not assumed to apply yet.
APPLYING_WITHOUT_DATE = (InstrumentStatus.IN_FORCE, InstrumentStatus.VOLUNTARY)
ENDED_STATUSES = (
    InstrumentStatus.VETOED,
    InstrumentStatus.REVOKED,
    InstrumentStatus.SUPERSEDED,
    InstrumentStatus.WITHDRAWN,
)


class Domain(models.TextChoices):
    GENERAL = "general", "General"
    CBRN = "cbrn", "CBRN weapons"
    BIO = "bio", "Biological"
    CHEM = "chem", "Chemical"
    NUCLEAR = "nuclear", "Nuclear and radiological"
    CYBER = "cyber", "Cyber offence"
    AUTONOMY = "autonomy", "Autonomy and replication"
    AI_RND = "ai_rnd", "AI research and development"
    PERSUASION = "persuasion", "Persuasion and manipulation"
    MISALIGNMENT = "misalignment", "Misalignment and deception"


class Metric(models.TextChoices):
    TRAINING_COMPUTE_FLOP = "training_compute_flop", "Training compute"
    TRAINING_COST_USD = "training_cost_usd", "Training compute cost"
    DEVELOPER_REVENUE_USD = "developer_revenue_usd", "Developer annual revenue"
    CLUSTER_OPS_PER_SECOND = "cluster_ops_per_second", "Cluster capacity"
    PARAMETERS = "parameters", "Parameters"
    BIO_SEQUENCE_DATA = "bio_sequence_data", "Trained mainly on biological sequence data"
    CAPABILITY_LEVEL = "capability_level", "Capability level"
    # What it took to make a model from another one: a law's fine-tuning or distillation test is about these, never
    # about the model's whole training.
    MODIFICATION_COMPUTE_FLOP = "modification_compute_flop", "Fine-tuning or other modification compute"
    MODIFICATION_COST_USD = "modification_cost_usd", "Fine-tuning or other modification compute cost"
    MODIFICATION_COMPUTE_RATIO = "modification_compute_ratio", "Modification compute relative to the original model's"
    DISTILLATION_COST_USD = "distillation_cost_usd", "Distillation compute cost"
    FATALITIES = "fatalities", "Harm: fatalities"
    DAMAGE_USD = "damage_usd", "Harm: damage"


# The one unit each metric's value is stored in.
METRIC_UNITS = {
    Metric.TRAINING_COMPUTE_FLOP: "FLOP",
    Metric.TRAINING_COST_USD: "USD",
    Metric.DEVELOPER_REVENUE_USD: "USD/year",
    Metric.CLUSTER_OPS_PER_SECOND: "op/s",
    Metric.PARAMETERS: "parameters",
    Metric.BIO_SEQUENCE_DATA: "",
    Metric.CAPABILITY_LEVEL: "rank",
    Metric.MODIFICATION_COMPUTE_FLOP: "FLOP",
    Metric.MODIFICATION_COST_USD: "USD",
    Metric.MODIFICATION_COMPUTE_RATIO: "ratio",
    Metric.DISTILLATION_COST_USD: "USD",
    Metric.FATALITIES: "people",
    Metric.DAMAGE_USD: "USD",
}
# Metrics measured on a scale where orders of magnitude mean something (margins are reported on them).
MAGNITUDE_METRICS = frozenset(
    {
        Metric.TRAINING_COMPUTE_FLOP,
        Metric.TRAINING_COST_USD,
        Metric.DEVELOPER_REVENUE_USD,
        Metric.CLUSTER_OPS_PER_SECOND,
        Metric.PARAMETERS,
        Metric.MODIFICATION_COMPUTE_FLOP,
        Metric.MODIFICATION_COST_USD,
        Metric.DISTILLATION_COST_USD,
    }
)
MODIFICATION_METRICS = frozenset(
    {Metric.MODIFICATION_COMPUTE_FLOP, Metric.MODIFICATION_COST_USD, Metric.MODIFICATION_COMPUTE_RATIO}
)
# Metrics that describe an incident's severity rather than a model; the evaluator does not judge them.
HARM_METRICS = frozenset({Metric.FATALITIES, Metric.DAMAGE_USD})


class MadeBy(models.TextChoices):
    """How a model was made: what a profile says so that fine-tuning and distillation tests can be judged."""

    PRETRAINED = "pretrained", "Pre-trained"
    FINE_TUNED = "fine_tuned", "Fine-tuned or otherwise modified from another model"
    DISTILLED = "distilled", "Distilled from another model"


# The quantities that are nil for a model made another way: a pre-trained model had no fine-tuning and no
# distillation, a fine-tune no distillation, a distilled model no fine-tuning.
NOT_DONE = {
    MadeBy.PRETRAINED: MODIFICATION_METRICS | {Metric.DISTILLATION_COST_USD},
    MadeBy.FINE_TUNED: frozenset({Metric.DISTILLATION_COST_USD}),
    MadeBy.DISTILLED: MODIFICATION_METRICS,
}


class Operator(models.TextChoices):
    GT = "gt", ">"
    GTE = "gte", "≥"
    LT = "lt", "<"
    LTE = "lte", "≤"
    EQ = "eq", "="

    @property
    def words(self) -> str:
        return _WORDS[self]

    @classmethod
    def from_symbol(cls, symbol: str) -> "Operator":
        return _SYMBOLS[symbol.strip()]

    @property
    def compare(self) -> Callable[[float, float], bool]:
        return _COMPARE[self]

    @property
    def is_lower_bound(self) -> bool:
        """A lower bound covers more as its value falls (> and ≥)."""
        return self in (Operator.GT, Operator.GTE)

    @property
    def is_upper_bound(self) -> bool:
        return self in (Operator.LT, Operator.LTE)


_SYMBOLS = {
    ">": Operator.GT,
    ">=": Operator.GTE,
    "≥": Operator.GTE,
    "<": Operator.LT,
    "<=": Operator.LTE,
    "≤": Operator.LTE,
    "=": Operator.EQ,
    "==": Operator.EQ,
}
_WORDS = {
    Operator.GT: "more than",
    Operator.GTE: "at least",
    Operator.LT: "less than",
    Operator.LTE: "at most",
    Operator.EQ: "exactly",
}
_COMPARE = {
    Operator.GT: op.gt,
    Operator.GTE: op.ge,
    Operator.LT: op.lt,
    Operator.LTE: op.le,
    Operator.EQ: op.eq,
}


class ReviewStatus(models.TextChoices):
    CANDIDATE = "candidate", "Candidate"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Confidence(models.TextChoices):
    VERIFIED = "verified", "Verified"
    UNCERTAIN = "uncertain", "Uncertain"


class Origin(models.TextChoices):
    SEED = "seed", "Seed data"
    STAFF = "staff", "Entered by staff"
    DOCUMENT = "document", "Found in a document"


class EstimateConfidence(models.TextChoices):
    CONFIDENT = "confident", "Confident"
    LIKELY = "likely", "Likely"
    SPECULATIVE = "speculative", "Speculative"
    UNKNOWN = "unknown", "Unknown"


def choice_values(choices: type[models.TextChoices]) -> list[str]:
    return [value for value, _label in choices.choices]
