"""How registry and tracker objects look in the API."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.evaluation import ProfileError, build_profile, check_findings
from registry.exporting import THRESHOLD_ROW_COLUMNS, threshold_json, threshold_parts
from registry.exporting import timestamp as _timestamp
from registry.models import (
    AIModel,
    CapabilityThreshold,
    Challenge,
    Instrument,
    Jurisdiction,
    StatusEvent,
)
from registry.vocabulary import ChallengeCode, MadeBy, Metric
from tracker.models import Document, DocumentTag, DocumentVersion, Source, ThresholdMention

MAX_LIST_ITEMS = 50
MAX_FINDINGS = 200


class BoundedListField(serializers.ListField):
    """A list longer than max_length is refused with one short message before any item is read: 150,000 bad
    items took 4.7 s and answered 6 MB of errors, one per item."""

    def to_internal_value(self, data):
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class BoundedDictField(serializers.DictField):
    """A mapping of at most max_length keys, refused as a whole before any value is read (the schema's
    maxProperties, set in api.schema)."""

    default_error_messages = {"max_length": "Ensure this field has no more than {max_length} keys."}

    def __init__(self, *, max_length: int, **kwargs):
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, dict) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


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
    in_force = serializers.BooleanField(source="in_force_today")

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
        conditions, challenges = threshold_parts([row["id"] for row in items])
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
    readable = serializers.CharField(
        source="conditions_display",
        help_text="e.g. more than 10^26 FLOP of training compute AND more than $100 million of training compute cost",
    )

    ROW_COLUMNS = THRESHOLD_ROW_COLUMNS

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
        data = threshold_json(row, conditions, challenges, today=today, zone=zone)
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
    in_force = serializers.BooleanField(source="in_force_today")
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


class DocumentSerializer(serializers.ModelSerializer):
    """The declared fields describe the output (and the schema); from_row builds the same shape by hand, without
    a field object per value, which was most of a list request's time."""

    source = SourceBriefSerializer()
    jurisdiction = serializers.CharField(source="jurisdiction.code", default=None, allow_null=True)
    labels = serializers.ListField(child=serializers.CharField(), help_text="Challenges the document is about.")
    tags = serializers.SerializerMethodField(help_text="Each challenge's tag (a person's correction wins).")

    # What a list reads: not the text, which can run to megabytes a document.
    LIST_COLUMNS = ("id", "title", "url", "kind", "published_at", "summary", "source_id", "source__name")
    LIST_COLUMNS += ("source__kind", "source__publisher", "jurisdiction__code", "comments_close_on")

    class Meta:
        model = Document
        fields = ["id", "title", "url", "kind", "source", "jurisdiction", "published_at", "summary", "labels", "tags"]
        fields += ["comments_close_on"]
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
            "comments_close_on": row["comments_close_on"].isoformat() if row["comments_close_on"] else None,
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
    threshold = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True, help_text="Null when unlinked, or hidden from you."
    )

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


class RejectionSerializer(serializers.Serializer):
    note = serializers.RegexField(r"\S", max_length=2000, help_text="Why it is rejected.")


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
    """What is known of a model; leave out what is unknown. Any other parameter is refused with a 400."""

    training_compute_flop = _figure(help_text="The model's whole training compute in FLOP, e.g. 3.8e25.")
    training_cost_usd = _figure(help_text="The compute cost of the model's whole training, in USD.")
    developer_revenue_usd = _figure()
    parameters = _figure()
    cluster_ops_per_second = _figure()
    bio_sequence_data = StrictBoolean(required=False, allow_null=True, default=None)
    made_by = serializers.ChoiceField(
        choices=MadeBy.choices,
        required=False,
        allow_null=True,
        help_text="How the model was made; fine-tuning and distillation thresholds are judged on it.",
    )
    modification_compute_flop = _figure(help_text="Compute of the fine-tuning or other modification alone, in FLOP.")
    modification_cost_usd = _figure(help_text="Compute cost of the fine-tuning or other modification alone, in USD.")
    distillation_cost_usd = _figure(help_text="Compute cost of the distillation alone, in USD.")
    original_compute_flop = _figure(help_text="Training compute of the model it was fine-tuned or modified from.")
    capability_findings = BoundedDictField(
        child=StrictBoolean(),
        max_length=MAX_FINDINGS,
        required=False,
        help_text='Threshold slug or domain -> reached (true) or ruled out (false), e.g. {"cyber": false}.',
    )
    model = serializers.CharField(required=False, max_length=200, help_text="Start from a reference model by name.")
    original_model = serializers.CharField(
        required=False, max_length=200, help_text="The reference model it was fine-tuned or distilled from, by name."
    )

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if hasattr(data, "keys") else []
        if unknown:
            raise serializers.ValidationError(
                {name[:50]: f"Unknown parameter; known ones: {', '.join(self.fields)}." for name in unknown}
            )
        return super().to_internal_value(data)

    def validate_capability_findings(self, findings):
        request = self.context.get("request")
        try:
            check_findings(findings, visible=CapabilityThreshold.objects.visible_to(request.user if request else None))
        except ProfileError as error:
            raise serializers.ValidationError(str(error)) from None
        return findings

    def validate(self, data):
        try:
            return build_profile(**data)
        except ProfileError as error:
            raise serializers.ValidationError({error.field: str(error)}) from None


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


class EchoedProfileSerializer(serializers.Serializer):
    """The figures the evaluation went on (a reference model's included); null where unknown."""

    training_compute_flop = serializers.FloatField(allow_null=True)
    training_cost_usd = serializers.FloatField(allow_null=True)
    developer_revenue_usd = serializers.FloatField(allow_null=True)
    parameters = serializers.FloatField(allow_null=True)
    cluster_ops_per_second = serializers.FloatField(allow_null=True)
    modification_compute_flop = serializers.FloatField(allow_null=True)
    modification_cost_usd = serializers.FloatField(allow_null=True)
    distillation_cost_usd = serializers.FloatField(allow_null=True)
    original_compute_flop = serializers.FloatField(allow_null=True)
    bio_sequence_data = serializers.BooleanField(allow_null=True)
    made_by = serializers.ChoiceField(choices=MadeBy.choices, allow_null=True)
    capability_findings = serializers.DictField(child=serializers.BooleanField())


class EvaluationResultsSerializer(serializers.Serializer):
    profile = EchoedProfileSerializer()
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
    challenges = BoundedListField(
        child=serializers.ChoiceField(choices=ChallengeCode.choices), required=False, max_length=MAX_LIST_ITEMS
    )
    jurisdictions = BoundedListField(
        child=serializers.CharField(max_length=8), required=False, max_length=MAX_LIST_ITEMS
    )
