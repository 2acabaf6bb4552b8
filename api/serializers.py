"""How registry and tracker objects look in the API."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry import formatting
from registry.evaluation import ModelProfile
from registry.models import (
    AIModel,
    CapabilityThreshold,
    Challenge,
    Instrument,
    Jurisdiction,
    StatusEvent,
    ThresholdCondition,
)
from registry.models import in_force as instrument_in_force
from registry.vocabulary import ChallengeCode, Domain, Metric, Operator
from tracker.models import Document, DocumentTag, DocumentVersion, Source, ThresholdMention


class ChallengeCodes(serializers.Field):
    """The challenge codes of a prefetched `challenges` relation, sorted."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return sorted(challenge.code for challenge in value.all())


extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=ChallengeCode.choices)))(ChallengeCodes)


class JurisdictionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["code", "name"]


class InstrumentBriefSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code", default=None, allow_null=True)
    in_force = serializers.BooleanField()

    class Meta:
        model = Instrument
        fields = ["id", "slug", "kind", "title", "short_name", "issuer", "jurisdiction", "status", "in_force"]


class ConditionSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=Metric.choices)
    operator = serializers.CharField(source="get_operator_display")
    value = serializers.FloatField()
    unit = serializers.CharField()
    level = serializers.CharField()


class ThresholdListSerializer(serializers.ListSerializer):
    """A page of thresholds read as rows (ThresholdSerializer.ROW_COLUMNS of a values() query), with conditions and
    challenges in one query each; a list of instances (an instrument's thresholds) is written one by one."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        if not items or not isinstance(items[0], dict):
            return super().to_representation(items)
        ids = [row["id"] for row in items]
        conditions, challenges = {}, {}
        for threshold_id, *condition in (
            ThresholdCondition.objects.filter(threshold_id__in=ids)
            .order_by("pk")
            .values_list("threshold_id", "metric", "operator", "value", "unit", "level")
        ):
            conditions.setdefault(threshold_id, []).append(condition)
        links = CapabilityThreshold.challenges.through.objects.filter(capabilitythreshold_id__in=ids)
        for threshold_id, code in links.values_list("capabilitythreshold_id", "challenge_id"):
            challenges.setdefault(threshold_id, []).append(code)
        context = (timezone.localdate(), timezone.get_current_timezone())
        return [
            self.child.from_row(row, conditions.get(row["id"], []), challenges.get(row["id"], []), *context)
            for row in items
        ]


class ThresholdSerializer(serializers.ModelSerializer):
    """The declared fields describe the output (and the schema); from_row writes the same shape by hand, without a
    field object per value: nested field objects were most of a list request's time."""

    conditions = ConditionSerializer(many=True)
    challenges = ChallengeCodes()
    in_force = serializers.BooleanField()
    instrument = InstrumentBriefSerializer(allow_null=True)
    readable = serializers.CharField(source="conditions_display", help_text="e.g. > 10^26 FLOP AND > $100 million")

    ROW_COLUMNS = ("id", "slug", "name", "domain", "review_status", "source_url", "locator", "obligations")
    ROW_COLUMNS += ("updated_at", "instrument_id", "instrument__slug", "instrument__kind", "instrument__title")
    ROW_COLUMNS += ("instrument__short_name", "instrument__issuer", "instrument__jurisdiction__code")
    ROW_COLUMNS += ("instrument__status", "instrument__effective_on", "instrument__ended_on")

    class Meta:
        model = CapabilityThreshold
        fields = [
            "id", "slug", "name", "domain", "review_status", "in_force", "challenges", "source_url", "locator",
            "obligations", "conditions", "readable", "instrument", "updated_at",
        ]  # fmt: skip
        list_serializer_class = ThresholdListSerializer

    def to_representation(self, threshold):
        row = _row(threshold, self.ROW_COLUMNS)
        conditions = [(c.metric, c.operator, c.value, c.unit, c.level) for c in threshold.conditions.all()]
        challenges = [challenge.code for challenge in threshold.challenges.all()]
        return self.from_row(row, conditions, challenges, timezone.localdate(), timezone.get_current_timezone())

    def from_row(self, row, conditions, challenges, today, zone):
        applies = row["instrument_id"] is not None and instrument_in_force(
            row["instrument__status"], row["instrument__effective_on"], row["instrument__ended_on"], today
        )
        data = {
            "id": row["id"],
            "slug": row["slug"],
            "name": row["name"],
            "domain": row["domain"],
            "review_status": row["review_status"],
            "in_force": applies,
            "challenges": sorted(challenges),
            "source_url": row["source_url"],
            "locator": row["locator"],
            "obligations": row["obligations"],
            "conditions": [
                {"metric": metric, "operator": Operator(operator).label, "value": value, "unit": unit, "level": level}
                for metric, operator, value, unit, level in conditions
            ],
            "readable": formatting.conditions((metric, operator, value, level)
                                              for metric, operator, value, _unit, level in conditions),
            "updated_at": _timestamp(row["updated_at"], zone),
        }  # fmt: skip
        if "instrument" in self.Meta.fields:
            data["instrument"] = row["instrument_id"] and {
                "id": row["instrument_id"],
                "slug": row["instrument__slug"],
                "kind": row["instrument__kind"],
                "title": row["instrument__title"],
                "short_name": row["instrument__short_name"],
                "issuer": row["instrument__issuer"],
                "jurisdiction": row["instrument__jurisdiction__code"],
                "status": row["instrument__status"],
                "in_force": applies,
            }
        return {name: data[name] for name in self.Meta.fields}


