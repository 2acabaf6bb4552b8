"""Full-text search over documents: ranked, title above body, with web-search syntax, served by the GIN index."""

import pytest
from django.db import connection

from tests.tracker import factories
from tracker.ingesting import upsert_item
from tracker.models import Document

pytestmark = pytest.mark.django_db


def _document(external_id, title, text):
    return upsert_item(source=factories.source(), item=factories.item(external_id, title=title, text=text))[0]


@pytest.fixture
def documents():
    in_title = _document("a", "Deepfake rules for elections", "The commission consults on campaign material. " * 5)
    in_body = _document("b", "Annual report", "One chapter covers deepfake fraud against pensioners. " * 5)
    _document("c", "Fisheries update", "Quotas for the northern sea rise by two percent. " * 5)
    return in_title, in_body


def test_a_match_in_the_title_ranks_above_one_in_the_body(documents):
    assert list(Document.objects.search("deepfake")) == list(documents)


def test_web_search_syntax_excludes_words(documents):
    in_title, _ = documents
    assert list(Document.objects.search("deepfake -fraud")) == [in_title]


def test_the_search_uses_the_gin_index(documents):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a three-row table would otherwise be scanned
    assert "document_search" in Document.objects.search("deepfake").explain()


@pytest.mark.parametrize("query", ["-" * 100, "- " * 100, "-a " * 60, "or " * 300, '"' * 100, "(" * 100, "!" * 100])
def test_a_query_of_operators_alone_is_no_error(documents, query):
    assert list(Document.objects.search(query)) is not None
