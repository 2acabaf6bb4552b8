"""URL routes: the site, the admin, the API and the health check."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from config import views
from config.middleware import allowing

admin.site.site_header = "AI Governance Tracker"
admin.site.site_title = "AI Governance Tracker admin"
admin.site.index_title = "Registry and tracker"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Redoc builds its search index in a worker made from a blob: address (a script from this site makes it).
    path("api/redoc/", allowing(SpectacularRedocView.as_view(url_name="schema"), worker_src=["blob:"]), name="redoc"),
    path("subscriptions/", include("tracker.urls")),
    path("", include("tracker.site.urls")),
    path("", include("registry.urls")),
]

handler400 = "config.views.bad_request"
