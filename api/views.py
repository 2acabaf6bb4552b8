"""The REST API: thin views over the registry and tracker. Anonymous users read approved, public data; writes
and review need staff."""

import smtplib

from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch, Q
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, pagination, permissions, viewsets
from rest_framework.decorators import action, api_view, permission_classes, renderer_classes
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api import serializers as s
from api.filters import AIModelFilter, FilterBackend, InstrumentFilter, OrderingFilter, ThresholdFilter
from api.renderers import JSONRenderer
from api.throttling import SignUpThrottle
from registry import history, reviewing
from registry.evaluation import evaluate
from registry.exporting import registry_export
from registry.forecasting import FRONTIER_TOP, forecast
from registry.models import AIModel, CapabilityThreshold, Challenge, Instrument, Jurisdiction, ThresholdCondition
from registry.vocabulary import ReviewStatus
from tracker.digests.subscriptions import CannotSendNow, request_subscription
from tracker.filters import DocumentFilter
from tracker.models import Document, DocumentTag, Source

ALREADY_DECIDED = OpenApiResponse(OpenApiTypes.OBJECT, description="Already approved (or rejected): nothing changed.")
MAX_PARAM_LENGTH = 500
CSV_ROW_LIMIT = 50_000


def is_staff(request) -> bool:
    return bool(request.user and request.user.is_authenticated and request.user.is_staff)


def is_staff_with(request, *perms: str) -> bool:
    """Staff holding these model permissions, as the admin asks of them: being staff alone is not enough."""
    return is_staff(request) and request.user.has_perms(perms)


def staff_with(*perms: str) -> type[permissions.BasePermission]:
    class StaffWithPermissions(permissions.BasePermission):
        message = f"Needs a staff user with the permissions {', '.join(perms)}."

        def has_permission(self, request, view):
            return is_staff_with(request, *perms)

    return StaffWithPermissions


class StaffWrites(permissions.BasePermission):
    """Anyone reads; only staff write."""

    anyone_reads = True  # the schema's security lets reads go without credentials (api.schema.AutoSchema)

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or is_staff(request)


class StrictPageSize:
    """A page_size that is not a whole number from 1 up is a 400, not silently the default (over 500 gets 500)."""

    def get_page_size(self, request):
        asked = request.query_params.get(self.page_size_query_param, "").strip()
        if asked and not (asked.isascii() and asked.isdigit() and int(asked) > 0):
            raise exceptions.ValidationError({self.page_size_query_param: "A whole number from 1 up (at most 500)."})
        return super().get_page_size(request)


