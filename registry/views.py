"""The public site's registry pages: thresholds side by side."""

from django.db.models import Prefetch
from django.shortcuts import render
from django.utils import timezone

from registry.models import CapabilityThreshold, ThresholdCondition
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