def _row(instance, columns):
    """A values() row read off a model instance (and the instances it is joined to)."""
    row = {}
    for column in columns:
        value = instance
        for name in column.split("__"):
            value = getattr(value, name, None) if value is not None else None
        row[column] = value
    return row


class StatusEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusEvent
        fields = ["date", "status", "note"]


class InstrumentSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code", default=None, allow_null=True)
    in_force = serializers.BooleanField()
    binding = serializers.BooleanField(source="is_binding")
    challenges = ChallengeCodes()
    supersedes = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Instrument
        fields = [
            "id", "slug", "kind", "title", "short_name", "issuer", "jurisdiction", "status", "in_force", "binding",
            "introduced_on", "adopted_on", "effective_on", "ended_on", "source_url", "summary", "challenges",
            "supersedes", "confidence", "updated_at",
        ]  # fmt: skip


class InstrumentThresholdSerializer(ThresholdSerializer):
    class Meta(ThresholdSerializer.Meta):
        fields = [f for f in ThresholdSerializer.Meta.fields if f != "instrument"]


class InstrumentDetailSerializer(InstrumentSerializer):
    thresholds = InstrumentThresholdSerializer(many=True, source="visible_thresholds")
    timeline = StatusEventSerializer(many=True)

    class Meta(InstrumentSerializer.Meta):
        fields = [*InstrumentSerializer.Meta.fields, "thresholds", "timeline"]


class AIModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = AIModel
        fields = ["name", "developer", "released", "parameters", "training_compute_flop", "confidence", "source_url"]


class ChallengeSerializer(serializers.ModelSerializer):
    """Threshold and instrument counts are annotations; document counts come in the context, by challenge code."""

    documents = serializers.SerializerMethodField()
    thresholds = serializers.IntegerField(source="threshold_count")
    instruments = serializers.IntegerField(source="instrument_count")

    class Meta:
        model = Challenge
        fields = ["code", "name", "definition", "documents", "thresholds", "instruments"]

    def get_documents(self, challenge) -> int:
        return self.context["document_counts"].get(challenge.code, 0)


class EvidenceSerializer(serializers.Serializer):
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    text = serializers.CharField()


class TagSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category_id")
    evidence = EvidenceSerializer(many=True)

    class Meta:
        model = DocumentTag
        fields = ["category", "labelled", "score", "origin", "evidence", "tagger_version", "note"]


class SourceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name", "kind", "publisher"]


class DocumentListSerializer(serializers.ListSerializer):
    """A page of documents read as rows (`LIST_COLUMNS` of a values() query), with their effective tags read in
    one more query: model instances cost more than the queries on a 50-document page."""

    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        tags = DocumentTag.effective_rows([row["id"] for row in rows])
        zone = timezone.get_current_timezone()
        return [self.child.from_row(row, tags.get(row["id"], []), zone) for row in rows]


def _timestamp(value, zone):
    """As DRF's DateTimeField writes it (ISO 8601, UTC as Z), with the zone looked up once a page."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class DocumentSerializer(serializers.ModelSerializer):
    """The declared fields describe the output (and the schema); from_row builds the same shape by hand, without
    a field object per value, which was most of a list request's time."""

    source = SourceBriefSerializer()
    jurisdiction = serializers.CharField(source="jurisdiction.code", default=None, allow_null=True)
    labels = serializers.ListField(child=serializers.CharField(), help_text="Challenges the document is about.")
    tags = serializers.SerializerMethodField(help_text="Each challenge's tag (a person's correction wins).")

    # What a list reads: not the text, which can run to megabytes a document.
    LIST_COLUMNS = ("id", "title", "url", "kind", "published_at", "summary", "source_id", "source__name")
    LIST_COLUMNS += ("source__kind", "source__publisher", "jurisdiction__code")

    class Meta:
        model = Document
        fields = ["id", "title", "url", "kind", "source", "jurisdiction", "published_at", "summary", "labels", "tags"]
        list_serializer_class = DocumentListSerializer

    def to_representation(self, document):
        row = _row(document, self.LIST_COLUMNS)
        return self.from_row(row, self.get_tags(document), timezone.get_current_timezone())

    def from_row(self, row, tags, zone):
        return {
            "id": row["id"],
            "title": row["title"],
            "url": row["url"],
            "kind": row["kind"],
            "source": {
                "id": row["source_id"],
                "name": row["source__name"],
                "kind": row["source__kind"],
                "publisher": row["source__publisher"],
            },
            "jurisdiction": row["jurisdiction__code"],
            "published_at": _timestamp(row["published_at"], zone),
            "summary": row["summary"],
            "labels": [tag["category"] for tag in tags if tag["labelled"]],
            "tags": tags,
        }

    @extend_schema_field(TagSerializer(many=True))
    def get_tags(self, document):
        return [
            {"category": tag.category_id, **{field: getattr(tag, field) for field in DocumentTag.ROW_FIELDS[1:]}}
            for tag in DocumentTag.effective_for(document)
        ]


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentVersion
        fields = ["number", "title", "fetched_at", "content_hash"]


class MentionSerializer(serializers.ModelSerializer):
    threshold = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ThresholdMention
        fields = ["text", "metric", "operator", "value", "currency", "start", "end", "sentence", "threshold"]


class DocumentDetailSerializer(DocumentSerializer):
    versions = VersionSerializer(many=True)
    mentions = MentionSerializer(many=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "text", "needs_ocr", "first_seen_at", "versions", "mentions"]

    def to_representation(self, document):
        data = super().to_representation(document)
        for name in self.Meta.fields[len(DocumentSerializer.Meta.fields) :]:
            field = self.fields[name]
            data[name] = field.to_representation(field.get_attribute(document))
        return data


class SourceSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code", default=None, allow_null=True)

    class Meta:
        model = Source
        fields = [
            "id", "name", "kind", "url", "publisher", "jurisdiction", "active", "poll_minutes", "keywords",
            "next_due_at", "consecutive_failures", "last_error", "last_error_at", "last_success_at",
        ]  # fmt: skip


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class TagCorrectionSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=ChallengeCode.choices)
    labelled = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class Figure(serializers.FloatField):
    """A number: not true or false, which Python counts as 1 and 0 and the schema's number does not allow."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


def _figure(**kwargs):
    return Figure(required=False, allow_null=True, min_value=0, max_value=1e40, **kwargs)


class StrictBoolean(serializers.BooleanField):
    """true or false, in JSON or a query string: not 0, 1 or "yes", which the schema's boolean does not allow."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if data in ("true", "false"):
            return data == "true"
        self.fail("invalid", input=data)