class PagePagination(StrictPageSize, pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class DocumentCursorPagination(StrictPageSize, pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("-published_at", "-id")

    def get_ordering(self, request, queryset, view):
        """An asked-for ordering (`ordering=published_at`) gets the id as a tiebreaker, in the same direction:
        documents published at the same moment (feeds that give only a date) must come in one fixed order, or
        the cursor skips or repeats them from one page to the next."""
        ordering = tuple(super().get_ordering(request, queryset, view))
        if not {"id", "-id"} & set(ordering):
            ordering += ("-id" if ordering[0].startswith("-") else "id",)
        return ordering

    def decode_cursor(self, request):
        """A cursor's position is a publication time; anything else (a crafted cursor) is DRF's "Invalid cursor"
        404, not a database error."""
        cursor = super().decode_cursor(request)
        if cursor and cursor.position is not None:
            try:
                valid = parse_datetime(cursor.position) is not None
            except ValueError:
                valid = False
            if not valid:
                raise exceptions.NotFound(self.invalid_cursor_message)
        return cursor


class ApiViewMixin:
    """Refuses NUL bytes, overlong parameters and an empty format with a 400; CSV lists are not paginated."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.query_params.get("format") == "":
            formats = " or ".join(r.format for r in self.renderer_classes if r.format != "api")
            raise exceptions.ValidationError({"format": f"Give {formats}, or leave the parameter out."})
        for key, values in request.query_params.lists():
            for value in [key, *values]:
                if "\x00" in value:
                    raise exceptions.ValidationError({key.replace("\x00", ""): "NUL bytes are not allowed."})
                if len(value) > MAX_PARAM_LENGTH:
                    raise exceptions.ValidationError({key[:50]: f"At most {MAX_PARAM_LENGTH} characters."})

    def handle_exception(self, exc):
        """Errors are JSON whatever format was asked for: a CSV of an error message helps nobody."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return response

    def paginate_queryset(self, queryset):
        if getattr(self.request, "accepted_renderer", None) and self.request.accepted_renderer.format == "csv":
            return None
        return super().paginate_queryset(queryset)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            if self.paginator is not None:
                self.paginator.get_page_size(request)  # a bad page_size is a 400 here too, though CSV is not paged
            queryset = self.filter_queryset(self.get_queryset())[:CSV_ROW_LIMIT]
            return Response(self.get_serializer(queryset, many=True).data)
        return super().list(request, *args, **kwargs)


class ReadOnlyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [StaffWrites]
    lookup_value_regex = r"[0-9]+"
    pagination_class = PagePagination
    filter_backends = [FilterBackend, SearchFilter, OrderingFilter]


def _thresholds_for(request):
    return (
        CapabilityThreshold.objects.visible_to(request.user)
        .select_related("instrument__jurisdiction")
        .prefetch_related(Prefetch("conditions", queryset=ThresholdCondition.objects.order_by("pk")), "challenges")
    )


def _threshold_rows_for(request):
    """The thresholds a list shows, as rows: the serializer reads conditions and challenges in one query each."""
    return CapabilityThreshold.objects.visible_to(request.user).values(*s.ThresholdSerializer.ROW_COLUMNS)


class InstrumentViewSet(ReadOnlyViewSet):
    """Laws, bills, orders, regulations, standards, lab frameworks, commitments, declarations and proposals."""

    filterset_class = InstrumentFilter
    search_fields = ["title", "short_name", "issuer", "summary"]
    ordering_fields = ["effective_on", "adopted_on", "title", "updated_at"]
    ordering = ["slug"]

    def get_queryset(self):
        queryset = Instrument.objects.select_related("jurisdiction", "supersedes").prefetch_related("challenges")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("thresholds", queryset=_thresholds_for(self.request), to_attr="visible_thresholds"),
                "timeline",
            )
        return queryset

    def get_serializer_class(self):
        return s.InstrumentDetailSerializer if self.action == "retrieve" else s.InstrumentSerializer


class ThresholdViewSet(ReadOnlyViewSet):
    """Capability thresholds with their conditions (all must hold). Anonymous users see approved ones only."""

    serializer_class = s.ThresholdSerializer
    filterset_class = ThresholdFilter
    search_fields = ["name", "slug", "obligations", "instrument__title", "instrument__short_name"]
    ordering_fields = ["updated_at", "name"]
    ordering = ["instrument__slug", "slug"]

    def get_queryset(self):
        return _threshold_rows_for(self.request) if self.action == "list" else _thresholds_for(self.request)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True)
    def history(self, request, pk=None):
        """What changed and when; condition changes say whether they tightened or loosened the threshold. Staff
        who may view thresholds in the admin also see who made each change, why, and the fields only they see (notes,
        review)."""
        full = is_staff_with(request, "registry.view_capabilitythreshold")
        return Response(history.threshold_history(self.get_object(), full=full))

    def _review(self, request, decide, body_serializer=s.ReviewSerializer, **extra):
        body = body_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        threshold = self.get_object()
        try:
            decide(threshold=threshold, reviewer=request.user, note=body.validated_data.get("note", ""), **extra)
        except reviewing.PermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from None
        except reviewing.AlreadyDecided as error:
            raise Conflict(error.messages[0]) from None
        except reviewing.ValidationError as error:
            raise exceptions.ValidationError({"detail": " ".join(error.messages)}) from None
        return Response(self.get_serializer(self.get_queryset().get(pk=threshold.pk)).data)

    @extend_schema(request=s.ReviewSerializer, responses={200: s.ThresholdSerializer, 409: ALREADY_DECIDED})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAdminUser])
    def approve(self, request, pk=None):
        """Approve a candidate (staff with the review permission)."""
        return self._review(request, reviewing.approve)

    @extend_schema(request=s.RejectionSerializer, responses={200: s.ThresholdSerializer, 409: ALREADY_DECIDED})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAdminUser])
    def reject(self, request, pk=None):
        """Reject a threshold with a note saying why (staff with the review permission)."""
        return self._review(request, reviewing.reject, body_serializer=s.RejectionSerializer)


