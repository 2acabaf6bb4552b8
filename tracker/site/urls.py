"""The site's pages that show documents."""

from django.urls import path

from config.views import not_built_yet
from registry import views as registry_views
from tracker.site import challenges, comments, home

urlpatterns = [
    path("", home.home, name="home"),
    path("thresholds/<slug:slug>/", registry_views.threshold_detail, name="threshold-detail"),
    path("instruments/<slug:slug>/", registry_views.instrument_detail, name="instrument-detail"),
    path("documents/", not_built_yet, name="document-list"),
    path("documents/<int:pk>/", not_built_yet, name="document-detail"),
    path("challenges/", challenges.challenges, name="challenges"),
    path("comment-periods/", comments.comment_periods, name="comment-periods"),
    path("feeds/documents.atom", not_built_yet, name="feed-documents"),
]
