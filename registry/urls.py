"""The site's registry pages."""

from django.urls import path

from config.views import not_built_yet
from registry import views
from registry.feeds import ChangesFeed

urlpatterns = [
    path("thresholds/", views.threshold_list, name="threshold-list"),
    path("instruments/", views.instrument_list, name="instrument-list"),
    path("evaluate/", not_built_yet, name="evaluator"),
    path("chart/", not_built_yet, name="chart"),
    path("changes/", views.change_log, name="changes"),
    path("feeds/changes.atom", ChangesFeed(), name="feed-changes"),
]
