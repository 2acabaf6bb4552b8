"""The site's documents: a searchable, faceted list, and one document with its evidence, versions, figures and
sources."""

import datetime
import difflib
import re
from collections import Counter

import django_filters as filters
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.utils.html import escape
from django.utils.safestring import mark_safe

from registry.models import CapabilityThreshold, Challenge, Jurisdiction
from tracker.filters import DocumentFilter
from tracker.models import Document, DocumentTag, Sighting, Source, SourceKind
from tracker.site.feeds import JURISDICTION_CODE

PAGE_SIZE = 25
# Pages deeper than this are refused: an OFFSET walks every row before it. Narrow the search instead.
MAX_PAGE = 200
# Facets count the newest matches only, so that their cost stays bounded however many documents match.
FACET_SAMPLE = 300
# Versions longer than this many words are not compared word by word (difflib is quadratic at worst).
MAX_DIFF_WORDS = 5_000
# Unchanged stretches of a diff keep this many words at each end.
DIFF_CONTEXT = 12


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


class SiteDocumentFilter(DocumentFilter):
    """The API's document filter, with the date range as calendar days (UTC), as a date input gives them."""

    published_from = filters.DateFilter(method="filter_from", label="Published from")
    published_to = filters.DateFilter(method="filter_to", label="Published until")

    def filter_from(self, queryset, name, value):
        return queryset.filter(published_at__gte=_start_of(value))

    def filter_to(self, queryset, name, value):
        if value == datetime.date.max:
            return queryset
        return queryset.filter(published_at__lt=_start_of(value + datetime.timedelta(days=1)))


def _whole_number(raw: str, digits: int) -> int | None:
    """A number of at most `digits` ASCII digits, else None ("²" is a digit to str.isdigit, not to int())."""
    raw = raw.strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= digits else None


def _page_number(raw: str) -> int | None:
    """The page asked for, or None when it is not a whole number from 1 to MAX_PAGE."""
    number = _whole_number(raw.strip() or "1", 6)
    if number is None:
        return None
    return number if 1 <= number <= MAX_PAGE else None


def _facets(documents) -> dict:
    """Counts by jurisdiction, source, kind and challenge among the newest FACET_SAMPLE matching documents: one
    query reads their ids and columns, one their labels."""
    sample = documents.order_by("-published_at", "-pk").values_list("pk", "jurisdiction_id", "source_id", "kind")
    rows = list(sample[:FACET_SAMPLE])
    return {
        "jurisdiction": Counter(row[1] for row in rows),
        "source": Counter(row[2] for row in rows),
        "kind": Counter(row[3] for row in rows),
        "challenge": DocumentTag.labelled_counts([row[0] for row in rows]),
        "capped": len(rows) >= FACET_SAMPLE,
    }


def _options(choices, counts, chosen: str) -> list[dict]:
    """(value, label, count key) triples -> the options of one facet, those with no match left out unless chosen."""
    options = []
    for value, label, key in choices:
        count = counts.get(key, 0)
        if count or str(value) == chosen:
            options.append({"value": str(value), "label": label, "count": count, "selected": str(value) == chosen})
    return options


def _feed(params: dict):
    """The Atom feed that matches the list: one challenge's, one jurisdiction's, or all new documents."""
    named = {key for key, value in params.items() if value}
    if named == {"challenge"}:
        return "feed-documents-challenge", params["challenge"]
    if named == {"jurisdiction"} and JURISDICTION_CODE.fullmatch(params["jurisdiction"]):
        return "feed-documents-jurisdiction", params["jurisdiction"]
    return "feed-documents", None


def document_list(request):
    params = {key: request.GET.get(key, "").strip() for key in SiteDocumentFilter.base_filters}
    filterset = SiteDocumentFilter(request.GET, queryset=Document.objects.all())
    number = _page_number(request.GET.get("page", ""))
    challenges = list(Challenge.objects.all())
    context = {"params": params, "challenges": challenges, "rows": []}
    if not filterset.is_valid() or number is None:
        context["feed"] = ("feed-documents", None)
        errors = [f"{field.replace('_', ' ')}: {' '.join(messages)}" for field, messages in filterset.errors.items()]
        if number is None:
            errors.append(f"page: choose a whole number from 1 to {MAX_PAGE}.")
        context["errors"] = errors
        return render(request, "tracker/site/documents.html", context, status=400)
    context["feed"] = _feed(params)
    documents = filterset.qs
    if not params["q"]:
        documents = documents.order_by("-published_at", "-pk")
    offset = (number - 1) * PAGE_SIZE
    found = list(
        documents.select_related("source", "jurisdiction").only(
            "title", "published_at", "kind", "source__name", "jurisdiction__code", "jurisdiction__name"
        )[offset : offset + PAGE_SIZE + 1]
    )
    page, has_next = found[:PAGE_SIZE], len(found) > PAGE_SIZE
    names = {challenge.code: challenge.name for challenge in challenges}
    tags = DocumentTag.effective_rows([document.pk for document in page])
    context["rows"] = [
        {
            "document": document,
            "labels": [
                {"name": names.get(tag["category"], tag["category"]), "evidence": _first_text(tag["evidence"])}
                for tag in tags.get(document.pk, [])
                if tag["labelled"]
            ],
        }
        for document in page
    ]
    counts = _facets(documents)
    counted = [pk for pk in counts["jurisdiction"] if pk]
    jurisdictions = Jurisdiction.objects.filter(Q(pk__in=counted) | Q(code=params["jurisdiction"] or None))
    sources = Source.objects.filter(pk__in=[pk for pk in counts["source"] if pk] + _as_id(params["source"]))
    context["facets"] = {
        "challenge": _options(((c.code, c.name, c.code) for c in challenges), counts["challenge"], params["challenge"]),
        "jurisdiction": _options(
            ((j.code, f"{j.name} ({j.code})", j.pk) for j in jurisdictions.order_by("name")),
            counts["jurisdiction"],
            params["jurisdiction"],
        ),
        "source": _options(
            ((s.pk, s.name, s.pk) for s in sources.order_by("name")), counts["source"], params["source"]
        ),
        "kind": _options(((k.value, k.label, k.value) for k in SourceKind), counts["kind"], params["kind"]),
        "capped": counts["capped"],
        "sample": FACET_SAMPLE,
    }
    context.update(
        number=number,
        previous=_page_query(request, number - 1) if number > 1 else None,
        next=_page_query(request, number + 1) if has_next and number < MAX_PAGE else None,
    )
    status = 404 if number > 1 and not page else 200
    return render(request, "tracker/site/documents.html", context, status=status)


