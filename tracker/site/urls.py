"""The site's pages that show documents."""

from django.urls import path

from config.views import not_built_yet
from registry import views as registry_views
from tracker.site import documents, feeds, registry_pages

urlpatterns = [
    path("", registry_views.home, name="home"),
    path("thresholds/<slug:slug>/", registry_pages.threshold_detail, name="threshold-detail"),
    path("instruments/<slug:slug>/", registry_pages.instrument_detail, name="instrument-detail"),
    path("documents/", documents.document_list, name="document-list"),
    path("documents/<int:pk>/", documents.document_detail, name="document-detail"),
    path("challenges/", not_built_yet, name="challenges"),
    path("comment-periods/", not_built_yet, name="comment-periods"),
    path("feeds/documents.atom", feeds.NewDocumentsFeed(), name="feed-documents"),
    path("feeds/documents/challenge/<slug:slug>.atom", feeds.ChallengeDocumentsFeed(), name="feed-documents-challenge"),
    path(
        "feeds/documents/jurisdiction/<str:code>.atom",
        feeds.JurisdictionDocumentsFeed(),
        name="feed-documents-jurisdiction",
    ),
]
