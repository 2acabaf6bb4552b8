"""The registry's data: jurisdictions, instruments and their timeline, thresholds and reference models."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from registry import formatting
from registry.vocabulary import (
    APPLYING_STATUSES,
    APPLYING_WITHOUT_DATE,
    CHALLENGE_DEFINITIONS,
    ENDED_STATUSES,
    HARM_METRICS,
    ChallengeCode,
    Confidence,
    Domain,
    EstimateConfidence,
    InstrumentKind,
    InstrumentStatus,
    Metric,
    Operator,
    Origin,
    ReviewStatus,
    choice_values,
)


def _day(date) -> str:
    return f"{date.day} {date:%b %Y}"


def _one_of(field: str, choices) -> Q:
    return Q(**{f"{field}__in": choice_values(choices)})


class Challenge(models.Model):
    """One of the three challenges of governing superintelligence; the rows are made by a migration."""

    code = models.CharField(primary_key=True, max_length=32, choices=ChallengeCode.choices)
    name = models.CharField(max_length=64)
    definition = models.TextField()

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=_one_of("code", ChallengeCode), name="challenge_known")]

    def __str__(self):
        return self.name

    @classmethod
    def ensure_all(cls):
        for code in ChallengeCode:
            cls.objects.update_or_create(
                code=code.value, defaults={"name": code.label, "definition": CHALLENGE_DEFINITIONS[code]}
            )


class Jurisdiction(models.Model):
    code = models.CharField(max_length=8, unique=True, help_text="EU, US, US-CA, GB, INTL …")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.code

    @staticmethod
    def within(code: str, outer_codes) -> bool:
        """Whether a jurisdiction is one of `outer_codes` or nested in one: US-CA and US-NY are within US."""
        return any(code == outer or code.startswith(f"{outer}-") for outer in outer_codes)


class InstrumentQuerySet(models.QuerySet):
    def in_force(self, on=None):
        on = on or timezone.localdate()
        return self.filter(
            Q(status__in=APPLYING_STATUSES),
            Q(effective_on__lte=on) | Q(effective_on__isnull=True, status__in=APPLYING_WITHOUT_DATE),
            Q(ended_on__isnull=True) | Q(ended_on__gt=on),
        )

    def for_jurisdiction(self, code):
        return self.filter(jurisdiction__code=code)


def applies_on(status, effective_on, ended_on, on=None) -> bool:
    """Whether an instrument with this status and these dates applies on a day (today by default): the same test as
    InstrumentQuerySet.in_force, for an instrument already read or a row. Not the same as the status "in force": an
    adopted act applies once its date has come, a vetoed bill never."""
    on = on or timezone.localdate()
    if effective_on is None:
        started = status in APPLYING_WITHOUT_DATE
    else:
        started = status in APPLYING_STATUSES and effective_on <= on
    return started and (ended_on is None or ended_on > on)


class Instrument(models.Model):
    """A law, bill, order, regulation, standard, lab framework, commitment, declaration or proposal."""

    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=InstrumentKind.choices)
    title = models.CharField(max_length=300)
    short_name = models.CharField(max_length=120, blank=True)
    issuer = models.CharField(max_length=200)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="instruments",
        help_text="Empty for a company's own framework: its issuer is the organisation.",
    )
    status = models.CharField(max_length=20, choices=InstrumentStatus.choices)
    introduced_on = models.DateField(null=True, blank=True)
    adopted_on = models.DateField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True, help_text="From when it applies.")
    ended_on = models.DateField(
        null=True, blank=True, help_text="When it was vetoed, revoked, superseded or withdrawn."
    )
    source_url = models.URLField(max_length=500)
    summary = models.TextField(help_text="What it is and requires, in this project's own words.")
    challenges = models.ManyToManyField(Challenge, blank=True, related_name="instruments")
    supersedes = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="superseded_by"
    )
    confidence = models.CharField(max_length=10, choices=Confidence.choices, default=Confidence.VERIFIED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[challenges])

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["short_name", "title"]
        constraints = [
            models.CheckConstraint(condition=_one_of("kind", InstrumentKind), name="instrument_kind_known"),
            models.CheckConstraint(condition=_one_of("status", InstrumentStatus), name="instrument_status_known"),
            models.CheckConstraint(
                condition=~Q(status__in=ENDED_STATUSES) | Q(ended_on__isnull=False),
                name="instrument_ended_has_date",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(status__in=ENDED_STATUSES),
                name="instrument_end_date_only_when_ended",
            ),
            models.CheckConstraint(
                condition=~Q(supersedes=models.F("id")), name="instrument_does_not_supersede_itself"
            ),
        ]

    def __str__(self):
        return self.short_name or self.title

    def save(self, *args, **kwargs):
        # The timeline owns the status: once an instrument has one, its status and end date are its last step's,
        # whatever was set on the row (the admin, the seed data, a shell). A new instrument starts with its own.
        if not self._state.adding:
            self.status, self.ended_on = self._status_from_timeline()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "status", "ended_on"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("instrument", args=[self.slug])

    def _status_from_timeline(self) -> tuple[str, datetime.date | None]:
        last = StatusEvent.objects.filter(instrument_id=self.pk).order_by("-date", "-pk").values("status", "date")
        last = last.first()
        if last is None:
            return self.status, self.ended_on
        return last["status"], last["date"] if last["status"] in ENDED_STATUSES else None

    def follow_timeline(self):
        """Take the status from the timeline after a step was added, changed or removed."""
        if (self.status, self.ended_on) != self._status_from_timeline():
            self._change_reason = "status from its timeline"
            self.save(update_fields=["updated_at"])

    def is_in_force(self, on=None) -> bool:
        return applies_on(self.status, self.effective_on, self.ended_on, on)

    @property
    def in_force_today(self) -> bool:
        return self.is_in_force()

    @property
    def where(self) -> str:
        """Its jurisdiction's code, or, for a lab's framework (which has none), who issued it."""
        return self.jurisdiction.code if self.jurisdiction else self.issuer

    def standing(self, on=None) -> str:
        """Its status as a reader needs it beside a threshold: "in force since 1 Aug 2024", "vetoed on 29 Sep 2024",
        "adopted, applies from 1 Jan 2027", "proposed"."""
        on = on or timezone.localdate()
        status = self.get_status_display().lower()
        if self.ended_on:
            return f"{status} on {_day(self.ended_on)}"
        if self.is_in_force(on):
            status = "voluntary, applies" if self.status == InstrumentStatus.VOLUNTARY else "in force"
            return f"{status} since {_day(self.effective_on)}" if self.effective_on else status
        if self.effective_on and self.effective_on > on and self.status in APPLYING_STATUSES:
            return f"{status}, applies from {_day(self.effective_on)}"
        return status

    @property
    def is_binding(self) -> bool:
        return self.status != InstrumentStatus.VOLUNTARY and self.kind in (
            InstrumentKind.LAW,
            InstrumentKind.REGULATION,
            InstrumentKind.EXECUTIVE_ORDER,
        )

    def clean(self):
        if self.status in ENDED_STATUSES and not self.ended_on:
            raise ValidationError({"ended_on": "Give the date it was vetoed, revoked, superseded or withdrawn."})
        if self.ended_on and self.status not in ENDED_STATUSES:
            raise ValidationError({"ended_on": "Only a vetoed, revoked, superseded or withdrawn instrument ends."})

    def status_since(self) -> datetime.date | None:
        """The date the row gives for its current status: when it ended, took effect, was adopted or introduced."""
        if self.status in ENDED_STATUSES:
            return self.ended_on
        if self.status == InstrumentStatus.PROPOSED:
            return self.introduced_on
        if self.status == InstrumentStatus.ADOPTED:
            return self.adopted_on
        return self.effective_on or self.adopted_on

    def record_status(self, *, on, note: str = "") -> "StatusEvent":
        """Put the current status on the timeline (once per day and status)."""
        return self.change_status(self.status, on=on, note=note)

    def change_status(self, status: str, *, on, note: str = "") -> "StatusEvent":
        """Add a step to the timeline (once per day and status); the status follows it."""
        event, _ = StatusEvent.objects.get_or_create(instrument=self, date=on, status=status, defaults={"note": note})
        self.refresh_from_db(fields=["status", "ended_on", "updated_at"])
        return event


class StatusEvent(models.Model):
    """One dated step of an instrument's status timeline."""

    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="timeline")
    date = models.DateField()
    status = models.CharField(max_length=20, choices=InstrumentStatus.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["instrument", "date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "date", "status"], name="status_event_unique_per_day"),
            models.CheckConstraint(condition=_one_of("status", InstrumentStatus), name="status_event_known"),
        ]

    def __str__(self):
        return f"{self.date}: {self.get_status_display()}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.instrument.follow_timeline()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self.instrument.follow_timeline()
        return result


def sees_unreviewed(user) -> bool:
    """Whether a person sees thresholds not yet approved and their whole history: active staff who may view
    thresholds in the admin; being staff alone is not enough."""
    return bool(
        user is not None and user.is_active and user.is_staff and user.has_perm("registry.view_capabilitythreshold")
    )


class ThresholdQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(review_status=ReviewStatus.APPROVED)

    def visible_to(self, user):
        """The thresholds a person may see anywhere (API, export, site, digests, document mentions): staff who may
        view thresholds in the admin see every one, anyone else (None too) only approved ones."""
        return self if sees_unreviewed(user) else self.approved()

    def awaiting_review(self):
        return self.filter(review_status__in=[ReviewStatus.CANDIDATE, ReviewStatus.IN_REVIEW])

    def in_force(self, on=None):
        return self.filter(instrument__in=Instrument.objects.in_force(on))

    def for_jurisdiction(self, code):
        return self.filter(instrument__jurisdiction__code=code)

    def on_metric(self, metric):
        return self.filter(conditions__metric=metric).distinct()

    def for_evaluation(self):
        """Approved thresholds on a model's attributes, with what the evaluator reads already joined."""
        return (
            self.approved()
            .exclude(conditions__metric__in=HARM_METRICS)
            .select_related("instrument__jurisdiction")
            .prefetch_related("conditions")
        )


REVIEW_COLUMNS = ("review_status", "reviewed_by_id", "reviewed_at", "review_note")


class CapabilityThreshold(models.Model):
    """A level above which a rule or framework starts to apply; all of its conditions must hold."""

    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="thresholds",
        help_text="Empty only for a candidate found in a document: a reviewer assigns it before approving.",
    )
    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=300)
    domain = models.CharField(max_length=20, choices=Domain.choices, default=Domain.GENERAL)
    obligations = models.TextField(blank=True, help_text="What starts once the threshold is met.")
    challenges = models.ManyToManyField(Challenge, blank=True, related_name="thresholds")
    locator = models.CharField(max_length=120, blank=True, help_text="Article or section, e.g. Art. 51(2).")
    source_url = models.URLField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    confidence = models.CharField(max_length=10, choices=Confidence.choices, default=Confidence.VERIFIED)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.STAFF)
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.CANDIDATE)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(m2m_fields=[challenges])

    objects = ThresholdQuerySet.as_manager()

    class Meta:
        ordering = ["instrument__short_name", "name"]
        permissions = [("review_capabilitythreshold", "Can approve or reject capability thresholds")]
        constraints = [
            models.CheckConstraint(condition=_one_of("domain", Domain), name="threshold_domain_known"),
            models.CheckConstraint(
                condition=_one_of("review_status", ReviewStatus), name="threshold_review_status_known"
            ),
            models.CheckConstraint(
                condition=Q(review_status__in=[ReviewStatus.CANDIDATE, ReviewStatus.IN_REVIEW])
                | Q(reviewed_at__isnull=False),
                name="threshold_decision_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(review_status=ReviewStatus.APPROVED) | Q(instrument__isnull=False),
                name="threshold_approved_has_instrument",
            ),
        ]
        indexes = [
            # The admin review queue and the public lists filter on review status.
            models.Index(fields=["review_status", "-updated_at"], name="threshold_review_queue"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The review decision is registry.reviewing's alone: any other save of an existing row (the admin's form,
        # a revert to an earlier version, the seed data, a shell) keeps the decision already stored.
        # A row saved back after it was deleted (a revert to a version of a deleted threshold) is new again: it waits
        # for review, whatever its old version said.
        if not self._state.adding and not getattr(self, "_deciding", False):
            stored = type(self).objects.filter(pk=self.pk).values(*REVIEW_COLUMNS).first()
            if stored is None:
                stored = {"review_status": ReviewStatus.IN_REVIEW, "reviewed_by_id": None, "reviewed_at": None}
                stored["review_note"] = "Restored from its history after it was deleted: check before approving."
            for column, value in stored.items():
                setattr(self, column, value)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("threshold", args=[self.slug])

    @property
    def in_force_today(self) -> bool:
        """Whether its instrument applies today (a candidate with no instrument does not)."""
        return self.instrument is not None and self.instrument.is_in_force()

    def clean(self):
        if self.review_status == ReviewStatus.APPROVED and self.instrument_id is None:
            raise ValidationError({"instrument": "An approved threshold needs the instrument that defines it."})

    def conditions_display(self) -> str:
        return formatting.conditions((c.metric, c.operator, c.value, c.level) for c in self.conditions.all())

    def evaluation_for(self, profile):
        """The evaluator's answer for this threshold (an Evaluation: its `result` says whether it is triggered)."""
        from registry.evaluation import evaluate_threshold

        return evaluate_threshold(self, profile)


class ThresholdCondition(models.Model):
    """One test on one metric: value is in the metric's single unit; `unit` is how the source states it."""

    threshold = models.ForeignKey(CapabilityThreshold, on_delete=models.CASCADE, related_name="conditions")
    metric = models.CharField(max_length=30, choices=Metric.choices)
    operator = models.CharField(max_length=3, choices=Operator.choices)
    value = models.FloatField(help_text="In the metric's unit: FLOP, USD, op/s, a count, or a rank.")
    unit = models.CharField(max_length=80, blank=True, help_text="The unit as the source states it.")
    level = models.CharField(max_length=120, blank=True, help_text="For capability levels: the level's label.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["threshold", "pk"]
        constraints = [
            models.CheckConstraint(condition=_one_of("metric", Metric), name="condition_metric_known"),
            models.CheckConstraint(condition=_one_of("operator", Operator), name="condition_operator_known"),
            models.CheckConstraint(condition=Q(value__gte=0), name="condition_value_not_negative"),
            models.CheckConstraint(
                condition=~Q(metric=Metric.CAPABILITY_LEVEL) | (Q(value__gte=1) & ~Q(level="")),
                name="condition_capability_level_has_rank_and_label",
            ),
            models.UniqueConstraint(fields=["threshold", "metric", "operator"], name="condition_unique_per_threshold"),
        ]
        indexes = [
            # "compute thresholds at or below 10^25": filter by metric, range on value.
            models.Index(fields=["metric", "value"], name="condition_metric_value"),
        ]

    def __str__(self):
        return formatting.condition(self.metric, self.operator, self.value, self.level)

    def save(self, *args, **kwargs):
        self.value = formatting.rounded(self.value)
        super().save(*args, **kwargs)

    def clean(self):
        if self.metric == Metric.CAPABILITY_LEVEL and (self.value is None or self.value < 1 or not self.level):
            raise ValidationError("A capability level needs a label and a rank of 1 or more (its place in the scale).")

    def holds_for(self, value: float) -> bool:
        return Operator(self.operator).compare(value, self.value)


class AIModelQuerySet(models.QuerySet):
    def with_compute(self):
        return self.filter(training_compute_flop__isnull=False)


class AIModel(models.Model):
    """A reference model with its estimated training compute (Epoch AI's data unless stated)."""

    name = models.CharField(max_length=200, unique=True)
    developer = models.CharField(max_length=300, blank=True)
    released = models.DateField(null=True, blank=True)
    parameters = models.FloatField(null=True, blank=True)
    training_compute_flop = models.FloatField(null=True, blank=True)
    confidence = models.CharField(max_length=12, choices=EstimateConfidence.choices, default=EstimateConfidence.UNKNOWN)
    country = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(max_length=500, blank=True)

    objects = AIModelQuerySet.as_manager()

    class Meta:
        verbose_name = "AI model"
        ordering = ["-training_compute_flop", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(training_compute_flop__isnull=True) | Q(training_compute_flop__gt=0),
                name="model_compute_positive",
            ),
            models.CheckConstraint(
                condition=Q(parameters__isnull=True) | Q(parameters__gt=0), name="model_parameters_positive"
            ),
            models.CheckConstraint(condition=_one_of("confidence", EstimateConfidence), name="model_confidence_known"),
        ]
        indexes = [
            # The forecast and the chart read models in release order.
            models.Index(fields=["released"], name="model_released"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Estimates arrive with float noise (4.6400000000000005e+26): stored as the figures they stand for.
        self.parameters = formatting.rounded(self.parameters)
        self.training_compute_flop = formatting.rounded(self.training_compute_flop)
        super().save(*args, **kwargs)

    @property
    def compute_display(self) -> str:
        """Its training compute as a reader wants it: 3.8 × 10^25 FLOP."""
        if self.training_compute_flop is None:
            return "unknown"
        return formatting.figure(Metric.TRAINING_COMPUTE_FLOP, self.training_compute_flop)
