"""Query parameters of the list endpoints. Every value is validated: a bad one is a 400 that says what is wrong."""

import re

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.template import loader
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework import filters as drf_filters

from registry.models import AIModel, CapabilityThreshold, Instrument, ThresholdCondition
from registry.vocabulary import (
    ChallengeCode,
    Domain,
    InstrumentKind,
    InstrumentStatus,
    Metric,
    ReviewStatus,
)
from tracker.filters import FilterSet

MAX_FIGURE = 1e40


class StrictBooleanField(forms.CharField):
    """true/false (or 1/0, yes/no); anything else is an error rather than silently ignored."""

    def to_python(self, value):
        value = super().to_python(value).strip().lower()
        if value == "":
            return None
        if value in ("true", "1", "yes"):
            return True
        if value in ("false", "0", "no"):
            return False
        raise forms.ValidationError("Use true or false.")


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class FigureFilter(filters.NumberFilter):
    field_class = forms.FloatField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_FIGURE)
        super().__init__(*args, **kwargs)


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


class InstrumentFilter(FilterSet):
    jurisdiction = filters.CharFilter(field_name="jurisdiction__code", max_length=8, help_text="EU, US, US-CA …")
    kind = filters.MultipleChoiceFilter(choices=InstrumentKind.choices)
    status = filters.MultipleChoiceFilter(choices=InstrumentStatus.choices)
    in_force = StrictBooleanFilter(method="filter_in_force", help_text="In force today (derived).")
    challenge = filters.ChoiceFilter(field_name="challenges", choices=ChallengeCode.choices)
    effective_after = filters.DateFilter(field_name="effective_on", lookup_expr="gte")
    effective_before = filters.DateFilter(field_name="effective_on", lookup_expr="lte")
    adopted_after = filters.DateFilter(field_name="adopted_on", lookup_expr="gte")
    adopted_before = filters.DateFilter(field_name="adopted_on", lookup_expr="lte")

    class Meta:
        model = Instrument
        fields = []

    def filter_in_force(self, queryset, name, value):
        in_force = Instrument.objects.in_force()
        return queryset.filter(pk__in=in_force) if value else queryset.exclude(pk__in=in_force)


class ThresholdFilter(FilterSet):
    jurisdiction = filters.CharFilter(field_name="instrument__jurisdiction__code", max_length=8)
    instrument = filters.CharFilter(field_name="instrument__slug", max_length=120)
    kind = filters.MultipleChoiceFilter(field_name="instrument__kind", choices=InstrumentKind.choices)
    status = filters.MultipleChoiceFilter(field_name="instrument__status", choices=InstrumentStatus.choices)
    in_force = StrictBooleanFilter(method="filter_in_force")
    challenge = filters.ChoiceFilter(field_name="challenges", choices=ChallengeCode.choices)
    domain = filters.MultipleChoiceFilter(choices=Domain.choices)
    review_status = filters.MultipleChoiceFilter(choices=ReviewStatus.choices, help_text="Staff only.")
    metric = filters.ChoiceFilter(choices=Metric.choices, method="filter_conditions")
    value__gte = FigureFilter(method="filter_conditions", help_text="With metric: a condition at or above this value.")
    value__gt = FigureFilter(method="filter_conditions")
    value__lte = FigureFilter(method="filter_conditions", help_text="With metric: a condition at or below, e.g. 1e25.")
    value__lt = FigureFilter(method="filter_conditions")

    class Meta:
        model = CapabilityThreshold
        fields = []

    def filter_in_force(self, queryset, name, value):
        return queryset.in_force() if value else queryset.exclude(pk__in=queryset.in_force().values("pk"))

    def filter_conditions(self, queryset, name, value):
        return queryset  # applied together in filter_queryset: metric and value must hold on the same condition

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        condition = Q(threshold=OuterRef("pk"))
        if data.get("metric"):
            condition &= Q(metric=data["metric"])
        bounds = {
            key: data[key]
            for key in ("value__gte", "value__gt", "value__lte", "value__lt")
            if data.get(key) is not None
        }
        if not data.get("metric") and not bounds:
            return queryset
        condition &= Q(**bounds)
        return queryset.filter(Exists(ThresholdCondition.objects.filter(condition)))


class AIModelFilter(FilterSet):
    developer = filters.CharFilter(lookup_expr="icontains", max_length=200)
    released_after = filters.DateFilter(field_name="released", lookup_expr="gte")
    released_before = filters.DateFilter(field_name="released", lookup_expr="lte")
    compute__gte = FigureFilter(field_name="training_compute_flop", lookup_expr="gte")
    compute__lte = FigureFilter(field_name="training_compute_flop", lookup_expr="lte")

    class Meta:
        model = AIModel
        fields = ["confidence"]
