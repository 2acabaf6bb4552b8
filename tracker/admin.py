"""The tracker's admin: sources with their errors and actions, documents with tags, mentions and versions,
subscribers (with a preview of their next digest) and every digest delivery with its status."""

import difflib

from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from registry.admin import HTTPS_URLS
from tracker import digests, processing
from tracker.models import (
    DigestDelivery,
    Document,
    DocumentTag,
    DocumentVersion,
    FetchRun,
    Source,
    Subscriber,
    ThresholdMention,
    uncertainty,
)
from tracker.tasks import pull_source, send_after_commit, send_digest_delivery

INLINE_RUNS = 50
# An email's HTML needs its inline styles and images, nothing else.
PREVIEW_CSP = (
    "default-src 'none'; script-src 'none'; object-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


class FetchRunInline(admin.TabularInline):
    model = FetchRun
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["started_at", "finished_at", "status", "items_seen", "documents_new", "documents_updated"]
    fields += ["documents_unchanged", "items_rejected", "rejections", "error"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).latest_per_source(INLINE_RUNS)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "kind", "active", "jurisdiction", "last_success_at", "next_due_at", "health"]
    list_filter = ["kind", "active", "jurisdiction"]
    search_fields = ["name", "url", "publisher"]
    readonly_fields = ["etag", "last_modified", "consecutive_failures", "last_error", "last_error_at"]
    readonly_fields += ["last_success_at"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "url", "publisher", "jurisdiction", "keywords", "active", "poll_minutes"]}),
        ("State", {"fields": ["next_due_at", *readonly_fields]}),
    ]
    inlines = [FetchRunInline]
    actions = ["pull_now", "reset_backoff"]

    def get_queryset(self, request):
        latest = FetchRun.objects.filter(source=OuterRef("pk")).order_by("-started_at")
        return super().get_queryset(request).annotate(last_rejected=Subquery(latest.values("items_rejected")[:1]))

    @admin.display(description="Health")
    def health(self, source):
        if not source.consecutive_failures:
            if not source.last_success_at:
                return "never fetched"
            if source.last_rejected:
                return format_html(
                    '<span class="health-warning">ok, {} item(s) rejected in the last run</span>', source.last_rejected
                )
            return "ok"
        return format_html(
            '<span class="health-failing" title="{}">{} failure(s): {}</span>',
            source.last_error,
            source.consecutive_failures,
            source.last_error[:120],
        )

    @admin.action(description="Pull now")
    def pull_now(self, request, queryset):
        for source in queryset:
            send_after_commit(pull_source, source.pk)
        self.message_user(request, f"Queued {queryset.count()} source(s) for pulling.", messages.SUCCESS)

    @admin.action(description="Reset backoff (due now)")
    def reset_backoff(self, request, queryset):
        now = timezone.now()
        for source in queryset:
            source.reset_backoff(now=now)
        self.message_user(request, f"Reset {queryset.count()} source(s).", messages.SUCCESS)


