"""The site's registry pages."""

from django.urls import path

from config.views import not_built_yet

urlpatterns = [
    path("thresholds/", not_built_yet, name="threshold-list"),
    path("instruments/", not_built_yet, name="instrument-list"),
    path("evaluate/", not_built_yet, name="evaluator"),
    path("chart/", not_built_yet, name="chart"),
    path("changes/", not_built_yet, name="changes"),
    path("feeds/changes.atom", not_built_yet, name="feed-changes"),
]
