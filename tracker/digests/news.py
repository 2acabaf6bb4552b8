"""What is new in a period, read once in a fixed number of queries and cut to each subscriber's follows; the
digest email built from it."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from registry.history import condition_changes_between
from registry.models import CapabilityThreshold, Instrument, Jurisdiction, StatusEvent
from registry.vocabulary import ENDED_STATUSES, ChallengeCode, InstrumentStatus, Origin
from tracker.digests.emails import mail_domain, make_message, render_part, site_url
from tracker.digests.periods import digest_zone, period_bounds, period_label
from tracker.digests.subscriptions import list_unsubscribe_headers, manage_url, unsubscribe_token, unsubscribe_url
from tracker.models import Document, DocumentTag, ProcessStatus, Subscriber

UPCOMING_DAYS = 60
MAX_DOCUMENTS_PER_CHALLENGE = 10
MAX_CANDIDATES = 10
COMMENT_PERIOD_DAYS = 28
MAX_COMMENT_PERIODS = 20
EVIDENCE_CHARS = 280


# Content: the period's news is read once, in a fixed number of queries, and cut to each subscriber's follows.


@dataclass(frozen=True)
class Follows:
    """What a subscriber follows; an empty set means all. Following instruments narrows the registry news to them."""

    challenges: frozenset[str] = frozenset()
    jurisdictions: frozenset[int] = frozenset()
    instruments: frozenset[int] = frozenset()
    staff: bool = False
    # The followed jurisdictions with those nested in them (US brings US-CA and US-NY).
    places: frozenset[int] = frozenset()

    def takes_challenge(self, code: str) -> bool:
        return not self.challenges or code in self.challenges

    def takes_document(self, item: "DocumentItem") -> bool:
        return not self.jurisdictions or item.jurisdiction_id in self.places

    def takes_comment_period(self, item: "CommentPeriodItem") -> bool:
        if not self.takes_document(item):
            return False
        # A document with no label is shown rather than hidden, as for registry items.
        return not self.challenges or not item.challenges or bool(item.challenges & self.challenges)

    def takes_registry_item(self, item: "RegistryItem") -> bool:
        if self.instruments:
            return item.instrument_id in self.instruments
        if self.jurisdictions and item.jurisdiction_id not in self.places:
            return False
        # An item with no challenges recorded is shown rather than hidden.
        return not self.challenges or not item.challenges or bool(item.challenges & self.challenges)


@dataclass(frozen=True)
class DocumentItem:
    id: int
    title: str
    url: str
    jurisdiction: str
    jurisdiction_id: int | None
    published: datetime.date
    evidence: str


@dataclass(frozen=True)
class CommentPeriodItem:
    """A document still taking public comments when the digest goes out."""

    id: int
    title: str
    url: str
    issued_by: str
    jurisdiction: str
    jurisdiction_id: int | None
    closes: datetime.date
    days_left: int
    challenges: frozenset[str]


@dataclass(frozen=True)
class RegistryItem:
    """A threshold approved or changed, an instrument's status change, or an effective date coming up."""

    kind: str
    title: str
    url: str
    detail: str
    jurisdiction: str
    instrument_id: int | None
    jurisdiction_id: int | None
    challenges: frozenset[str]
    date: datetime.date | None = None
    standing: str = ""  # a threshold's instrument status: "vetoed on 29 Sep 2024", "in force since 1 Aug 2024"


