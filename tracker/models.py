"""The tracker's data: sources and their fetch runs, documents with versions and sightings, tags and mentions,
subscribers and their weekly digest deliveries."""

import datetime
import hashlib
import random
import re
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db import connection, models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When, Window
from django.db.models.functions import Abs, Lower, RowNumber
from django.urls import reverse
from django.utils import timezone

from registry import formatting
from registry.models import CapabilityThreshold, Challenge, Instrument, Jurisdiction
from registry.vocabulary import Metric, Operator, choice_values

MAX_BACKOFF = datetime.timedelta(hours=24)
# A claimed source whose pull never reports back becomes due again after this long (a lost message, a killed worker).
SOURCE_CLAIM_TIMEOUT = datetime.timedelta(minutes=15)


class SourceKind(models.TextChoices):
    RSS = "rss", "RSS feed"
    ATOM = "atom", "Atom feed"
    FEDERAL_REGISTER = "federal_register", "Federal Register API"
    HTML = "html", "HTML page"
    PDF = "pdf", "PDF document"


class SourceQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(active=True, next_due_at__lte=now or timezone.now())


class Source(models.Model):
    """A public place the tracker polls for policy documents."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    url = models.URLField(max_length=1000, help_text="The feed, API query, page or PDF address.")
    publisher = models.CharField(max_length=200, blank=True)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.SET_NULL, null=True, blank=True)
    active = models.BooleanField(default=True)
    poll_minutes = models.PositiveIntegerField(default=60, help_text="How often to poll when all is well.")
    keywords = models.CharField(
        max_length=300, blank=True, help_text="Keep only items mentioning one of these comma-separated words."
    )
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    next_due_at = models.DateTimeField(default=timezone.now)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "url"], name="source_unique_url_per_kind"),
            models.CheckConstraint(condition=Q(kind__in=choice_values(SourceKind)), name="source_kind_known"),
            models.CheckConstraint(condition=Q(poll_minutes__gte=1), name="source_poll_at_least_a_minute"),
        ]
        indexes = [
            # dispatch_due_sources: active sources whose next_due_at has passed.
            models.Index(fields=["next_due_at"], condition=Q(active=True), name="source_due"),
        ]

    def __str__(self):
        return self.name

    @property
    def keyword_pattern(self) -> re.Pattern | None:
        """Whole words or phrases, any case; None keeps every item."""
        words = [re.escape(word.strip()) for word in self.keywords.split(",") if word.strip()]
        return re.compile(rf"\b(?:{'|'.join(words)})\b", re.IGNORECASE) if words else None

    def backoff(self, retry_after: float | None = None) -> datetime.timedelta:
        """Doubling delay after each consecutive failure, with jitter, capped at a day."""
        base = datetime.timedelta(minutes=self.poll_minutes) * 2 ** min(self.consecutive_failures, 16)
        delay = min(base, MAX_BACKOFF) * random.uniform(0.9, 1.1)
        return max(delay, datetime.timedelta(seconds=retry_after or 0))

    def record_success(self, *, now, etag: str | None = None, last_modified: str | None = None):
        self.etag = etag or ""
        self.last_modified = last_modified or ""
        self.consecutive_failures = 0
        self.last_error = ""
        self.last_success_at = now
        self.next_due_at = now + datetime.timedelta(minutes=self.poll_minutes)
        fields = ["etag", "last_modified", "consecutive_failures", "last_error", "last_success_at", "next_due_at"]
        self.save(update_fields=fields)

    def record_failure(self, *, now, error: str, retry_after: float | None = None):
        self.consecutive_failures += 1
        self.last_error = error[:2000]
        self.last_error_at = now
        self.next_due_at = now + self.backoff(retry_after)
        self.save(update_fields=["consecutive_failures", "last_error", "last_error_at", "next_due_at"])

    def reset_backoff(self, *, now):
        self.consecutive_failures = 0
        self.next_due_at = now
        self.save(update_fields=["consecutive_failures", "next_due_at"])


class FetchRunQuerySet(models.QuerySet):
    def latest_per_source(self, count: int):
        """Each source's `count` most recent runs."""
        rank = Window(RowNumber(), partition_by=F("source_id"), order_by=[F("started_at").desc(), F("pk").desc()])
        ranked = FetchRun.objects.annotate(rank=rank).filter(rank__lte=count)
        return self.filter(pk__in=ranked.values("pk"))

    def prunable(self, *, now, keep: int, keep_days: int):
        """Runs that are neither among their source's `keep` latest nor younger than `keep_days` days."""
        recent = self.latest_per_source(keep).values("pk")
        return self.filter(started_at__lt=now - datetime.timedelta(days=keep_days)).exclude(pk__in=recent)