class ProfileSerializer(serializers.Serializer):
    """What is known of a model; leave out what is unknown."""

    training_compute_flop = _figure(help_text="Training compute in FLOP, e.g. 3.8e25.")
    training_cost_usd = _figure()
    developer_revenue_usd = _figure()
    parameters = _figure()
    cluster_ops_per_second = _figure()
    bio_sequence_data = StrictBoolean(required=False, allow_null=True, default=None)
    capability_findings = serializers.DictField(
        child=StrictBoolean(),
        required=False,
        help_text='Threshold slug or domain -> reached (true) or ruled out (false), e.g. {"cyber": false}.',
    )
    model = serializers.CharField(required=False, max_length=200, help_text="Start from a reference model by name.")

    def validate_capability_findings(self, findings):
        domains = set(Domain.values)
        for key in findings:
            if len(key) > 120 or not (key in domains or CapabilityThreshold.objects.filter(slug=key).exists()):
                raise serializers.ValidationError(f"{key[:120]!r} is neither a domain nor a threshold slug.")
        return findings

    def validate(self, data):
        figures = {}
        if name := data.pop("model", None):
            model = AIModel.objects.filter(name__iexact=name).first()
            if model is None:
                raise serializers.ValidationError({"model": f"unknown reference model {name!r}"})
            figures = {"training_compute_flop": model.training_compute_flop, "parameters": model.parameters}
        figures |= {key: value for key, value in data.items() if value is not None}
        return ModelProfile(**figures)


class EvaluationSerializer(serializers.Serializer):
    threshold_id = serializers.IntegerField()
    threshold = serializers.CharField()
    name = serializers.CharField()
    instrument = serializers.CharField()
    jurisdiction = serializers.CharField(allow_null=True)
    instrument_status = serializers.CharField()
    in_force = serializers.BooleanField()
    result = serializers.ChoiceField(choices=["triggered", "not_triggered", "undetermined"])
    missing = serializers.ListField(child=serializers.CharField())
    margin_oom = serializers.FloatField(allow_null=True)
    obligations = serializers.CharField()


class EvaluationResultsSerializer(serializers.Serializer):
    results = EvaluationSerializer(many=True)


class FitSerializer(serializers.Serializer):
    slope_oom_per_year = serializers.FloatField(source="slope")
    growth_per_year = serializers.FloatField()
    intercept_log10_flop_at_2020 = serializers.FloatField(source="intercept")
    residual_sd_oom = serializers.FloatField(source="residual_sd")
    r_squared = serializers.FloatField()
    models = serializers.IntegerField()
    first = serializers.DateField()
    last = serializers.DateField()


class CrossingSerializer(serializers.Serializer):
    threshold = serializers.CharField(source="threshold.slug")
    name = serializers.CharField(source="threshold.name")
    instrument = serializers.CharField(source="threshold.instrument")
    value = serializers.FloatField()
    crossed_by = serializers.CharField(source="crossed_by.name", default=None, allow_null=True)
    crossed_on = serializers.DateField(source="crossed_by.released", default=None, allow_null=True)
    expected = serializers.DateField(allow_null=True)
    earliest = serializers.DateField(allow_null=True)
    latest = serializers.DateField(allow_null=True)


class ForecastSerializer(serializers.Serializer):
    fit = FitSerializer(allow_null=True)
    method = serializers.CharField()
    thresholds = CrossingSerializer(many=True)


class SubscriptionSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    challenges = serializers.ListField(child=serializers.ChoiceField(choices=ChallengeCode.choices), required=False)
    jurisdictions = serializers.ListField(child=serializers.CharField(max_length=8), required=False)
