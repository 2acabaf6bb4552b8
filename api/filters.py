"""Query parameters of the list endpoints. Every value is validated: a bad one is a 400 that says what is wrong."""

import datetime
import re

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.template import loader
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework import filters as drf_filters

from registry.filters import (  # the registry owns its filtering rules; the API's lists use them as they are
    FigureFilter,
    FilterSet,
    InstrumentFilter,
    ThresholdFilter,
)
from registry.models import AIModel
from registry.vocabulary import ChallengeCode
from tracker.models import Document, DocumentTag, SourceKind, TagOrigin

__all__ = [
    "AIModelFilter",
    "DocumentFilter",
    "FilterBackend",
    "InstrumentFilter",
    "OrderingFilter",
    "ThresholdFilter",
]


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


class FilterBackend(DjangoFilterBackend):
    def to_html(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return None
        kwargs = self.get_filterset_kwargs(request, queryset, view)
        if issubclass(filterset_class, FilterSet):
            kwargs["all_filters"] = True
        return loader.get_template(self.template).render({"filter": filterset_class(**kwargs)}, request)


class OrderingFilter(drf_filters.OrderingFilter):
    """An ordering the list does not offer is a 400 that names the ones it does, not silently ignored."""

    def get_ordering(self, request, queryset, view):
        asked = request.query_params.get(self.ordering_param, "")
        if asked.strip():
            offered = {field for field, _label in self.get_valid_fields(queryset, view, {"request": request})}
            terms = [term.strip() for term in asked.split(",") if term.strip()]
            unknown = [term for term in terms if term.removeprefix("-") not in offered]
            if unknown:
                listed = ", ".join(sorted(offered))
                message = f"Cannot order by {', '.join(unknown)[:100]}: use {listed} (a leading - for descending)."
                raise exceptions.ValidationError({self.ordering_param: [message]})
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        """The schema says which orderings are offered, in the form get_ordering() accepts."""
        parameters = super().get_schema_operation_parameters(view)
        fields = "|".join(re.escape(field) for field in sorted(getattr(view, "ordering_fields", None) or ()))
        term = rf"\s*(-?({fields}))?\s*"
        for parameter in parameters:
            parameter["schema"]["pattern"] = rf"^{term}(,{term})*$"
        return parameters


class AIModelFilter(FilterSet):
    developer = filters.CharFilter(lookup_expr="icontains", max_length=200)
    released_after = filters.DateFilter(field_name="released", lookup_expr="gte")
    released_before = filters.DateFilter(field_name="released", lookup_expr="lte")
    compute__gte = FigureFilter(field_name="training_compute_flop", lookup_expr="gte")
    compute__lte = FigureFilter(field_name="training_compute_flop", lookup_expr="lte")

    class Meta:
        model = AIModel
        fields = ["confidence"]


class DocumentFilter(FilterSet):
    q = filters.CharFilter(method="filter_search", max_length=300, help_text="Full text, web-search syntax.")
    challenge = filters.ChoiceFilter(choices=ChallengeCode.choices, method="filter_challenge")
    min_confidence = filters.NumberFilter(
        method="filter_challenge", min_value=0, max_value=1, help_text="With challenge: the tag's probability, 0 to 1."
    )
    min_score = filters.NumberFilter(
        method="filter_challenge", min_value=0, max_value=1, help_text="The earlier name of min_confidence."
    )
    jurisdiction = filters.CharFilter(field_name="jurisdiction__code", max_length=8)
    source = filters.NumberFilter(field_name="source", min_value=1, max_value=2**31)
    kind = filters.ChoiceFilter(choices=SourceKind.choices)
    published_after = UTCDateTimeFilter(field_name="published_at", lookup_expr="gte")
    published_before = UTCDateTimeFilter(field_name="published_at", lookup_expr="lte")

    class Meta:
        model = Document
        fields = []

    def filter_search(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset

    def filter_challenge(self, queryset, name, value):
        return queryset  # applied together below

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        category = self.form.cleaned_data.get("challenge")
        if not category:
            return queryset
        tags = DocumentTag.objects.effective().filter(document=OuterRef("pk"), category=category, labelled=True)
        data = self.form.cleaned_data
        least = max((v for v in (data.get("min_confidence"), data.get("min_score")) if v is not None), default=None)
        if least is not None:
            # A person's correction carries no score of its own: it counts as certain.
            tags = tags.filter(Q(score__gte=least) | Q(origin=TagOrigin.PERSON))
        return queryset.filter(Exists(tags))
