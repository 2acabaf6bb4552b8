"""Atom feeds of new documents: all of them, one challenge's, one jurisdiction's."""

import re

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from registry.formatting import xml_safe
from registry.models import Challenge, Jurisdiction
from tracker.models import Document, DocumentTag

LATEST = 50
JURISDICTION_CODE = re.compile(r"[A-Za-z]{2,4}(?:-[A-Za-z]{2,3})?")


class NewDocumentsFeed(Feed):
    feed_type = Atom1Feed
    title = "AI Governance Tracker: new documents"
    subtitle = "Policy documents found by the tracker, newest first, tagged against the three challenges."

    def link(self):
        return reverse("documents")

    def documents(self, obj):
        return Document.objects.all()

    def items(self, obj):
        documents = list(
            self.documents(obj)
            .select_related("source")
            .only("title", "summary", "published_at", "first_seen_at", "source__name")
            .order_by("-published_at", "-pk")[:LATEST]
        )
        tags = DocumentTag.effective_rows([document.pk for document in documents])
        names = dict(Challenge.objects.values_list("code", "name"))
        first = getattr(obj, "code", None)  # a challenge's feed quotes that challenge's evidence first
        for document in documents:
            labelled = [tag for tag in tags.get(document.pk, []) if tag["labelled"]]
            labelled.sort(key=lambda tag: tag["category"] != first)
            document.feed_labels = [(names.get(tag["category"], tag["category"]), tag["evidence"]) for tag in labelled]
        return documents

    def item_title(self, item):
        return xml_safe(item.title)

    def item_description(self, item):
        for _name, evidence in item.feed_labels:
            if evidence and isinstance(evidence[0], dict) and evidence[0].get("text"):
                return xml_safe(evidence[0]["text"])
        return xml_safe(item.summary)

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return xml_safe(item.source.name)

    def item_categories(self, item):
        return [xml_safe(name) for name, _evidence in item.feed_labels]


class ChallengeDocumentsFeed(NewDocumentsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Challenge, code=slug)

    def title(self, obj):
        return f"AI Governance Tracker: new documents about {obj.name}"

    def link(self, obj):
        return f"{reverse('documents')}?challenge={obj.code}"

    def documents(self, obj):
        return Document.objects.about(obj.code)


class JurisdictionDocumentsFeed(NewDocumentsFeed):
    def get_object(self, request, code):
        if not JURISDICTION_CODE.fullmatch(code):  # a NUL byte is an error to PostgreSQL, not a miss
            raise Http404("No such jurisdiction.")
        return get_object_or_404(Jurisdiction, code=code)

    def title(self, obj):
        return f"AI Governance Tracker: new documents from {obj.name}"

    def link(self, obj):
        return f"{reverse('documents')}?jurisdiction={obj.code}"

    def documents(self, obj):
        return Document.objects.filter(jurisdiction=obj)
