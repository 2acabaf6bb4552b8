"""The registry's filtering rules, shared by the API's lists and the site's pages: every value is validated, and a
bad one is an error that says what is wrong."""

from urllib.parse import urlencode

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.http import QueryDict

from registry.models import CapabilityThreshold, Instrument, Jurisdiction, ThresholdCondition
from registry.vocabulary import ChallengeCode, Domain, InstrumentKind, InstrumentStatus, Metric, ReviewStatus

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


class FilterSet(filters.FilterSet):
    """Builds and validates only the filters a request names: copying and validating every filter of a list (a form
    field each, with its choices) cost a few milliseconds a request, and a filter left out does nothing anyway.
    A form that shows every filter (the browsable API's, the site's) asks for all of them."""

    def __init__(self, data=None, *args, all_filters=False, **kwargs):
        if data is not None and not all_filters:
            self.base_filters = {name: filter_ for name, filter_ in self.base_filters.items() if name in data}
        super().__init__(data, *args, **kwargs)


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


# The site's forms: the same rules, with a jurisdiction the registry must know (an unknown code is an error that
# says so, where the API answers an empty list) and "none" for instruments with no jurisdiction (labs' frameworks).
NO_JURISDICTION = "none"


def _jurisdiction_filter(field_name: str) -> filters.ModelChoiceFilter:
    return filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=Jurisdiction.objects.all(),
        to_field_name="code",
        null_value=NO_JURISDICTION,
        null_label="No jurisdiction (labs' frameworks)",
        error_messages={"invalid_choice": "No jurisdiction has this code: pick one from the list."},
    )


class InstrumentListFilter(InstrumentFilter):
    jurisdiction = _jurisdiction_filter("jurisdiction")


class ThresholdTableFilter(ThresholdFilter):
    jurisdiction = _jurisdiction_filter("instrument__jurisdiction")


def asked_for(query) -> QueryDict:
    """The query without its empty values: a submitted form names every field, and an empty one filters nothing."""
    data = query.copy()
    for key in list(data):
        values = [value for value in data.getlist(key) if value.strip()]
        if values:
            data.setlist(key, values)
        else:
            del data[key]
    return data


class ChangesForm(forms.Form):
    """The change log's filters, on the site and in its feed."""

    jurisdiction = forms.ModelChoiceField(
        Jurisdiction.objects.all(),
        to_field_name="code",
        required=False,
        error_messages={"invalid_choice": "No jurisdiction has this code: pick one from the list."},
    )
    challenge = forms.ChoiceField(choices=ChallengeCode.choices, required=False)
    page = forms.IntegerField(min_value=1, max_value=100_000, required=False)

    def filters(self) -> dict:
        """What registry.changes.changes() takes, from a valid form."""
        jurisdiction = self.cleaned_data["jurisdiction"]
        return {
            "jurisdiction": jurisdiction.code if jurisdiction else None,
            "challenge": self.cleaned_data["challenge"] or None,
        }


def filter_query(filters: dict) -> str:
    """The query string ("?jurisdiction=EU") of the filters that have a value; "" when none has."""
    query = urlencode({name: value for name, value in filters.items() if value})
    return f"?{query}" if query else ""
