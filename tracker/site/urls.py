"""The site's pages that show documents."""

from django.urls import path

from config.views import not_built_yet
from registry import views as registry_views
from tracker.site import registry_pages

urlpatterns = [
    path("", registry_views.home, name="home"),
    path("thresholds/<slug:slug>/", registry_pages.threshold_detail, name="threshold-detail"),
    path("instruments/<slug:slug>/", registry_pages.instrument_detail, name="instrument-detail"),
    path("documents/", not_built_yet, name="document-list"),
    path("documents/<int:pk>/", not_built_yet, name="document-detail"),
    path("challenges/", not_built_yet, name="challenges"),
    path("comment-periods/", not_built_yet, name="comment-periods"),
    path("feeds/documents.atom", not_built_yet, name="feed-documents"),
]