class FetchRun(models.Model):
    """One pull of one source: what came back and what it changed."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        OK = "ok", "OK"
        NOT_MODIFIED = "not_modified", "Not modified"
        FAILED = "failed", "Failed"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RUNNING)
    items_seen = models.PositiveIntegerField(default=0)
    documents_new = models.PositiveIntegerField(default=0)
    documents_updated = models.PositiveIntegerField(default=0)
    documents_unchanged = models.PositiveIntegerField(default=0)
    items_rejected = models.PositiveIntegerField(default=0, help_text="Items left out as unusable.")
    rejections = models.TextField(blank=True, help_text="Why the first of them were left out.")
    error = models.TextField(blank=True)

    objects = FetchRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            # A source's latest runs, in the admin.
            models.Index(fields=["source", "-started_at"], name="fetchrun_by_source"),
        ]

    def __str__(self):
        return f"{self.source} at {self.started_at:%Y-%m-%d %H:%M}: {self.get_status_display()}"


_WHITESPACE = re.compile(r"\s+")
# Every stored address is a web address: anything else (javascript:, data:) would be a live link in digests.
_WEB_URL = Q(url__istartswith="http://") | Q(url__istartswith="https://")


def is_web_url(url: str) -> bool:
    """An absolute http or https address with a host: the one rule for every address a document is stored under."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def text_hash(text: str) -> str:
    """The same for texts that differ only in spacing or case."""
    return hashlib.sha256(_WHITESPACE.sub(" ", text).strip().casefold().encode("utf-8")).hexdigest()


class ProcessStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be processed"
    DONE = "done", "Processed"
    PARKED = "parked", "Parked after repeated failures"


