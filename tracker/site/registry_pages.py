"""The threshold and instrument pages: what each is, its source, its status timeline and history, and the tracked
documents that mention it (which live here, in tracker, since registry knows nothing of documents)."""

from urllib.parse import urlencode

from django.db.models import OuterRef, Prefetch, Subquery
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from registry.charting import compute_chart
from registry.history import CHANGED, CREATION_WINDOW, LOOSENED, TIGHTENED, threshold_history
from registry.models import CapabilityThreshold, Instrument, ThresholdCondition, sees_unreviewed
from registry.vocabulary import ChallengeCode, Metric, Origin, ReviewStatus
from tracker.models import Document, ThresholdMention

RELATED_LIMIT = 10
NEW = "new"
UNCHANGED = "unchanged"
EFFECTS = {
    NEW: "New",
    TIGHTENED: "Tightened",
    LOOSENED: "Loosened",
    CHANGED: "Changed",
    UNCHANGED: "Figure unchanged",
}


def _thresholds(user):
    return (
        CapabilityThreshold.objects.visible_to(user)
        .select_related("instrument__jurisdiction")
        .prefetch_related(Prefetch("conditions", queryset=ThresholdCondition.objects.order_by("pk")))
    )


def _more_documents_url(instrument) -> str:
    return f"{reverse('documents')}?{urlencode({'q': instrument.short_name or instrument.title})}"


def related_documents(threshold_ids) -> list[Document]:
    """The newest documents with a figure linked to one of these thresholds, one more than shown (to tell whether
    there are more), each with the figure as it was written (`quoted`)."""
    if not threshold_ids:
        return []
    quoted = ThresholdMention.objects.filter(document=OuterRef("pk"), threshold_id__in=threshold_ids).order_by("start")
    return list(
        Document.objects.mentioning(threshold_ids)
        .select_related("jurisdiction")
        .defer("text", "summary", "extra")
        .annotate(quoted=Subquery(quoted.values("text")[:1]))
        .order_by("-published_at", "-pk")[: RELATED_LIMIT + 1]
    )


def _field_label(name: str) -> str:
    return str(CapabilityThreshold._meta.get_field(name).verbose_name).capitalize()


def _shown(field: str, value) -> str:
    if value in (None, "", []):
        return "(empty)"
    if field == "challenges":
        return ", ".join(ChallengeCode(code).label for code in value)
    return str(value)


def history_entries(threshold, *, full: bool) -> list[dict]:
    """The threshold's history as the page lists it, newest first: each version and each change of its figure,
    classed new, tightened, loosened, changed or unchanged (a version that left the figure as it was)."""
    history = threshold_history(threshold, full=full)
    entries = []
    for number, version in enumerate(history["changes"]):
        fields = version["fields"]
        if number and (not fields or version["date"] <= history["changes"][0]["date"] + CREATION_WINDOW):
            continue  # a save that changed nothing but its timestamps, or finished writing the first version
        if number == 0 and threshold.origin == Origin.SEED:
            # The bundled data loaded on this install: the date is the install's, not the rule's (as in /changes/).
            effect, summary = NEW, "Added to this registry from its bundled data"
        elif number == 0:
            effect, summary = NEW, "First recorded" if full else "Published"
        else:
            effect, summary = UNCHANGED, f"{version['type']}: {', '.join(map(_field_label, fields)) or 'no field'}"
        entries.append(
            {
                "date": version["date"],
                "effect": effect,
                "summary": summary,
                "details": [
                    f"{_field_label(name)}: {_shown(name, change['before'])} → {_shown(name, change['after'])}"
                    for name, change in fields.items()
                    if number and name != "instrument"  # an id says nothing; its change is named in the summary
                ],
                "user": version["user"],
                "reason": version["reason"],
            }
        )
    for change in history["condition_changes"]:
        if change["before"] is None:
            summary = f"Condition added: {change['after']}"
        elif change["after"] is None:
            summary = f"Condition removed: {change['before']}"
        else:
            summary = f"{change['before']} → {change['after']}"
        entries.append(
            {
                "date": change["date"],
                "effect": change["effect"],
                "summary": summary,
                "details": [],
                "user": change["user"],
                "reason": change["reason"],
            }
        )
    entries.sort(key=lambda entry: entry["date"], reverse=True)
    for entry in entries:
        entry["effect_label"] = EFFECTS.get(entry["effect"], entry["effect"].capitalize())
    return entries


def threshold_detail(request, slug):
    threshold = get_object_or_404(_thresholds(request.user).prefetch_related("challenges"), slug=slug)
    instrument = threshold.instrument
    full = sees_unreviewed(request.user)
    related = related_documents([threshold.pk])
    found_in = None
    if threshold.origin == Origin.DOCUMENT:
        found_in = threshold.mentions.select_related("document").order_by("created_at", "pk").first()
    is_compute = any(c.metric == Metric.TRAINING_COMPUTE_FLOP for c in threshold.conditions.all())
    context = {
        "threshold": threshold,
        "instrument": instrument,
        "public": threshold.review_status == ReviewStatus.APPROVED,
        "staff_view": full,
        "chart": compute_chart(user=request.user, highlight=threshold.slug) if is_compute else None,
        "timeline": list(instrument.timeline.all()) if instrument else [],
        "history": history_entries(threshold, full=full),
        "related": related[:RELATED_LIMIT],
        "more_related": len(related) > RELATED_LIMIT,
        "more_url": _more_documents_url(instrument) if instrument else None,
        "found_in": found_in,
        "api_url": reverse("threshold-detail", args=[threshold.pk]),
    }
    return render(request, "tracker/site/threshold.html", context)


def instrument_detail(request, slug):
    instrument = get_object_or_404(
        Instrument.objects.select_related("jurisdiction", "supersedes").prefetch_related(
            "challenges", "timeline", "superseded_by"
        ),
        slug=slug,
    )
    thresholds = list(_thresholds(request.user).filter(instrument=instrument))
    related = related_documents([threshold.pk for threshold in thresholds])
    context = {
        "instrument": instrument,
        "thresholds": thresholds,
        "related": related[:RELATED_LIMIT],
        "more_related": len(related) > RELATED_LIMIT,
        "more_url": _more_documents_url(instrument),
        "api_url": reverse("instrument-detail", args=[instrument.pk]),
    }
    return render(request, "tracker/site/instrument.html", context)
