"""Query parameters of the list endpoints. Every value is validated: a bad one is a 400 that says what is wrong."""

import re

import django_filters as filters
from django.template import loader
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
from tracker.filters import DocumentFilter  # the tracker owns its filtering rules too

__all__ = [
    "AIModelFilter",
    "DocumentFilter",
    "FilterBackend",
    "InstrumentFilter",
    "OrderingFilter",
    "ThresholdFilter",
]


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