class DocumentQuerySet(models.QuerySet):
    def awaiting_processing(self):
        """Documents not yet processed: new ones, and those whose text changed since they were."""
        return self.filter(process_status=ProcessStatus.PENDING)

    def parked(self):
        return self.filter(process_status=ProcessStatus.PARKED)

    def comments_open(self, on=None):
        """Documents still taking public comments on a day (today by default), soonest deadline first."""
        on = on or timezone.localdate()
        return self.filter(comments_close_on__gte=on).order_by("comments_close_on", "pk")

    def comments_closed_recently(self, on=None, *, days: int = 30):
        """Documents whose comment period ended in the `days` before a day, latest deadline first."""
        on = on or timezone.localdate()
        start = on - datetime.timedelta(days=days)
        return self.filter(comments_close_on__lt=on, comments_close_on__gte=start).order_by("-comments_close_on", "-pk")

    def tagged_by_another_model(self, version: str):
        """Processed documents whose machine tags a model other than `version` made: the ones to re-tag."""
        stale = DocumentTag.objects.filter(document=OuterRef("pk"), origin=TagOrigin.MACHINE).exclude(
            tagger_version=version
        )
        return self.filter(Exists(stale), process_status=ProcessStatus.DONE)

    def about(self, category, *, least: float | None = None):
        """Documents that carry a label, a person's correction winning over the machine; with `least`, only machine
        labels scored at least that (a person's correction carries no score of its own: it counts as certain)."""
        tags = DocumentTag.objects.effective().filter(document=OuterRef("pk"), category=category, labelled=True)
        if least is not None:
            tags = tags.filter(Q(score__gte=least) | Q(origin=TagOrigin.PERSON))
        return self.filter(Exists(tags))

    def mentioning(self, threshold_ids):
        """Documents in which a figure was read and linked to one of these thresholds (ThresholdMention)."""
        return self.filter(pk__in=ThresholdMention.objects.filter(threshold_id__in=threshold_ids).values("document_id"))

    def search(self, query: str):
        """Full-text search ranked by relevance on PostgreSQL (title above body); plain matching elsewhere."""
        if connection.vendor == "postgresql":
            from django.contrib.postgres.search import SearchQuery, SearchRank

            # Each "-" is a NOT; a run of them nests past PostgreSQL's tsquery stack ("stack too small"): one will do.
            query = re.sub(r"-(?:[\s-]*-)+", "-", query)
            search_query = SearchQuery(query, search_type="websearch", config="english")
            return (
                self.alias(search=StoredSearchVector(), rank=SearchRank(StoredSearchVector(), search_query))
                .filter(search=search_query)
                .order_by("-rank", "-published_at")
            )
        matches = self
        for word in re.findall(r"[^\s\"]+", query):  # a quoted phrase's words, as PostgreSQL reads them
            matches = matches.filter(Q(title__icontains=word) | Q(text__icontains=word))
        return matches.order_by("-published_at")


class StoredSearchVector(models.Expression):
    """The document's `search_vector` column: title weighted above body, generated by PostgreSQL from both and
    indexed with GIN (migration 0005). The model does not declare it, so SQLite never sees it."""

    def __init__(self):
        from django.contrib.postgres.search import SearchVectorField

        super().__init__(output_field=SearchVectorField())

    def as_sql(self, compiler, connection):
        table = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        return f"{table}.search_vector", []


class Document(models.Model):
    """A policy document, however many sources it was seen through; its text is the latest version's."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="documents", help_text="First seen in.")
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    url = models.URLField(max_length=1000)
    canonical_url = models.CharField(max_length=1000, blank=True)
    title = models.CharField(max_length=1000)
    summary = models.TextField(blank=True)
    text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.SET_NULL, null=True, blank=True)
    published_at = models.DateTimeField(help_text="Published, else updated, else first seen.")
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    needs_ocr = models.BooleanField(default=False)
    extra = models.JSONField(default=dict, blank=True)
    process_status = models.CharField(max_length=10, choices=ProcessStatus.choices, default=ProcessStatus.PENDING)
    process_attempts = models.PositiveSmallIntegerField(default=0)
    process_error = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    comments_close_on = models.DateField(
        null=True, blank=True, help_text="The last day of its public comment period, where the source gives one."
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["canonical_url"], condition=~Q(canonical_url=""), name="document_unique_canonical_url"
            ),
            models.CheckConstraint(
                condition=Q(process_status__in=choice_values(ProcessStatus)), name="document_process_status_known"
            ),
            models.CheckConstraint(condition=_WEB_URL, name="document_url_is_web_address"),
        ]
        indexes = [
            # The same text seen under another address is the same document.
            models.Index(fields=["content_hash"], name="document_content_hash"),
            # Lists newest first, and so within one jurisdiction or one source (a filter matching few documents
            # otherwise walks the whole newest-first index).
            models.Index(fields=["-published_at", "-id"], name="document_newest"),
            models.Index(fields=["jurisdiction", "-published_at", "-id"], name="document_jurisdiction_newest"),
            models.Index(fields=["source", "-published_at", "-id"], name="document_source_newest"),
            # The sweep re-queues documents still pending.
            models.Index(fields=["queued_at"], condition=Q(process_status="pending"), name="document_pending"),
            # The home page: documents first seen this week, newest first.
            models.Index(fields=["-first_seen_at", "-id"], name="document_first_seen"),
            # Open comment periods, soonest deadline first.
            models.Index(
                fields=["comments_close_on", "id"],
                condition=Q(comments_close_on__isnull=False),
                name="document_comments_close",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("document", args=[self.pk])

    @property
    def issued_by(self) -> str:
        """Who published it: the agencies the source names, else the source's publisher or name."""
        agencies = self.extra.get("agencies") if isinstance(self.extra, dict) else None
        if isinstance(agencies, list) and all(isinstance(name, str) for name in agencies) and agencies:
            return "; ".join(agencies)
        return self.source.publisher or self.source.name

    def days_to_comment(self, on=None) -> int | None:
        """Days left to send a comment (0 on the last day), negative once the period closed; None without one."""
        if self.comments_close_on is None:
            return None
        return (self.comments_close_on - (on or timezone.localdate())).days

    @property
    def labels(self) -> list[str]:
        return sorted(tag.category_id for tag in DocumentTag.effective_for(self) if tag.labelled)