def _as_id(raw: str) -> list[int]:
    number = _whole_number(raw, 9)
    return [] if number is None else [number]


def _first_text(evidence) -> str:
    return evidence[0].get("text", "") if evidence and isinstance(evidence[0], dict) else ""


def _page_query(request, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return query.urlencode()


def highlighted(text: str, passages) -> str:
    """The text, escaped, with each passage ({start, end, text}) marked in place; a passage whose offsets do not
    hold its text (the text changed since) is found by its words instead, or left out."""
    spans = []
    for passage, label in passages:
        start, end, quoted = passage.get("start"), passage.get("end"), passage.get("text", "")
        if not (isinstance(start, int) and isinstance(end, int) and text[start:end] == quoted and start < end):
            start = text.find(quoted) if quoted else -1
            end = start + len(quoted)
        if start >= 0 and end > start:
            spans.append((start, end, label))
    pieces, at = [], 0
    for start, end, label in sorted(spans):
        start = max(start, at)  # overlapping passages are marked once
        if end <= start:
            continue
        pieces.append(escape(text[at:start]))
        pieces.append(f'<mark title="Evidence for {escape(label)}">{escape(text[start:end])}</mark>')
        at = end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))


# A word with the spaces after it: whitespace alone as a token would match everywhere and make difflib quadratic.
_TOKENS = re.compile(r"\s*\S+\s*|\s+")


def word_diff(old: str, new: str) -> list[tuple[str, str]] | None:
    """(kind, words) pieces from `old` to `new`, kind being equal, added or removed; long unchanged stretches are
    shortened to their ends. None when the texts are too long to compare here."""
    before, after = _TOKENS.findall(old), _TOKENS.findall(new)
    if max(len(before), len(after)) > MAX_DIFF_WORDS:
        return None
    pieces = []
    matcher = difflib.SequenceMatcher(None, before, after)
    for operation, a1, a2, b1, b2 in matcher.get_opcodes():
        if operation == "equal":
            words = before[a1:a2]
            keep = 2 * DIFF_CONTEXT
            if len(words) > 2 * keep:
                words = [*words[:keep], " … ", *words[-keep:]]
            pieces.append(("equal", "".join(words)))
            continue
        # The spaces after a change stay outside its mark, so that words removed and added read apart.
        if a2 > a1:
            removed = "".join(before[a1:a2])
            pieces += [("removed", removed.rstrip()), ("equal", removed[len(removed.rstrip()) :] or " ")]
        if b2 > b1:
            added = "".join(after[b1:b2])
            pieces += [("added", added.rstrip()), ("equal", added[len(added.rstrip()) :])]
    return pieces


def _diff_number(raw: str, numbers: list[int]) -> int | None:
    number = _whole_number(raw, 9)
    return number if number in numbers else None


def document_detail(request, pk):
    visible = CapabilityThreshold.objects.visible_to(request.user).select_related("instrument")
    document = get_object_or_404(
        Document.objects.select_related("source", "jurisdiction").prefetch_related(
            "tags",
            Prefetch("mentions__threshold", queryset=visible),
            Prefetch("sightings", queryset=Sighting.objects.select_related("source").order_by("first_seen_at")),
        ),
        pk=pk,
    )
    names = dict(Challenge.objects.values_list("code", "name"))
    tags = [
        {"tag": tag, "name": names.get(tag.category_id, tag.category_id)} for tag in DocumentTag.effective_for(document)
    ]
    passages = [
        (passage, row["name"])
        for row in tags
        if row["tag"].labelled
        for passage in row["tag"].evidence
        if isinstance(passage, dict)
    ]
    versions = list(document.versions.order_by("-number").only("number", "title", "fetched_at", "document_id"))
    numbers = [version.number for version in versions]
    comparable = [number for number in numbers if number - 1 in numbers]
    diff = None
    asked = _diff_number(request.GET.get("diff", ""), comparable)
    if asked is not None:
        old, new = document.versions.filter(number__in=[asked - 1, asked]).order_by("number")
        diff = {
            "number": asked,
            "title": (old.title, new.title) if old.title != new.title else None,
            "pieces": word_diff(old.text, new.text),
        }
    context = {
        "document": document,
        "tags": tags,
        "text": highlighted(document.text, passages),
        "versions": versions,
        "comparable": comparable,
        "diff": diff,
        "diff_asked": bool(request.GET.get("diff")),
        "mentions": document.mentions.all(),
        "sightings": document.sightings.all(),
    }
    return render(request, "tracker/site/document.html", context)
