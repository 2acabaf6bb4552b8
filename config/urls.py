"""URL routes: the site, the admin, the API and the health check."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config import views

admin.site.site_header = "AI Governance Tracker"
admin.site.site_title = "AI Governance Tracker admin"
admin.site.index_title = "Registry and tracker"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("subscriptions/", include("tracker.urls")),
    path("", include("tracker.site.urls")),
    path("", include("registry.urls")),
]

handler400 = "config.views.bad_request"
