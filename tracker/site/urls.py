"""The site's pages that show documents."""

from django.urls import path

from tracker.site import challenges, comments, documents, feeds, home, registry_pages

urlpatterns = [
    path("", home.home, name="home"),
    path("thresholds/<slug:slug>/", registry_pages.threshold_detail, name="threshold"),
    path("instruments/<slug:slug>/", registry_pages.instrument_detail, name="instrument"),
    path("documents/", documents.document_list, name="documents"),
    path("documents/<int:pk>/", documents.document_detail, name="document"),
    path("challenges/", challenges.challenges, name="challenges"),
    path("comment-periods/", comments.comment_periods, name="comment-periods"),
    path("feeds/documents.atom", feeds.NewDocumentsFeed(), name="feed-documents"),
    path("feeds/documents/challenge/<slug:slug>.atom", feeds.ChallengeDocumentsFeed(), name="feed-documents-challenge"),
    path(
        "feeds/documents/jurisdiction/<str:code>.atom",
        feeds.JurisdictionDocumentsFeed(),
        name="feed-documents-jurisdiction",
    ),
]
