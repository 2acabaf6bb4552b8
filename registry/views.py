"""The public site's registry pages: thresholds side by side, instruments, what changed, the compute chart and the
evaluator. (A threshold's and an instrument's own pages list related documents, so they live in tracker/site/.)"""

import re
from itertools import groupby

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from registry.changes import changes
from registry.charting import compute_chart, standalone_svg, write_chart_csv
from registry.evaluation import NOT_TRIGGERED, TRIGGERED, UNDETERMINED, evaluate
from registry.filters import (
    NO_JURISDICTION,
    ChangesForm,
    InstrumentListFilter,
    ThresholdTableFilter,
    asked_for,
    filter_query,
)
from registry.models import CapabilityThreshold, Instrument, Jurisdiction, ThresholdCondition
from registry.profile_form import ProfileForm
from registry.vocabulary import ChallengeCode, InstrumentKind, InstrumentStatus, Metric


def _visible_thresholds(request):
    return (
        CapabilityThreshold.objects.visible_to(request.user)
        .select_related("instrument__jurisdiction")
        .prefetch_related(Prefetch("conditions", queryset=ThresholdCondition.objects.order_by("pk")))
    )


# The list pages: thresholds side by side, instruments by jurisdiction, and what changed.

THRESHOLD_SORTS = {
    "figure": lambda row: _figure_key(row["threshold"]),
    "name": lambda row: (row["threshold"].name.casefold(), row["threshold"].slug),
    "instrument": lambda row: (str(row["threshold"].instrument).casefold(), row["threshold"].name.casefold()),
    "jurisdiction": lambda row: (_where(row["threshold"].instrument).casefold(), _figure_key(row["threshold"])),
    "status": lambda row: (not row["in_force"], _status(row["threshold"].instrument), _figure_key(row["threshold"])),
}
SORT_LABELS = {"figure": "Conditions", "name": "Threshold", "instrument": "Instrument", "jurisdiction": "Jurisdiction"}
_METRIC_ORDER = {metric: index for index, metric in enumerate(Metric)}


def _figure_key(threshold, descending=False):
    """By what the first condition measures (in the vocabulary's order), then its figure: compute with compute."""
    conditions = list(threshold.conditions.all())
    if not conditions:
        return (len(_METRIC_ORDER), 0.0, threshold.slug)
    value = -conditions[0].value if descending else conditions[0].value
    return (_METRIC_ORDER[Metric(conditions[0].metric)], value, threshold.slug)


def _where(instrument) -> str:
    """A candidate found in a document may have no instrument yet (staff see it): it sorts last."""
    if instrument is None:
        return "~"
    return instrument.where


def _status(instrument) -> str:
    return instrument.status if instrument else "~"


# The filters' names as the pages' forms label them, for error messages.
FIELD_LABELS = {
    "jurisdiction": "Jurisdiction",
    "metric": "Measures",
    "status": "Status",
    "in_force": "In force today",
    "challenge": "Challenge",
    "kind": "Kind of instrument",
    "page": "Page",
}


def _form_errors(form) -> list[str]:
    return [
        f"{FIELD_LABELS.get(name, name)}: {message}" if name != "__all__" else message
        for name, messages in form.errors.items()
        for message in messages
    ]


def _choices_context() -> dict:
    return {
        "jurisdictions": Jurisdiction.objects.order_by("code"),
        "no_jurisdiction": NO_JURISDICTION,
        "metrics": Metric.choices,
        "statuses": InstrumentStatus.choices,
        "kinds": InstrumentKind.choices,
        "challenges": ChallengeCode.choices,
    }


def threshold_list(request):
    """Every visible threshold in one table, filtered and sorted by the query (?jurisdiction=EU&sort=-figure)."""
    asked = asked_for(request.GET)
    sort = asked.get("sort", "figure")
    filterset = ThresholdTableFilter(asked, queryset=_visible_thresholds(request))
    errors = (
        [] if sort.removeprefix("-") in THRESHOLD_SORTS else [f"Cannot sort by {sort[:40]!r}: use the column links."]
    )
    if filterset.is_valid() and not errors:
        rows = [{"threshold": t, "in_force": t.in_force_today} for t in filterset.qs]
        if sort == "-figure":  # highest figure first, each metric kept together in the vocabulary's order
            rows.sort(key=lambda row: _figure_key(row["threshold"], descending=True))
        else:
            rows.sort(key=THRESHOLD_SORTS[sort.removeprefix("-")], reverse=sort.startswith("-"))
    else:
        errors = _form_errors(filterset.form) + errors
        rows = []
    columns = [
        {
            "label": label,
            "sort": key,
            "next": f"-{key}" if sort == key else key,
            "aria_sort": "ascending" if sort == key else "descending" if sort == f"-{key}" else "",
        }
        for key, label in [*SORT_LABELS.items(), ("status", "Status")]
    ]
    context = {
        "rows": rows,
        "errors": errors,
        "asked": asked,
        "sort": sort,
        "columns": columns,
        "today": timezone.localdate(),
        **_choices_context(),
    }
    return render(request, "registry/thresholds.html", context, status=400 if errors else 200)