@admin.register(FetchRun)
class FetchRunAdmin(admin.ModelAdmin):
    list_display = ["source", "started_at", "finished_at", "status", "items_seen", "documents_new"]
    list_display += ["documents_updated", "items_rejected", "error"]
    list_filter = ["status", "source"]
    list_select_related = ["source"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TagInline(admin.TabularInline):
    """Machine tags and people's corrections; add a row with origin "Person" to correct the tagger."""

    model = DocumentTag
    extra = 0
    fields = ["category", "origin", "labelled", "score", "evidence_passages", "tagger_version", "note", "tagged_by"]
    readonly_fields = ["score", "evidence_passages", "tagger_version", "tagged_by"]

    @admin.display(description="Evidence")
    def evidence_passages(self, tag):
        return format_html_join("", "<p>“{}”</p>", ((e["text"],) for e in tag.evidence[:3])) or "—"


class MentionInline(admin.TabularInline):
    model = ThresholdMention
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["text", "metric", "operator", "value", "currency", "threshold", "sentence"]
    readonly_fields = fields


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["number", "title", "fetched_at", "source", "content_hash"]
    readonly_fields = fields


class LabelFilter(admin.SimpleListFilter):
    title = "challenge"
    parameter_name = "challenge"

    def lookups(self, request, model_admin):
        from registry.vocabulary import ChallengeCode

        return ChallengeCode.choices

    def queryset(self, request, queryset):
        return queryset.about(self.value()) if self.value() else queryset


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "source", "published_at", "label_list", "process_status"]
    list_filter = [LabelFilter, "process_status", "kind", "source", "jurisdiction", "needs_ocr"]
    search_fields = ["title", "url"]
    date_hierarchy = "published_at"
    readonly_fields = [
        "summary", "text", "source", "kind", "url", "canonical_url", "content_hash", "first_seen_at",
        "last_seen_at", "needs_ocr", "process_status", "process_attempts", "process_error", "processed_at",
        "latest_change",
    ]  # fmt: skip
    # The text is what the source published (each change is a version): it is read, not edited, here.
    fields = ["title", "published_at", "jurisdiction", "comments_close_on", *readonly_fields]
    inlines = [TagInline, MentionInline, VersionInline]
    actions = ["retag"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source").prefetch_related("tags")

    def has_add_permission(self, request):
        return False  # documents come from sources, pull_url or ingest_file

    @admin.display(description="Challenges")
    def label_list(self, document):
        return ", ".join(document.labels) or "—"

    @admin.display(description="Latest change of text")
    def latest_change(self, document):
        latest = list(document.versions.order_by("-number")[:2])
        if len(latest) < 2:
            return "Only one version so far."
        new, old = latest
        lines = difflib.unified_diff(
            old.text.splitlines(), new.text.splitlines(), f"v{old.number} ({old.fetched_at:%Y-%m-%d})",
            f"v{new.number} ({new.fetched_at:%Y-%m-%d})", n=1, lineterm="",
        )  # fmt: skip
        kinds = {"+": "added", "-": "removed", "@": "hunk"}
        rows = ((kinds.get(line[:1], "same"), line) for line in lines)
        body = format_html_join("", '<div class="{}">{}</div>', rows)
        return format_html('<pre class="version-diff">{}</pre>', body)

    def save_formset(self, request, form, formset, change):
        if formset.model is not DocumentTag:
            return super().save_formset(request, form, formset, change)
        # Every row a person added or edited is a correction: a machine tag edited here stays as the tagger left it
        # and the person's verdict is recorded beside it.
        for tag in formset.save(commit=False):
            DocumentTag.correct(
                document=form.instance, category=tag.category_id, labelled=tag.labelled, by=request.user, note=tag.note
            )
        for tag in formset.deleted_objects:
            tag.delete()

    @admin.action(description="Re-tag selected documents")
    def retag(self, request, queryset):
        documents = list(queryset)
        processing.tag_documents(documents=documents)
        self.message_user(request, f"Re-tagged {len(documents)} document(s).", messages.SUCCESS)


@admin.register(ThresholdMention)
class ThresholdMentionAdmin(admin.ModelAdmin):
    list_display = ["text", "metric", "value", "currency", "document", "threshold"]
    list_filter = ["metric", "currency"]
    search_fields = ["text", "sentence", "document__title"]
    list_select_related = ["document", "threshold"]

    def has_add_permission(self, request):
        return False


class ReviewFilter(admin.SimpleListFilter):
    """The current model's tags no person has corrected yet, the least certain first: a correction there teaches the
    next model the most."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("uncertain", "To review, least certain first")]

    def queryset(self, request, queryset):
        return queryset.to_review() if self.value() == "uncertain" else queryset


@admin.register(DocumentTag)
class DocumentTagAdmin(admin.ModelAdmin):
    list_display = ["document", "category", "origin", "labelled", "score", "tagger_version"]
    list_filter = [ReviewFilter, "category", "origin", "labelled", "tagger_version"]
    list_select_related = ["document", "category"]
    search_fields = ["document__title"]

    def get_ordering(self, request):
        # The changelist puts the admin's ordering before the queryset's: the review order must come first.
        if request.GET.get(ReviewFilter.parameter_name) == "uncertain":
            return [uncertainty(), "pk"]
        return super().get_ordering(request)


class SubscriberStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Confirmed"), ("unconfirmed", "Awaiting confirmation"), ("unsubscribed", "Unsubscribed")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "unconfirmed":
            return queryset.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        if self.value() == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False)
        return queryset


class FailingFilter(admin.SimpleListFilter):
    title = "sends"
    parameter_name = "failing"

    def lookups(self, request, model_admin):
        return [("yes", "Keep failing (flagged)")]

    def queryset(self, request, queryset):
        return queryset.failing() if self.value() == "yes" else queryset


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "state", "follows", "created_at", "confirmed_at", "health"]
    list_filter = [SubscriberStateFilter, FailingFilter, "challenges", "jurisdictions"]
    search_fields = ["email"]
    filter_horizontal = ["instruments"]
    readonly_fields = ["created_at", "confirmation_sent_at", "consecutive_failures", "failing_since", "last_error"]
    readonly_fields += ["preview"]
    fields = ["email", "challenges", "jurisdictions", "instruments", "confirmed_at", "unsubscribed_at"]
    fields += readonly_fields
    actions = ["preview_next_digest"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("challenges", "jurisdictions", "instruments")

    def get_urls(self):
        preview = self.admin_site.admin_view(self.preview_view)
        return [path("<int:pk>/preview/", preview, name="tracker_subscriber_preview"), *super().get_urls()]

    @admin.display(description="Follows")
    def follows(self, subscriber):
        challenges = ", ".join(c.code for c in subscriber.challenges.all()) or "all challenges"
        places = ", ".join(j.code for j in subscriber.jurisdictions.all()) or "all jurisdictions"
        instruments = len(subscriber.instruments.all())
        return f"{challenges}; {places}" + (f"; {instruments} instrument(s)" if instruments else "")

    @admin.display(description="Sends")
    def health(self, subscriber):
        if not subscriber.consecutive_failures:
            return "ok"
        flag = "flagged, " if subscriber.failing_since else ""
        return format_html(
            '<span class="health-failing" title="{}">{}{} failure(s): {}</span>',
            subscriber.last_error,
            flag,
            subscriber.consecutive_failures,
            subscriber.last_error[:120],
        )

    @admin.display(description="Next digest")
    def preview(self, subscriber):
        if not subscriber.pk:
            return "—"
        url = reverse("admin:tracker_subscriber_preview", args=[subscriber.pk])
        return format_html('<a href="{}" target="_blank">Preview the next digest</a>', url)

    def preview_view(self, request, pk):
        subscriber = self.get_object(request, str(pk))
        if subscriber is None or not self.has_view_permission(request, subscriber):
            raise Http404("No such subscriber.")
        period = digests.next_period(timezone.now())
        [(_content, message)] = digests.previews(period=period, subscribers=[subscriber])
        if request.GET.get("format") == "text":
            return HttpResponse(message.body, content_type="text/plain; charset=utf-8")
        response = HttpResponse(message.alternatives[0][0])
        # The digest quotes what sources published: no script or plugin in it may run in the admin's origin.
        response["Content-Security-Policy"] = PREVIEW_CSP
        return response

    @admin.action(description="Preview the next digest (one subscriber)")
    def preview_next_digest(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one subscriber to preview.", messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:tracker_subscriber_preview", args=[queryset.get().pk]))


@admin.register(DigestDelivery)
class DigestDeliveryAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "period", "status", "attempts", "sent_at", "next_attempt_at", "error"]
    list_filter = ["status", "period"]
    search_fields = ["subscriber__email", "period"]
    list_select_related = ["subscriber"]
    readonly_fields = ["subscriber", "period", "status", "attempts", "claimed_at", "next_attempt_at", "sent_at"]
    readonly_fields += ["message_id", "last_error", "created_at"]
    fields = readonly_fields
    actions = ["send_again_now"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Last error")
    def error(self, delivery):
        return delivery.last_error[:120] or "—"

    @admin.action(description="Send failed deliveries again now")
    def send_again_now(self, request, queryset):
        failed = list(queryset.filter(status=DigestDelivery.Status.FAILED).values_list("pk", flat=True))
        DigestDelivery.objects.filter(pk__in=failed).update(next_attempt_at=timezone.now(), attempts=0)
        for delivery_id in failed:
            send_after_commit(send_digest_delivery, delivery_id)
        self.message_user(request, f"Queued {len(failed)} failed delivery(ies) to send again.", messages.SUCCESS)
