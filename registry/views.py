"""The public site's registry pages: thresholds side by side, an instrument, a threshold, the compute chart and the
evaluator."""

import re

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from registry.charting import compute_chart, standalone_svg, write_chart_csv
from registry.evaluation import NOT_TRIGGERED, TRIGGERED, UNDETERMINED, evaluate
from registry.models import CapabilityThreshold, Instrument, ThresholdCondition
from registry.profile_form import ProfileForm
from registry.vocabulary import Metric


def _visible_thresholds(request):
    return (
        CapabilityThreshold.objects.visible_to(request.user)
        .select_related("instrument__jurisdiction")
        .prefetch_related(Prefetch("conditions", queryset=ThresholdCondition.objects.order_by("pk")))
    )


def home(request):
    """Approved thresholds grouped by the metric of their first condition, lowest figure first."""
    groups = {metric: [] for metric in Metric}
    for threshold in _visible_thresholds(request):
        conditions = list(threshold.conditions.all())
        if conditions:
            groups[Metric(conditions[0].metric)].append((conditions[0].value, threshold))
    today = timezone.localdate()
    sections = [
        {
            "metric": metric,
            "rows": [
                {"threshold": threshold, "in_force": threshold.in_force_today}
                for _value, threshold in sorted(rows, key=lambda pair: (pair[0], pair[1].slug))
            ],
        }
        for metric, rows in groups.items()
        if rows
    ]
    return render(request, "registry/home.html", {"sections": sections, "today": today})


def instrument_detail(request, slug):
    instrument = get_object_or_404(
        Instrument.objects.select_related("jurisdiction", "supersedes").prefetch_related("challenges", "timeline"),
        slug=slug,
    )
    thresholds = _visible_thresholds(request).filter(instrument=instrument)
    return render(request, "registry/instrument.html", {"instrument": instrument, "thresholds": thresholds})


def threshold_detail(request, slug):
    threshold = get_object_or_404(_visible_thresholds(request).prefetch_related("challenges"), slug=slug)
    return render(request, "registry/threshold.html", {"threshold": threshold})


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
