"""The site's registry pages."""

from django.urls import path

from registry import views
from registry.feeds import ChangesFeed

urlpatterns = [
    path("thresholds/", views.threshold_list, name="thresholds"),
    path("instruments/", views.instrument_list, name="instruments"),
    path("evaluate/", views.evaluator, name="evaluator"),
    path("chart/", views.chart, name="chart"),
    path("chart.svg", views.chart_svg, name="chart-svg"),
    path("chart.csv", views.chart_csv, name="chart-csv"),
    path("changes/", views.change_log, name="changes"),
    path("feeds/changes.atom", ChangesFeed(), name="feed-changes"),
]
