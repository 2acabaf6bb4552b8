"""The open comment periods page: documents still taking public comments, soonest deadline first."""

from django.shortcuts import render
from django.utils import timezone

from tracker.models import Document

MAX_OPEN = 100
MAX_CLOSED = 10
CLOSED_DAYS = 30


def _listed(documents):
    return documents.select_related("source", "jurisdiction").only(
        "title",
        "url",
        "extra",
        "comments_close_on",
        "source__name",
        "source__publisher",
        "jurisdiction__code",
        "jurisdiction__name",
    )


def comment_periods(request):
    today = timezone.localdate()
    open_now = list(_listed(Document.objects.comments_open(today))[: MAX_OPEN + 1])
    closed = list(_listed(Document.objects.comments_closed_recently(today, days=CLOSED_DAYS))[:MAX_CLOSED])
    context = {
        "today": today,
        "open": [(document, document.days_to_comment(today)) for document in open_now[:MAX_OPEN]],
        "more": len(open_now) > MAX_OPEN,
        "max_open": MAX_OPEN,
        "closed": closed,
        "closed_days": CLOSED_DAYS,
    }
    return render(request, "tracker/site/comment_periods.html", context)
