"""The home page: this week at a glance, in a fixed number of queries whatever the number of documents."""

import datetime

from django.shortcuts import render
from django.utils import timezone

from registry.changes import changes
from registry.charting import compute_chart
from registry.models import CapabilityThreshold, Challenge, Instrument, StatusEvent
from registry.vocabulary import ENDED_STATUSES
from tracker.models import Document, DocumentTag

WEEK = datetime.timedelta(days=7)
UPCOMING_DAYS = 90
DOCUMENTS_PER_CHALLENGE = 5
COMMENT_PERIODS = 5
CHANGES = 20


def _new_documents(since) -> list[dict]:
    """Each challenge's latest documents first seen since `since`, with the passage that earned each its label."""
    sections = []
    for challenge in Challenge.objects.all():
        documents = list(
            Document.objects.about(challenge.code)
            .filter(first_seen_at__gte=since)
            .select_related("jurisdiction")
            .only("title", "published_at", "first_seen_at", "jurisdiction__code")
            .order_by("-first_seen_at", "-pk")[:DOCUMENTS_PER_CHALLENGE]
        )
        sections.append({"challenge": challenge, "documents": documents})
    tags = DocumentTag.effective_rows({d.pk for section in sections for d in section["documents"]})
    for section in sections:
        code = section["challenge"].code
        section["documents"] = [
            (document, _evidence(tags.get(document.pk, []), code)) for document in section["documents"]
        ]
    return sections


def _evidence(rows: list[dict], code: str) -> str:
    for row in rows:
        if row["category"] == code and row["evidence"]:
            return row["evidence"][0].get("text", "")
    return ""


def _upcoming(today) -> list[dict]:
    """Effective dates and dated status steps in the next UPCOMING_DAYS days, soonest first, once per instrument
    and day."""
    until = today + datetime.timedelta(days=UPCOMING_DAYS)
    rows = {}
    instruments = (
        Instrument.objects.filter(effective_on__gte=today, effective_on__lte=until)
        .exclude(status__in=ENDED_STATUSES)
        .select_related("jurisdiction")
    )
    for instrument in instruments:
        rows[instrument.pk, instrument.effective_on] = {
            "date": instrument.effective_on,
            "instrument": instrument,
            "what": "takes effect",
        }
    events = StatusEvent.objects.filter(date__gt=today, date__lte=until).select_related("instrument__jurisdiction")
    for event in events:
        what = f"becomes {event.get_status_display().lower()}"
        rows.setdefault(
            (event.instrument_id, event.date), {"date": event.date, "instrument": event.instrument, "what": what}
        )
    return sorted(rows.values(), key=lambda row: (row["date"], str(row["instrument"])))


def home(request):
    now = timezone.now()
    today = timezone.localdate(now)
    comment_periods = (
        Document.objects.comments_open(today)
        .select_related("source", "jurisdiction")
        .only("title", "extra", "comments_close_on", "source__name", "source__publisher", "jurisdiction__code")
    )
    context = {
        "today": today,
        "since": today - WEEK,
        "sections": _new_documents(now - WEEK),
        "upcoming": _upcoming(today),
        "upcoming_days": UPCOMING_DAYS,
        "comment_periods": [(d, d.days_to_comment(today)) for d in comment_periods[:COMMENT_PERIODS]],
        "candidates": CapabilityThreshold.objects.awaiting_review().count(),
        "changes": changes(user=request.user, since=now - WEEK)[:CHANGES],
        "chart": compute_chart(user=request.user),
    }
    return render(request, "tracker/site/home.html", context)
