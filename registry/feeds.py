"""The Atom feed of registry changes: the same entries as the site's "What changed" log."""

import uuid

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from registry.changes import changes

FEED_ENTRIES = 50
# Entry ids are URNs made from each change's key: the same change keeps its id whatever host serves the feed.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ai-governance-tracker/registry-changes")


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "AI Governance Tracker: registry changes"
    subtitle = "Capability thresholds approved, tightened or loosened, and instruments' status changes."

    def link(self):
        return reverse("changes")

    def items(self):
        return changes(user=None)[:FEED_ENTRIES]

    def item_title(self, change):
        return f"{change.kind_label}: {change.title}"

    def item_description(self, change):
        return change.description

    def item_link(self, change):
        return change.url

    def item_guid(self, change):
        return uuid.uuid5(_ID_NAMESPACE, change.key).urn

    item_guid_is_permalink = False

    def item_pubdate(self, change):
        return change.when

    def item_updateddate(self, change):
        return change.when

    def item_categories(self, change):
        return [change.kind, *sorted(change.challenges)]