class AIModelViewSet(ReadOnlyViewSet):
    """Reference models with estimated training compute (Epoch AI)."""

    queryset = AIModel.objects.all()
    serializer_class = s.AIModelSerializer
    filterset_class = AIModelFilter
    search_fields = ["name", "developer"]
    ordering_fields = ["released", "training_compute_flop", "name"]
    ordering = ["-training_compute_flop", "name"]


class JurisdictionViewSet(ReadOnlyViewSet):
    queryset = Jurisdiction.objects.all()
    serializer_class = s.JurisdictionSerializer
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z-]{2,8}"
    filter_backends = []
    pagination_class = None


def _labelled_document_counts():
    # effective() keeps one tag per document and challenge, so counting tags counts documents.
    labelled = DocumentTag.objects.effective().filter(labelled=True).order_by()
    return {row["category"]: row["n"] for row in labelled.values("category").annotate(n=Count("pk"))}


class ChallengeViewSet(ReadOnlyViewSet):
    """The three challenges, with how many documents, approved thresholds and instruments each covers. Document
    counts are kept for a minute: counting every tag took about 100 ms over 100,000 documents."""

    COUNTS_KEY, COUNTS_SECONDS = "api:challenge-document-counts", 60

    serializer_class = s.ChallengeSerializer
    lookup_field = "code"
    lookup_value_regex = r"[a-z_]{1,32}"
    filter_backends = []
    pagination_class = None

    def get_queryset(self):
        return Challenge.objects.annotate(
            threshold_count=Count(
                "thresholds", filter=Q(thresholds__review_status=ReviewStatus.APPROVED), distinct=True
            ),
            instrument_count=Count("instruments", distinct=True),
        )

    def get_serializer_context(self):
        counts = cache.get_or_set(self.COUNTS_KEY, _labelled_document_counts, self.COUNTS_SECONDS)
        return {**super().get_serializer_context(), "document_counts": counts}


class DocumentViewSet(ReadOnlyViewSet):
    """Policy documents, tagged against the three challenges with evidence. Cursor-paginated, newest first
    (`ordering=published_at` for oldest first); with `q`, ranked by relevance and paginated by page number."""

    filterset_class = DocumentFilter
    filter_backends = [FilterBackend, OrderingFilter]
    ordering_fields = ["published_at"]
    pagination_class = DocumentCursorPagination

    def get_queryset(self):
        if self.action == "list":  # rows, not instances; the serializer reads tags in one query per page
            return Document.objects.values(*s.DocumentSerializer.LIST_COLUMNS)
        # A mention names its threshold only when the reader may see that threshold.
        visible = Prefetch("mentions__threshold", queryset=CapabilityThreshold.objects.visible_to(self.request.user))
        return Document.objects.select_related("source", "jurisdiction").prefetch_related("tags", "versions", visible)

    def get_serializer_class(self):
        return s.DocumentDetailSerializer if self.action == "retrieve" else s.DocumentSerializer

    @property
    def paginator(self):
        if not hasattr(self, "_paginator"):
            searching = bool(self.request.query_params.get("q", "").strip())
            self._paginator = PagePagination() if searching else DocumentCursorPagination()
        return self._paginator

    @extend_schema(request=s.TagCorrectionSerializer, responses={200: s.DocumentDetailSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[staff_with("tracker.add_documenttag", "tracker.change_documenttag")],
    )
    def tags(self, request, pk=None):
        """Correct a tag (staff): the correction wins over the tagger and survives re-tagging."""
        body = s.TagCorrectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        document = self.get_object()
        DocumentTag.correct(
            document=document,
            category=body.validated_data["category"],
            labelled=body.validated_data["labelled"],
            note=body.validated_data.get("note", ""),
            by=request.user,
        )
        return Response(s.DocumentDetailSerializer(self.get_queryset().get(pk=document.pk)).data)


class SourceViewSet(ReadOnlyViewSet):
    """Where documents come from, with their health (staff only)."""

    permission_classes = [staff_with("tracker.view_source")]
    queryset = Source.objects.select_related("jurisdiction")
    serializer_class = s.SourceSerializer
    filterset_fields = ["kind", "active"]
    search_fields = ["name", "url", "publisher"]
    ordering_fields = ["name", "next_due_at", "consecutive_failures"]
    ordering = ["name"]


EVALUATE_RESPONSES = {
    200: s.EvaluationResultsSerializer,
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="A bad profile: each key names a parameter at fault (an unknown parameter among them), with "
        'its message, e.g. {"training_compute": "Unknown parameter; known ones: ..."}.',
    ),
}