class Sighting(models.Model):
    """Where and under which id a source lists a document: the upsert key."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="sightings")
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="sightings")
    external_id = models.CharField(max_length=1000)
    url = models.URLField(max_length=1000, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="sighting_unique_per_source"),
            models.CheckConstraint(condition=Q(url="") | _WEB_URL, name="sighting_url_is_web_address"),
        ]

    def __str__(self):
        return f"{self.source}: {self.external_id}"


class DocumentVersion(models.Model):
    """A document's text as it was at one time; a change of text makes a new version."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=1000)
    text = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    source = models.ForeignKey(Source, on_delete=models.SET_NULL, null=True, blank=True)
    fetched_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_positive"),
        ]

    def __str__(self):
        return f"{self.document} (v{self.number})"


class TagOrigin(models.TextChoices):
    MACHINE = "machine", "Tagger"
    PERSON = "person", "Person"


class DocumentTagQuerySet(models.QuerySet):
    def effective(self):
        """One tag per document and category: a person's correction where there is one, else the machine's."""
        correction = DocumentTag.objects.filter(
            origin=TagOrigin.PERSON, document=OuterRef("document"), category=OuterRef("category")
        )
        return self.filter(Q(origin=TagOrigin.PERSON) | (Q(origin=TagOrigin.MACHINE) & ~Exists(correction)))

    def to_review(self):
        """The current model's uncorrected tags, ordered by its uncertainty: |score - threshold|, smallest first."""
        from tracker import tagging

        return (
            self.effective()
            .filter(origin=TagOrigin.MACHINE, tagger_version=tagging.tagger_version())
            .order_by(uncertainty(), "pk")
        )


def uncertainty():
    """How far a machine tag's score is from its category's threshold: the nearer, the less sure the model."""
    from tracker import tagging

    at = Case(*(When(category=code, then=Value(t)) for code, t in tagging.thresholds().items()), default=Value(0.5))
    return Abs(F("score") - at).asc()


