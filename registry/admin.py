"""The registry's admin: curate instruments and thresholds, and review machine-found candidates."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Prefetch
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from registry import reviewing
from registry.history import condition_changes
from registry.models import (
    AIModel,
    CapabilityThreshold,
    Challenge,
    Instrument,
    Jurisdiction,
    StatusEvent,
    ThresholdCondition,
)
from registry.vocabulary import Metric, ReviewStatus

# Links typed without a scheme are taken as https.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Challenge)
class ChallengeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "definition"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


class StatusEventInline(admin.TabularInline):
    model = StatusEvent
    extra = 0
    fields = ["date", "status", "note"]


class ThresholdInline(admin.TabularInline):
    model = CapabilityThreshold
    extra = 0
    fields = ["name", "domain", "conditions", "review_status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Conditions (all must hold)")
    def conditions(self, obj):
        return obj.conditions_display()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("conditions")


class InForceFilter(admin.SimpleListFilter):
    title = "in force today"
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", "In force"), ("no", "Not in force")]

    def queryset(self, request, queryset):
        field = "pk__in" if queryset.model is Instrument else "instrument__in"
        in_force = {field: Instrument.objects.in_force()}
        if self.value() == "yes":
            return queryset.filter(**in_force)
        if self.value() == "no":
            return queryset.exclude(**in_force)
        return queryset


class HistoryAdmin(SimpleHistoryAdmin):
    """simple_history's pages with ids that are not numbers answered 500 (a ValueError from the query): 404 here."""

    def history_view(self, request, object_id, extra_context=None):
        if not str(object_id).isdigit():
            raise Http404("No such object.")
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not (str(object_id).isdigit() and str(version_id).isdigit()):
            raise Http404("No such version.")
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)


@admin.register(Instrument)
class InstrumentAdmin(HistoryAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = [
        "__str__",
        "kind",
        "jurisdiction",
        "status",
        "in_force_today",
        "effective_on",
        "updated_at",
    ]
    list_filter = ["kind", "status", InForceFilter, "jurisdiction", "challenges"]
    list_select_related = ["jurisdiction"]

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete view passes its term through unchecked (the changelist's search form refuses a NUL), and
        # PostgreSQL refuses a NUL in a query.
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    search_fields = ["title", "short_name", "issuer", "slug", "summary"]
    prepopulated_fields = {"slug": ["short_name"]}
    filter_horizontal = ["challenges"]
    autocomplete_fields = ["supersedes"]
    inlines = [ThresholdInline, StatusEventInline]
    fieldsets = [
        (None, {"fields": ["title", "short_name", "slug", "kind", "issuer", "jurisdiction", "source_url"]}),
        (
            "Status",
            {"fields": ["status", "introduced_on", "adopted_on", "effective_on", "ended_on", "supersedes"]},
        ),
        ("About", {"fields": ["summary", "challenges", "confidence"]}),
    ]

    @admin.display(description="In force", boolean=True)
    def in_force_today(self, obj):
        return obj.in_force_today

    def get_readonly_fields(self, request, obj=None):
        # The timeline below owns the status once the instrument exists: add a step there to change it.
        return ["status", "ended_on"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            obj.record_status(on=obj.status_since() or timezone.localdate(), note=f"Set in the admin by {request.user}")


class ConditionInline(admin.TabularInline):
    model = ThresholdCondition
    extra = 0
    min_num = 1
    fields = ["metric", "operator", "value", "unit", "level"]


class MetricFilter(admin.SimpleListFilter):
    title = "metric"
    parameter_name = "metric"

    def lookups(self, request, model_admin):
        return Metric.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(pk__in=ThresholdCondition.objects.filter(metric=self.value()).values("threshold"))
        return queryset


class RejectForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "cols": 60}), label="Why is it rejected?")


