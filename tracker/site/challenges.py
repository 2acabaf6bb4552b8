"""The challenges page: what the three challenges mean here, each with its latest documents and its thresholds."""

from collections import defaultdict

from django.db.models import Prefetch
from django.shortcuts import render

from registry.models import CapabilityThreshold, Challenge, ThresholdCondition
from tracker.models import Document

RECENT_DOCUMENTS = 5


def challenges(request):
    all_challenges = list(Challenge.objects.all())
    thresholds = (
        CapabilityThreshold.objects.visible_to(request.user)
        .filter(challenges__in=all_challenges)
        .distinct()
        .select_related("instrument__jurisdiction")
        .prefetch_related("challenges", Prefetch("conditions", queryset=ThresholdCondition.objects.order_by("pk")))
        .order_by("instrument__short_name", "name")
    )
    by_challenge = defaultdict(list)
    for threshold in thresholds:
        threshold.readable = threshold.conditions_display()  # once, though it may be listed under three challenges
        for challenge in threshold.challenges.all():
            by_challenge[challenge.code].append(threshold)
    sections = [
        {
            "challenge": challenge,
            "documents": Document.objects.about(challenge.code)
            .select_related("jurisdiction")
            .only("title", "published_at", "jurisdiction__code")
            .order_by("-published_at", "-pk")[:RECENT_DOCUMENTS],
            "thresholds": by_challenge[challenge.code],
        }
        for challenge in all_challenges
    ]
    return render(request, "tracker/site/challenges.html", {"sections": sections})
