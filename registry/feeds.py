"""The Atom feed of registry changes: the same entries as the site's "What changed" log."""

import uuid

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from registry.changes import changes
from registry.filters import ChangesForm, asked_for, filter_query
from registry.formatting import xml_safe

FEED_ENTRIES = 50
# Entry ids are URNs made from each change's key: the same change keeps its id whatever host serves the feed.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "ai-governance-tracker/registry-changes")


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "AI Governance Tracker: registry changes"
    subtitle = "Capability thresholds approved, tightened or loosened, and instruments' status changes."
    author_name = "AI Governance Tracker"  # Atom requires an author on the feed or on every entry

    def get_object(self, request):
        """The log's filters (?jurisdiction=US-CA&challenge=human_misuse) narrow the feed as they narrow the page."""
        form = ChangesForm(asked_for(request.GET))
        if not form.is_valid():
            raise Http404("No such feed: " + " ".join(m for ms in form.errors.values() for m in ms))
        return form.filters()

    def link(self, filters):
        return reverse("changes") + filter_query(filters)

    def items(self, filters):
        return changes(user=None, **filters)[:FEED_ENTRIES]

    def item_title(self, change):
        return xml_safe(f"{change.kind_label}: {change.title}")

    def item_description(self, change):
        return xml_safe(change.description)

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