@admin.register(CapabilityThreshold)
class CapabilityThresholdAdmin(HistoryAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "instrument", "jurisdiction", "conditions", "review_status", "updated_at"]
    list_filter = [
        "review_status",
        ("instrument__jurisdiction", admin.RelatedOnlyFieldListFilter),
        MetricFilter,
        "challenges",
        ("instrument__status", admin.ChoicesFieldListFilter),
        InForceFilter,
        "domain",
        "origin",
    ]
    list_select_related = ["instrument__jurisdiction"]
    search_fields = ["name", "slug", "instrument__title", "instrument__short_name", "obligations", "locator"]
    autocomplete_fields = ["instrument"]
    filter_horizontal = ["challenges"]
    inlines = [ConditionInline]
    actions = ["approve_selected", "reject_selected", "send_back_selected"]
    readonly_fields = [
        "review_status",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "origin",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["instrument", "name", "slug", "domain", "locator", "source_url"]}),
        ("What it triggers", {"fields": ["obligations", "challenges", "confidence", "notes"]}),
        ("Review", {"fields": readonly_fields}),
    ]
    prepopulated_fields = {"slug": ["name"]}
    object_history_template = "admin/registry/capabilitythreshold/object_history.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("conditions", queryset=ThresholdCondition.objects.order_by("pk")))
        )

    @admin.display(description="Jurisdiction", ordering="instrument__jurisdiction__code")
    def jurisdiction(self, obj):
        if obj.instrument is None:
            return "—"
        return obj.instrument.jurisdiction or obj.instrument.issuer

    @admin.display(description="Conditions (all must hold)")
    def conditions(self, obj):
        return obj.conditions_display()

    def history_view(self, request, object_id, extra_context=None):
        threshold = self.get_object(request, object_id)
        extra = {"condition_changes": condition_changes(threshold) if threshold else []}
        return super().history_view(request, object_id, extra_context={**(extra_context or {}), **extra})

    def has_review_permission(self, request):
        return reviewing.can_review(request.user)

    # What an approved threshold says (its figures, instrument, obligations ...) is what a reviewer approved: an edit
    # by anyone without the review permission, through the form or a revert, sends it back to review. Internal notes
    # are not what it says.
    UNREVIEWED_FIELDS = frozenset(
        {"notes", "updated_at", "created_at", "origin", "review_status", "reviewed_by", "reviewed_at", "review_note"}
    )

    def _snapshot(self, pk):
        fields = [f.attname for f in CapabilityThreshold._meta.concrete_fields if f.name not in self.UNREVIEWED_FIELDS]
        row = CapabilityThreshold.objects.filter(pk=pk).values(*fields).first()
        links = CapabilityThreshold.challenges.through.objects.filter(capabilitythreshold_id=pk)
        challenges = sorted(links.values_list("challenge_id", flat=True))
        conditions = ThresholdCondition.objects.filter(threshold_id=pk)
        conditions = sorted(conditions.values_list("metric", "operator", "value", "level"))
        return row, challenges, conditions

    # Compared with the stored row before and after the whole save (the form, its challenges, its conditions), not the
    # form's initial values: a revert's form starts from the old version, and it saves challenges on its own.
    def save_model(self, request, obj, form, change):
        request._threshold_before = self._snapshot(obj.pk) if change else None
        super().save_model(request, obj, form, change)

    def log_change(self, request, obj, message):
        before = getattr(request, "_threshold_before", None)
        if before is not None and before[0] is not None and before != self._snapshot(obj.pk):
            self._reopen_unless_reviewer(request, obj)
        return super().log_change(request, obj, message)

    def _reopen_unless_reviewer(self, request, threshold):
        if not reviewing.can_review(request.user) and threshold.review_status == ReviewStatus.APPROVED:
            reviewing.reopen(
                threshold=threshold, editor=request.user, reason=f"Edited by {request.user} after approval."
            )
            self.message_user(request, "It was approved: the edit sends it back to review.", messages.WARNING)

    def _review(self, request, queryset, decide, verb, **kwargs):
        done = 0
        for threshold in queryset:
            try:
                decide(threshold=threshold, reviewer=request.user, **kwargs)
            except PermissionDenied as error:
                self.message_user(request, f"{threshold}: {error}", messages.ERROR)
                return
            except ValidationError as error:
                self.message_user(request, f"{threshold}: {' '.join(error.messages)}", messages.ERROR)
                return
            done += 1
        self.message_user(request, f"{done} threshold(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Approve selected thresholds", permissions=["review"])
    def approve_selected(self, request, queryset):
        self._review(request, queryset, reviewing.approve, "approved")

    @admin.action(description="Send selected thresholds back to review", permissions=["review"])
    def send_back_selected(self, request, queryset):
        self._review(request, queryset, reviewing.send_back, "sent back to review")

    @admin.action(description="Reject selected thresholds (with a note)…", permissions=["review"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._review(request, queryset, reviewing.reject, "rejected", note=form.cleaned_data["note"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject capability thresholds",
            "opts": self.model._meta,
            "form": form,
            "thresholds": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/registry/capabilitythreshold/reject.html", context)


@admin.register(AIModel)
class AIModelAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "developer", "released", "compute", "confidence"]
    list_filter = ["confidence"]
    search_fields = ["name", "developer"]
    date_hierarchy = "released"

    @admin.display(description="Training compute (FLOP)", ordering="training_compute_flop")
    def compute(self, obj):
        if obj.training_compute_flop is None:
            return "—"
        return format_html("{}", f"{obj.training_compute_flop:.3g}")
