"""Routes under /api/v1/."""

from django.urls import path

from api import views

urlpatterns = [
    path("", views.api_root, name="api-root"),
]
