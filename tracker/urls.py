"""The subscription pages, under /subscriptions/."""

from django.urls import path

from tracker import views

urlpatterns = [
    path("", views.subscribe, name="subscribe"),
    path("check-your-inbox/", views.check_inbox, name="subscribe-check-inbox"),
    path("confirm/<str:token>/", views.confirm, name="subscription-confirm"),
    path("manage/<str:token>/", views.manage, name="subscription-manage"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="subscription-unsubscribe"),
]
