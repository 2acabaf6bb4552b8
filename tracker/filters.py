"""Query parameters that choose documents, shared by the API and the site: one set of rules, each value validated."""

import datetime

import django_filters as filters
from django import forms
from django.db.models import Subquery
from django_filters.fields import IsoDateTimeField

from registry.filters import FilterSet
from registry.models import Jurisdiction
from registry.vocabulary import ChallengeCode
from tracker.models import Document, SourceKind


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, in UTC: PostgreSQL refuses UTC offsets beyond ±15:59 that ISO 8601 allows (+19:25)."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a time between the years 1 and 9999.") from None


class UTCDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class DocumentFilter(FilterSet):
    q = filters.CharFilter(method="filter_search", max_length=300, help_text="Full text, web-search syntax.")
    challenge = filters.ChoiceFilter(choices=ChallengeCode.choices, method="filter_challenge")
    min_confidence = filters.NumberFilter(
        method="filter_challenge", min_value=0, max_value=1, help_text="With challenge: the tag's probability, 0 to 1."
    )
    min_score = filters.NumberFilter(
        method="filter_challenge", min_value=0, max_value=1, help_text="The earlier name of min_confidence."
    )
    jurisdiction = filters.CharFilter(method="filter_jurisdiction", max_length=8)
    source = filters.NumberFilter(field_name="source", min_value=1, max_value=2**31)
    kind = filters.ChoiceFilter(choices=SourceKind.choices)
    published_after = UTCDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UTCDateTimeFilter(field_name="published_at", lookup_expr="lte")

    class Meta:
        model = Document
        fields = []

    def filter_jurisdiction(self, queryset, name, value):
        # The jurisdiction's id as a scalar subquery, not a join: PostgreSQL then walks the documents of that one
        # jurisdiction newest first (document_jurisdiction_newest) instead of every document.
        wanted = Jurisdiction.objects.filter(code=value).values("pk")[:1]
        return queryset.filter(jurisdiction_id=Subquery(wanted))

    def filter_search(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_challenge(self, queryset, name, value):
        return queryset  # applied together below

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("challenge"):
            return queryset
        least = max((v for v in (data.get("min_confidence"), data.get("min_score")) if v is not None), default=None)
        return queryset.about(data["challenge"], least=least)