def _key_dates(instrument) -> list[tuple[str, object]]:
    dates = [
        ("introduced", instrument.introduced_on),
        ("adopted", instrument.adopted_on),
        ("applies from", instrument.effective_on),
        ("ended", instrument.ended_on),
    ]
    return [(label, date) for label, date in dates if date]


def instrument_list(request):
    """Every instrument grouped by jurisdiction (labs' frameworks under "Lab frameworks"), filtered by the query."""
    asked = asked_for(request.GET)
    visible = CapabilityThreshold.objects.visible_to(request.user)
    instruments = (
        Instrument.objects.select_related("jurisdiction")
        .annotate(threshold_count=Count("thresholds", filter=Q(thresholds__in=visible)))
        .order_by(F("jurisdiction__code").asc(nulls_last=True), "issuer", "short_name", "title")
    )
    filterset = InstrumentListFilter(asked, queryset=instruments)
    groups = []
    if filterset.is_valid():
        for jurisdiction, members in groupby(filterset.qs, key=lambda instrument: instrument.jurisdiction):
            rows = [{"instrument": i, "standing": i.standing(), "dates": _key_dates(i)} for i in members]
            groups.append({"jurisdiction": jurisdiction, "rows": rows})
    errors = _form_errors(filterset.form)
    context = {"groups": groups, "errors": errors, "asked": asked, **_choices_context()}
    return render(request, "registry/instruments.html", context, status=400 if errors else 200)


CHANGES_PER_PAGE = 50


def change_log(request):
    """What changed in the registry, newest first, by jurisdiction and challenge, 50 a page."""
    asked = asked_for(request.GET)
    form = ChangesForm(asked)
    context = {"asked": asked, "errors": [], "page": None, "feed": reverse("feed-changes"), **_choices_context()}
    if not form.is_valid():
        context["errors"] = _form_errors(form)
        return render(request, "registry/changes.html", context, status=400)
    paginator = Paginator(changes(user=request.user, **form.filters()), CHANGES_PER_PAGE)
    try:
        page = paginator.page(form.cleaned_data["page"] or 1)
    except EmptyPage:
        raise Http404("No such page of changes.") from None
    filtered = filter_query(form.filters())
    context.update(page=page, changes=page.object_list, feed=context["feed"] + filtered, filtered_feed=bool(filtered))
    return render(request, "registry/changes.html", context)


def _highlight(request) -> str | None:
    slug = request.GET.get("highlight", "")
    return slug if _SLUG.fullmatch(slug) else None


_SLUG = re.compile(r"[-\w]{1,120}", re.ASCII)


def chart(request):
    """The compute chart, with the models and thresholds it draws as tables."""
    chart = compute_chart(user=request.user, highlight=_highlight(request))
    return render(request, "registry/chart.html", {"chart": chart})


def chart_svg(request):
    chart = compute_chart(user=request.user, highlight=_highlight(request))
    response = HttpResponse(standalone_svg(chart), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="compute-chart.svg"'
    return response


def chart_csv(request):
    chart = compute_chart(user=request.user, highlight=_highlight(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="compute-chart.csv"'
    write_chart_csv(response, chart)
    return response


def evaluator(request):
    """The evaluator as a GET form: every answer has its own address. An empty query shows the form alone."""
    asked = any(value for value in request.GET.values())
    form = ProfileForm(request.GET if asked else None)
    context = {"form": form, "asked": asked}
    if not asked:
        return render(request, "registry/evaluator.html", context)
    if not form.is_valid():
        return render(request, "registry/evaluator.html", context, status=400)
    evaluations = evaluate(form.profile)  # the one evaluator, as /api/v1/evaluate/ calls it
    context["groups"] = [
        (result, title, [e for e in evaluations if e.result == result])
        for result, title in (
            (TRIGGERED, "Triggered"),
            (UNDETERMINED, "Cannot tell: something is missing"),
            (NOT_TRIGGERED, "Not triggered"),
        )
    ]
    context["figures_used"] = form.profile.readable(names=dict(form.fields["reached"].choices))
    context["model"] = form.cleaned_data.get("model")
    return render(request, "registry/evaluator.html", context)
