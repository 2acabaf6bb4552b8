"""How registry and tracker objects look in the API."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry.evaluation import ModelProfile
from registry.models import AIModel, CapabilityThreshold, Challenge, Instrument, Jurisdiction, StatusEvent
from registry.vocabulary import ChallengeCode, Domain, Metric
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


class ThresholdSerializer(serializers.ModelSerializer):
    conditions = ConditionSerializer(many=True)
    challenges = ChallengeCodes()
    in_force = serializers.BooleanField()
    instrument = InstrumentBriefSerializer(allow_null=True)
    readable = serializers.CharField(source="conditions_display", help_text="e.g. > 10^26 FLOP AND > $100 million")

    class Meta:
        model = CapabilityThreshold
        fields = [
            "id", "slug", "name", "domain", "review_status", "in_force", "challenges", "source_url", "locator",
            "obligations", "conditions", "readable", "instrument", "updated_at",
        ]  # fmt: skip


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
    documents = serializers.IntegerField(source="document_count")
    thresholds = serializers.IntegerField(source="threshold_count")
    instruments = serializers.IntegerField(source="instrument_count")

    class Meta:
        model = Challenge
        fields = ["code", "name", "definition", "documents", "thresholds", "instruments"]


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


class DocumentSerializer(serializers.ModelSerializer):
    source = SourceBriefSerializer()
    jurisdiction = serializers.CharField(source="jurisdiction.code", default=None, allow_null=True)
    labels = serializers.ListField(child=serializers.CharField(), help_text="Challenges the document is about.")
    tags = serializers.SerializerMethodField(help_text="Each challenge's tag (a person's correction wins).")

    class Meta:
        model = Document
        fields = ["id", "title", "url", "kind", "source", "jurisdiction", "published_at", "summary", "labels", "tags"]

    @extend_schema_field(TagSerializer(many=True))
    def get_tags(self, document):
        # Plain dicts in TagSerializer's shape: a nested serializer per document costs most of a list request.
        return [
            {
                "category": tag.category_id,
                "labelled": tag.labelled,
                "score": tag.score,
                "origin": tag.origin,
                "evidence": [{"start": e["start"], "end": e["end"], "text": e["text"]} for e in tag.evidence],
                "tagger_version": tag.tagger_version,
                "note": tag.note,
            }
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


def _figure(**kwargs):
    return serializers.FloatField(required=False, allow_null=True, min_value=0, max_value=1e40, **kwargs)


class ProfileSerializer(serializers.Serializer):
    """What is known of a model; leave out what is unknown."""

    training_compute_flop = _figure(help_text="Training compute in FLOP, e.g. 3.8e25.")
    training_cost_usd = _figure()
    developer_revenue_usd = _figure()
    parameters = _figure()
    cluster_ops_per_second = _figure()
    bio_sequence_data = serializers.BooleanField(required=False, allow_null=True, default=None)
    capability_findings = serializers.DictField(
        child=serializers.BooleanField(),
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
