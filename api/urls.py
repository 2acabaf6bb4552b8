"""Routes under /api/v1/."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from api import views

router = SimpleRouter()
router.register("instruments", views.InstrumentViewSet, basename="instrument")
router.register("thresholds", views.ThresholdViewSet, basename="threshold")
router.register("models", views.AIModelViewSet, basename="aimodel")
router.register("jurisdictions", views.JurisdictionViewSet, basename="jurisdiction")
router.register("challenges", views.ChallengeViewSet, basename="challenge")
router.register("documents", views.DocumentViewSet, basename="document")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("", views.api_root, name="api-root"),
    path("evaluate/", views.EvaluateView.as_view(), name="evaluate"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("subscriptions/", views.SubscriptionView.as_view(), name="subscriptions"),
    *router.urls,
    re_path(r"^(?P<path>[\s\S]*)$", views.not_found),  # [\s\S], not .: a path with a newline is an API 404 too
]
