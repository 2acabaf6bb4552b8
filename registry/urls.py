"""The site's registry pages."""

from django.urls import path

from config.views import not_built_yet
from registry import views

urlpatterns = [
    path("thresholds/", not_built_yet, name="threshold-list"),
    path("instruments/", not_built_yet, name="instrument-list"),
    path("evaluate/", views.evaluator, name="evaluator"),
    path("chart/", views.chart, name="chart"),
    path("chart.svg", views.chart_svg, name="chart-svg"),
    path("chart.csv", views.chart_csv, name="chart-csv"),
    path("changes/", not_built_yet, name="changes"),
    path("feeds/changes.atom", not_built_yet, name="feed-changes"),
]