class DocumentTag(models.Model):
    """A document's place under one challenge, with the passages that justify it."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="tags")
    category = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="document_tags")
    origin = models.CharField(max_length=10, choices=TagOrigin.choices, default=TagOrigin.MACHINE)
    labelled = models.BooleanField(help_text="Whether the document is about this challenge.")
    score = models.FloatField(default=0)
    evidence = models.JSONField(default=list, blank=True, help_text="[{start, end, text}] passages.")
    tagger_version = models.CharField(max_length=40, blank=True)
    tagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentTagQuerySet.as_manager()

    class Meta:
        ordering = ["document", "category", "origin"]
        constraints = [
            models.UniqueConstraint(fields=["document", "category", "origin"], name="tag_unique_per_origin"),
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=1), name="tag_score_in_unit_range"),
            models.CheckConstraint(
                condition=Q(origin=TagOrigin.PERSON) | ~Q(tagger_version=""), name="tag_machine_has_version"
            ),
        ]
        indexes = [
            # Documents by challenge: effective labels per category.
            models.Index(fields=["category", "labelled", "origin"], name="tag_by_category"),
        ]

    def __str__(self):
        return f"{self.category_id}: {'yes' if self.labelled else 'no'} ({self.get_origin_display()})"

    @classmethod
    def correct(cls, *, document, category: str, labelled: bool, by, note: str = "") -> "DocumentTag":
        """A person's correction of one category on one document (the admin's and the API's one way to make it): it
        wins over the machine's tag, survives re-tagging, and replaces the same category's earlier correction."""
        tag, _ = cls.objects.update_or_create(
            document=document,
            category_id=category,
            origin=TagOrigin.PERSON,
            defaults={
                "labelled": labelled,
                "note": note,
                "tagged_by": by,
                "score": 1.0 if labelled else 0.0,
                "evidence": [],
                "tagger_version": "",
            },
        )
        return tag

    @staticmethod
    def _effective(tags) -> dict:
        """(key, origin, tag) triples -> {key: tag}: a person's correction wins over the machine's tag."""
        chosen = {}
        for key, origin, tag in tags:
            if origin == TagOrigin.PERSON or key not in chosen:
                chosen[key] = tag
        return chosen

    @classmethod
    def effective_for(cls, document) -> list["DocumentTag"]:
        tags = cls._effective((tag.category_id, tag.origin, tag) for tag in document.tags.all())
        return sorted(tags.values(), key=lambda tag: tag.category_id)

    ROW_FIELDS = ("category", "labelled", "score", "origin", "evidence", "tagger_version", "note")

    @classmethod
    def effective_rows(cls, document_ids) -> dict[int, list[dict]]:
        """Each document's effective tags as plain dicts (ROW_FIELDS), by category: the same choice as
        effective_for, for a page of a list. One plain SQL statement: through the ORM, preparing the IN list and
        converting each value cost five times the query itself on a 50-document page, and bench/api.py's floor (the
        documents list's p99 under 50 ms) was met with little to spare."""
        document_ids = [int(document_id) for document_id in document_ids]
        if not document_ids:
            return {}
        sql = (
            "SELECT document_id, category_id, labelled, score, origin, evidence, tagger_version, note "
            f"FROM {cls._meta.db_table} WHERE document_id IN ({', '.join(['%s'] * len(document_ids))}) "
            "ORDER BY document_id, category_id, origin"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, document_ids)
            rows = cursor.fetchall()
        chosen = cls._effective(
            ((document_id, category), origin, (category, labelled, score, origin, evidence, version, note))
            for document_id, category, labelled, score, origin, evidence, version, note in rows
        )
        by_document = {}
        for (document_id, _), (category, labelled, score, origin, evidence, version, note) in chosen.items():
            by_document.setdefault(document_id, []).append(
                {
                    "category": category,
                    "labelled": bool(labelled),
                    "score": score,
                    "origin": origin,
                    "evidence": orjson.loads(evidence) if isinstance(evidence, (str, bytes)) else evidence,
                    "tagger_version": version,
                    "note": note,
                }
            )
        return by_document

    @classmethod
    def labelled_counts(cls, document_ids) -> dict[str, int]:
        """How many of these documents carry each label, by the same choice as effective_for: for a list's facets.
        One plain SQL statement, for the reason effective_rows gives."""
        document_ids = [int(document_id) for document_id in document_ids]
        if not document_ids:
            return {}
        table, places = cls._meta.db_table, ", ".join(["%s"] * len(document_ids))
        sql = (
            f"SELECT category_id, COUNT(*) FROM {table} t WHERE document_id IN ({places}) "
            "AND labelled AND (origin = %s OR NOT EXISTS (SELECT 1 FROM "
            f"{table} p WHERE p.document_id = t.document_id AND p.category_id = t.category_id AND p.origin = %s)) "
            "GROUP BY category_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*document_ids, TagOrigin.PERSON, TagOrigin.PERSON])
            return dict(cursor.fetchall())

    @property
    def strongest_evidence(self) -> str:
        return self.evidence[0]["text"] if self.evidence else ""


class ThresholdMention(models.Model):
    """A threshold figure read in a document, linked to a known threshold or to a candidate awaiting review."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="mentions")
    metric = models.CharField(max_length=30, choices=Metric.choices)
    operator = models.CharField(max_length=3, choices=Operator.choices, blank=True)
    value = models.FloatField()
    currency = models.CharField(max_length=3, blank=True)
    text = models.CharField(max_length=300)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    sentence = models.TextField()
    threshold = models.ForeignKey(
        CapabilityThreshold, on_delete=models.SET_NULL, null=True, blank=True, related_name="mentions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "start"]
        constraints = [
            models.UniqueConstraint(fields=["document", "start", "metric"], name="mention_unique_per_place"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="mention_span_not_empty"),
        ]

    def __str__(self):
        return self.text

    @property
    def figure_display(self) -> str:
        """The normalised figure in words: "more than 10^26 FLOP of training compute", or the figure alone."""
        if self.operator:
            return formatting.condition(self.metric, self.operator, self.value)
        return formatting.figure(self.metric, self.value)


class SubscriberQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not unsubscribed: the only addresses a digest goes to."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def failing(self):
        return self.filter(failing_since__isnull=False)

    def with_email(self, email: str):
        return self.filter(email__iexact=email.strip())


class Subscriber(models.Model):
    """An address that gets the weekly digest once confirmed; an empty list of follows means all of them."""

    email = models.EmailField(max_length=254)
    challenges = models.ManyToManyField(Challenge, blank=True, related_name="subscribers")
    jurisdictions = models.ManyToManyField(Jurisdiction, blank=True, related_name="subscribers")
    instruments = models.ManyToManyField(Instrument, blank=True, related_name="subscribers")
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0, help_text="Failed sends since the last success.")
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="Set once sends keep failing; cleared by the next successful send."
    )
    last_error = models.TextField(blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_unique_any_case"),
            models.CheckConstraint(
                condition=Q(failing_since__isnull=True) | Q(consecutive_failures__gt=0),
                name="subscriber_failing_has_failures",
            ),
        ]
        indexes = [
            # send_digests: the confirmed, still subscribed addresses.
            models.Index(fields=["confirmed_at"], condition=Q(unsubscribed_at__isnull=True), name="subscriber_active"),
        ]

    def __str__(self):
        return self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def state(self) -> str:
        if self.unsubscribed_at:
            return "unsubscribed"
        return "confirmed" if self.confirmed_at else "awaiting confirmation"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class DigestDelivery(models.Model):
    """One subscriber's digest for one week: the row is claimed before the email is sent, and exists once."""

    Status = DeliveryStatus

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    period = models.CharField(max_length=8, help_text="The ISO week it covers, e.g. 2026-W48.")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When a failed send is tried again; empty once it gave up."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period", "pk"]
        verbose_name_plural = "digest deliveries"
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "period"], name="digest_once_per_period"),
            models.CheckConstraint(
                condition=Q(status__in=choice_values(DeliveryStatus)), name="digest_delivery_status_known"
            ),
            models.CheckConstraint(condition=Q(period__regex=r"^[0-9]{4}-W[0-9]{2}$"), name="digest_period_iso_week"),
            models.CheckConstraint(condition=~Q(status="sent") | Q(sent_at__isnull=False), name="digest_sent_has_time"),
        ]
        indexes = [
            # The sender claims rows still to send: pending, failed and due again, or held by a worker that died.
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["pending", "sending", "failed"]),
                name="digest_delivery_to_send",
            ),
        ]

    def __str__(self):
        return f"{self.subscriber} {self.period}: {self.get_status_display()}"