class EvaluateView(ApiViewMixin, APIView):
    """Which approved thresholds a model triggers, does not trigger, or cannot be judged on (and what is missing)."""

    permission_classes = [permissions.AllowAny]

    def _answer(self, data):
        profile = s.ProfileSerializer(data=data, context={"request": self.request})
        profile.is_valid(raise_exception=True)
        # as_dict is already EvaluationSerializer's shape (the schema's): passing 40 results through its fields
        # again only cost time.
        results = [evaluation.as_dict() for evaluation in evaluate(profile.validated_data)]
        return Response({"profile": profile.validated_data.figures(), "results": results})

    @extend_schema(parameters=[s.ProfileSerializer], responses=EVALUATE_RESPONSES)
    def get(self, request):
        data = request.query_params.dict()
        data.pop("format", None)
        return self._answer(data)

    @extend_schema(request=s.ProfileSerializer, responses=EVALUATE_RESPONSES)
    def post(self, request):
        return self._answer(request.data)


class ForecastView(ApiViewMixin, APIView):
    """For each approved compute threshold, the date range in which the frontier of reference models crosses it."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: s.ForecastSerializer})
    def get(self, request):
        fit, crossings = forecast()
        method = (
            f"Least-squares fit of log10(training compute) against release date over frontier models (each in the "
            f"top {FRONTIER_TOP} by compute when released); earliest and latest bound a 90% band around the line."
        )
        return Response(s.ForecastSerializer({"fit": fit, "method": method, "thresholds": crossings}).data)


class ExportView(ApiViewMixin, APIView):
    """The whole registry in one JSON document: instruments with thresholds and conditions, and models."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = [JSONRenderer]  # as CSV it was one row of three cells holding the whole registry

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["json"], description="JSON only; any other is a 404.")],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(registry_export(thresholds=CapabilityThreshold.objects.visible_to(request.user)))


class SubscriptionView(ApiViewMixin, APIView):
    """Subscribe to the weekly digest: a confirmation email is sent. The answer is the same whether or not the
    address is already subscribed, and so is the work before it (the email goes out from a task), so nobody can
    find out who subscribes."""

    permission_classes = [permissions.AllowAny]
    ACCEPTED = "If the address can receive mail, a message is on its way: follow its link to confirm."

    def get_throttles(self):
        return [*super().get_throttles(), SignUpThrottle()]

    @extend_schema(request=s.SubscriptionSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        body = s.SubscriptionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            request_subscription(
                email=body.validated_data["email"],
                challenges=body.validated_data.get("challenges", ()),
                jurisdictions=body.validated_data.get("jurisdictions", ()),
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError(getattr(error, "message_dict", {"detail": error.messages})) from None
        except (CannotSendNow, smtplib.SMTPException, OSError):  # mail is sent inline on the embedded default
            raise ServiceUnavailable() from None
        return Response({"detail": self.ACCEPTED}, status=202)


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = "The request conflicts with the object's current state."


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "Mail cannot be sent right now; try again in a few minutes."


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([permissions.AllowAny])
def api_root(request, format=None):
    """The API's entry points."""
    names = ["instrument", "threshold", "aimodel", "jurisdiction", "challenge", "document"]
    links = {name: reverse(f"{name}-list", request=request, format=format) for name in names}
    for name in ("evaluate", "forecast", "export", "schema", "swagger-ui", "redoc"):
        links[name] = reverse(name, request=request, format=format)
    return Response(links)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([permissions.AllowAny])
@renderer_classes([JSONRenderer])
def not_found(request, path=""):
    """Any other address under the API answers a JSON 404, like the rest of the API."""
    raise exceptions.NotFound("No such API address: see /api/schema/.")
