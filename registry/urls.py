"""The site's registry pages."""

from django.urls import path

from registry import views

urlpatterns = [
    path("", views.home, name="home"),
    path("instruments/<slug:slug>/", views.instrument_detail, name="instrument-detail"),
    path("thresholds/<slug:slug>/", views.threshold_detail, name="threshold-detail"),
]