def _clip(text: str, limit: int = EVIDENCE_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


class PeriodNews:
    """Everything new in one period, for every subscriber at once."""

    def __init__(self, period: str):
        self.period = period
        self.start, self.end = period_bounds(period)
        self.label = period_label(period)
        self.documents = self._documents()
        self.thresholds = self._thresholds()
        self.status_changes = self._status_changes()
        self.upcoming = self._upcoming()
        self.comment_periods = self._comment_periods()
        self._candidates = None
        self._content: dict[Follows, dict] = {}

    def _documents(self) -> dict[str, list[DocumentItem]]:
        """New to the tracker this period (first seen), processed, by effective label; newest first."""
        documents = (
            Document.objects.filter(
                first_seen_at__gte=self.start, first_seen_at__lt=self.end, process_status=ProcessStatus.DONE
            )
            .select_related("jurisdiction")
            .only("title", "url", "published_at", "jurisdiction__code")
            .prefetch_related("tags")
            .order_by("-published_at", "-pk")
        )
        by_challenge = defaultdict(list)
        for document in documents:
            for tag in DocumentTag.effective_for(document):
                if tag.labelled:
                    by_challenge[tag.category_id].append(
                        DocumentItem(
                            id=document.pk,
                            title=document.title,
                            url=document.url,
                            jurisdiction=document.jurisdiction.code if document.jurisdiction else "",
                            jurisdiction_id=document.jurisdiction_id,
                            published=timezone.localtime(document.published_at, digest_zone()).date(),
                            evidence=_clip(tag.strongest_evidence),
                        )
                    )
        return by_challenge

    def _thresholds(self) -> list[RegistryItem]:
        """Approved this period, or an approved threshold whose conditions changed (tightened or loosened)."""
        changes = condition_changes_between(self.start, self.end)
        # An approval by the bundled seed data (no reviewer) is how a new install starts, not news.
        approved = Q(reviewed_at__gte=self.start, reviewed_at__lt=self.end) & ~Q(origin=Origin.SEED, reviewed_by=None)
        thresholds = (
            CapabilityThreshold.objects.visible_to(None)
            .filter(approved | Q(pk__in=list(changes)))
            .annotate(approved_now=ExpressionWrapper(approved, output_field=BooleanField()))
            .select_related("instrument__jurisdiction")
            .prefetch_related("challenges", "conditions", "instrument__challenges")
            .order_by("instrument__short_name", "name")
        )
        items = []
        for threshold in thresholds:
            instrument = threshold.instrument
            common = {
                "title": f"{instrument}: {threshold.name}",
                "url": site_url(threshold.get_absolute_url()),
                "jurisdiction": instrument.where,
                "instrument_id": instrument.pk,
                "jurisdiction_id": instrument.jurisdiction_id,
                "challenges": frozenset(c.code for c in threshold.challenges.all())
                or frozenset(c.code for c in instrument.challenges.all()),
                "standing": instrument.standing(self.end.date()),
            }
            if threshold.approved_now:
                detail = threshold.conditions_display()
                items.append(RegistryItem(kind="approved", detail=detail, date=threshold.reviewed_at.date(), **common))
                continue
            steps = changes[threshold.pk]
            directions = {step.direction for step in steps}
            kind = directions.pop() if len(directions) == 1 else "changed"
            detail = "; ".join(f"{step.before or 'no condition'} → {step.after or 'removed'}" for step in steps)
            items.append(RegistryItem(kind=kind, detail=detail, date=steps[-1].when.date(), **common))
        return items

    def _status_changes(self) -> list[RegistryItem]:
        events = list(
            StatusEvent.objects.filter(date__gte=self.start.date(), date__lt=self.end.date())
            .select_related("instrument__jurisdiction")
            .prefetch_related("instrument__challenges")
            .order_by("date", "pk")
        )
        previous = {}
        if events:
            timelines = defaultdict(list)
            rows = StatusEvent.objects.filter(instrument_id__in={event.instrument_id for event in events})
            for instrument_id, pk, status in rows.order_by("date", "pk").values_list("instrument_id", "pk", "status"):
                timeline = timelines[instrument_id]
                previous[pk] = timeline[-1] if timeline else None
                timeline.append(status)
        items = []
        for event in events:
            before = previous.get(event.pk)
            if before == event.status:
                continue
            instrument = event.instrument
            now_status = event.get_status_display().lower()
            detail = f"{InstrumentStatus(before).label.lower()} → {now_status}" if before else f"now {now_status}"
            if event.note:
                detail += f" ({event.note})"
            items.append(self._instrument_item("status", instrument, detail, event.date))
        return items

    def _upcoming(self) -> list[RegistryItem]:
        today = self.end.date()
        instruments = (
            Instrument.objects.filter(
                effective_on__gte=today, effective_on__lte=today + datetime.timedelta(days=UPCOMING_DAYS)
            )
            .exclude(status__in=ENDED_STATUSES)
            .select_related("jurisdiction")
            .prefetch_related("challenges")
            .order_by("effective_on", "pk")
        )
        items = []
        for instrument in instruments:
            days = _plural((instrument.effective_on - today).days, "day")
            status = instrument.get_status_display().lower()
            detail = f"in {days} ({status})"
            items.append(self._instrument_item("upcoming", instrument, detail, instrument.effective_on))
        return items

    def _comment_periods(self) -> list[CommentPeriodItem]:
        """Comment periods open when the digest goes out that close within COMMENT_PERIOD_DAYS, soonest first."""
        today = self.end.date()
        documents = (
            Document.objects.comments_open(today)
            .filter(comments_close_on__lte=today + datetime.timedelta(days=COMMENT_PERIOD_DAYS))
            .select_related("source", "jurisdiction")
            .only(
                "title", "url", "extra", "comments_close_on", "source__name", "source__publisher", "jurisdiction__code"
            )
            .prefetch_related("tags")[:MAX_COMMENT_PERIODS]
        )
        return [
            CommentPeriodItem(
                id=document.pk,
                title=document.title,
                url=document.url,
                issued_by=document.issued_by,
                jurisdiction=document.jurisdiction.code if document.jurisdiction else "",
                jurisdiction_id=document.jurisdiction_id,
                closes=document.comments_close_on,
                days_left=document.days_to_comment(today),
                challenges=frozenset(tag.category_id for tag in DocumentTag.effective_for(document) if tag.labelled),
            )
            for document in documents
        ]

    @staticmethod
    def _instrument_item(kind: str, instrument: Instrument, detail: str, date) -> RegistryItem:
        return RegistryItem(
            kind=kind,
            title=str(instrument),
            url=site_url(instrument.get_absolute_url()),
            detail=detail,
            jurisdiction=instrument.where,
            instrument_id=instrument.pk,
            jurisdiction_id=instrument.jurisdiction_id,
            challenges=frozenset(c.code for c in instrument.challenges.all()),
            date=date,
        )

    def candidates(self) -> dict:
        """Candidate thresholds waiting for review, for staff; read once, the first time a staff digest needs it."""
        if self._candidates is None:
            waiting = CapabilityThreshold.objects.awaiting_review().order_by("-created_at", "-pk")
            rows = list(waiting.values_list("pk", "name")[: MAX_CANDIDATES + 1])
            count = len(rows) if len(rows) <= MAX_CANDIDATES else waiting.count()
            self._candidates = {
                "count": count,
                "more": max(0, count - MAX_CANDIDATES),
                "url": site_url(
                    reverse("admin:registry_capabilitythreshold_changelist") + "?review_status__in=candidate,in_review"
                ),
                "items": [
                    {"name": name, "url": site_url(reverse("admin:registry_capabilitythreshold_change", args=[pk]))}
                    for pk, name in rows[:MAX_CANDIDATES]
                ],
            }
        return self._candidates

    def content_for(self, follows: Follows) -> dict:
        """The digest's content for these follows; subscribers who follow the same things share one."""
        if follows in self._content:
            return self._content[follows]
        sections = []
        for code, name in ChallengeCode.choices:
            if not follows.takes_challenge(code):
                continue
            documents = [item for item in self.documents.get(code, ()) if follows.takes_document(item)]
            if documents:
                sections.append(
                    {
                        "code": code,
                        "name": name,
                        "documents": documents[:MAX_DOCUMENTS_PER_CHALLENGE],
                        "count": len(documents),
                        "more": max(0, len(documents) - MAX_DOCUMENTS_PER_CHALLENGE),
                    }
                )
        thresholds = [item for item in self.thresholds if follows.takes_registry_item(item)]
        status_changes = [item for item in self.status_changes if follows.takes_registry_item(item)]
        upcoming = [item for item in self.upcoming if follows.takes_registry_item(item)]
        # Open comment periods are shown, but are not news on their own: the same ones would fill several weeks.
        comment_periods = [item for item in self.comment_periods if follows.takes_comment_period(item)]
        candidates = self.candidates() if follows.staff else None
        document_count = len({item.id for section in sections for item in section["documents"]})
        document_count += sum(section["more"] for section in sections)
        news = []
        if document_count:
            news.append(_plural(document_count, "new document"))
        for kind in ("approved", "tightened", "loosened", "changed"):
            if count := sum(1 for item in thresholds if item.kind == kind):
                news.append(f"{_plural(count, 'threshold')} {kind}")
        if status_changes:
            news.append(_plural(len(status_changes), "status change"))
        content = {
            "period": self.period,
            "period_label": self.label,
            "sections": sections,
            "thresholds": thresholds,
            "status_changes": status_changes,
            "upcoming": upcoming,
            "upcoming_days": UPCOMING_DAYS,
            "comment_periods": comment_periods,
            "comment_period_days": COMMENT_PERIOD_DAYS,
            "candidates": candidates if candidates and candidates["count"] else None,
            "is_empty": not news,
            "summary": ", ".join(news),
        }
        self._content[follows] = content
        return content


class Directory:
    """Names for describing follows, and who is staff; read once per run."""

    def __init__(self):
        self.staff_emails = set(
            get_user_model()
            .objects.filter(is_staff=True, is_active=True)
            .exclude(email="")
            .annotate(lower_email=Lower("email"))
            .values_list("lower_email", flat=True)
        )
        self.jurisdictions = dict(Jurisdiction.objects.values_list("pk", "code"))
        self._instruments = None
        self._descriptions: dict[Follows, str] = {}

    def instrument_names(self) -> dict[int, str]:
        if self._instruments is None:
            self._instruments = {row.pk: str(row) for row in Instrument.objects.only("title", "short_name")}
        return self._instruments

    def follows_of(self, subscribers: list[Subscriber]) -> dict[int, Follows]:
        """Each subscriber's follows, in three queries for the whole batch."""
        ids = [subscriber.pk for subscriber in subscribers]
        sets = {}
        for name, column in (("challenges", "challenge_id"), ("jurisdictions", "jurisdiction_id")):
            through = getattr(Subscriber, name).through
            chosen = defaultdict(set)
            for subscriber_id, value in through.objects.filter(subscriber_id__in=ids).values_list(
                "subscriber_id", column
            ):
                chosen[subscriber_id].add(value)
            sets[name] = chosen
        instruments = defaultdict(set)
        rows = Subscriber.instruments.through.objects.filter(subscriber_id__in=ids)
        for subscriber_id, value in rows.values_list("subscriber_id", "instrument_id"):
            instruments[subscriber_id].add(value)

        def places(followed: set[int]) -> frozenset[int]:
            codes = [self.jurisdictions[pk] for pk in followed if pk in self.jurisdictions]
            return frozenset(pk for pk, code in self.jurisdictions.items() if Jurisdiction.within(code, codes))

        return {
            subscriber.pk: Follows(
                challenges=frozenset(sets["challenges"][subscriber.pk]),
                jurisdictions=frozenset(sets["jurisdictions"][subscriber.pk]),
                places=places(sets["jurisdictions"][subscriber.pk]),
                instruments=frozenset(instruments[subscriber.pk]),
                staff=subscriber.email.lower() in self.staff_emails,
            )
            for subscriber in subscribers
        }

    def describe(self, follows: Follows) -> str:
        if follows not in self._descriptions:
            labels = dict(ChallengeCode.choices)
            challenges = ", ".join(labels[code] for code in sorted(follows.challenges)) or "all challenges"
            places = ", ".join(sorted(self.jurisdictions.get(pk, "?") for pk in follows.jurisdictions))
            parts = [challenges, places or "all jurisdictions"]
            if follows.instruments:
                names = self.instrument_names()
                parts.append("instruments: " + ", ".join(sorted(names.get(pk, "?") for pk in follows.instruments)))
            self._descriptions[follows] = "; ".join(parts)
        return self._descriptions[follows]


def digest_message(*, subscriber: Subscriber, content: dict, following: str, connection=None):
    """The digest email for one subscriber (the one place its headers are set)."""
    period = content["period"]
    if "news_text" not in content:
        # The week's news is the same for everyone who follows the same things: rendered once for them all.
        content["news_text"], content["news_html"] = render_part("digest-news", content)
    token = unsubscribe_token(subscriber)
    context = {
        **content,
        "email": subscriber.email,
        "following": following,
        "manage_url": manage_url(subscriber),
        "unsubscribe_url": unsubscribe_url(subscriber, token=token),
    }
    headers = {
        **list_unsubscribe_headers(subscriber, token=token),
        "List-Id": f"AI Governance Tracker weekly digest <digest.{mail_domain()}>",
        "Auto-Submitted": "auto-generated",
    }
    return make_message(
        "digest",
        subscriber.email,
        context,
        headers=headers,
        message_id_key=message_id_key(subscriber.pk, period),
        connection=connection,
    )


def message_id_key(subscriber_id: int, period: str) -> str:
    return f"digest:{subscriber_id}:{period}"


def digest_for(*, subscriber: Subscriber, period: str) -> dict:
    """The content of a subscriber's digest for a period (the same whatever else is sent)."""
    directory = Directory()
    return PeriodNews(period).content_for(directory.follows_of([subscriber])[subscriber.pk])


def previews(*, period: str, subscribers) -> list:
    """The digest emails these subscribers would get for the period, built but not sent or recorded."""
    directory, news = Directory(), PeriodNews(period)
    subscribers = list(subscribers)
    follows = directory.follows_of(subscribers)
    messages = []
    for subscriber in subscribers:
        content = news.content_for(follows[subscriber.pk])
        messages.append(
            (
                content,
                digest_message(
                    subscriber=subscriber, content=content, following=directory.describe(follows[subscriber.pk])
                ),
            )
        )
    return messages
