"""The tracker: sources, fetching, documents and their versions, tags, threshold mentions and digests."""

from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Tracker"
