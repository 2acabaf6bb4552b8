"""Documents through the API: search, challenge filters, evidence, corrections."""

import datetime

import pytest
from rest_framework.test import APIClient

from tests.tracker import factories as tracker_factories
from tracker.ingesting import upsert_item
from tracker.models import DocumentTag

pytestmark = pytest.mark.django_db


def test_documents_about_human_misuse_with_their_evidence(api, documents):
    body = api.get("/api/v1/documents/", {"challenge": "human_misuse"}).json()
    [document] = body["results"]
    assert document["title"] == "Deepfake voice fraud hits banks"
    assert "human_misuse" in document["labels"]
    tag = next(t for t in document["tags"] if t["category"] == "human_misuse")
    assert tag["labelled"] and tag["evidence"][0]["text"]
    assert "next" in body and "count" not in body  # cursor pagination


def test_min_score_filters_out_weak_tags(api, documents):
    assert api.get("/api/v1/documents/", {"challenge": "human_misuse", "min_score": "1"}).json()["results"] == []


def test_full_text_search_ranks_and_pages(api, documents):
    assert [d["title"] for d in api.get("/api/v1/documents/", {"q": "deepfake"}).json()["results"]] == [
        "Deepfake voice fraud hits banks"
    ]
    body = api.get("/api/v1/documents/", {"q": "deepfake OR deception", "page_size": 1}).json()
    assert body["count"] == 2
    assert body["next"]
    assert api.get("/api/v1/documents/", {"q": "fisheries"}).json()["results"] == []


def test_documents_come_newest_first_or_oldest_first_page_by_page(api, documents):
    newest = [d["published_at"] for d in api.get("/api/v1/documents/").json()["results"]]
    assert newest == sorted(newest, reverse=True) and len(newest) > 1
    first = api.get("/api/v1/documents/", {"ordering": "published_at", "page_size": 1}).json()
    second = api.get(first["next"]).json()
    assert [first["results"][0]["published_at"], second["results"][0]["published_at"]] == sorted(newest)[:2]
    refused = api.get("/api/v1/documents/", {"ordering": "-text"})
    assert refused.status_code == 400
    assert refused.json()["ordering"] == ["Cannot order by -text: use published_at (a leading - for descending)."]
    assert api.get("/api/v1/documents/", {"ordering": "--published_at"}).status_code == 400


def test_paging_through_documents_published_at_the_same_moment_shows_each_once(api, documents):
    source = tracker_factories.source(name="Dated feed")
    for n in range(5):  # the same published_at as the fixture's two
        text = f"Notice {n} on the same day. " + tracker_factories.LONG_TEXT
        upsert_item(source=source, item=tracker_factories.item(f"same-{n}", title=f"Same day {n}", text=text))
    for params, count in (({}, 7), ({"source": source.pk}, 5)):  # with a filter, PostgreSQL sorts the rows itself
        query = {"ordering": "-published_at", "page_size": 2, **params}
        seen, page = [], api.get("/api/v1/documents/", query).json()
        while True:
            seen += [d["id"] for d in page["results"]]
            if not page["next"]:
                break
            page = api.get(page["next"]).json()
        assert len(seen) == count
        assert seen == sorted(seen, reverse=True)  # ties broken by id, in the asked direction


def test_a_document_shows_text_versions_and_mentions(api, documents):
    body = api.get(f"/api/v1/documents/{documents[0].pk}/").json()
    assert body["text"]
    assert [v["number"] for v in body["versions"]] == [1]
    assert isinstance(body["mentions"], list)


def test_documents_list_queries_do_not_grow_with_page_size(api, documents, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        api.get("/api/v1/documents/", {"page_size": 1})
    with django_assert_max_num_queries(5):
        api.get("/api/v1/documents/", {"page_size": 100})


def test_staff_correct_a_tag_and_it_wins(staff_api, api, documents):
    fraud = documents[1]
    response = staff_api.post(
        f"/api/v1/documents/{fraud.pk}/tags/", {"category": "human_misuse", "labelled": False, "note": "Not about AI"}
    )
    assert response.status_code == 200
    assert "human_misuse" not in response.json()["labels"]
    assert api.get("/api/v1/documents/", {"challenge": "human_misuse"}).json()["results"] == []


def test_a_document_reads_the_same_in_the_list_as_in_its_detail(staff_api, api, documents):
    # The list is written from rows and the detail from model instances: the two must not drift apart.
    fraud = documents[1]
    staff_api.post(f"/api/v1/documents/{fraud.pk}/tags/", {"category": "alignment", "labelled": True, "note": "Also"})
    [listed] = [d for d in api.get("/api/v1/documents/").json()["results"] if d["id"] == fraud.pk]
    detail = api.get(f"/api/v1/documents/{fraud.pk}/").json()
    assert listed == {key: detail[key] for key in listed}
    assert "alignment" in listed["labels"]
    alignment = next(tag for tag in listed["tags"] if tag["category"] == "alignment")
    assert (alignment["origin"], alignment["note"]) == ("person", "Also")
    assert len({tag["category"] for tag in listed["tags"]}) == len(listed["tags"])  # one tag per challenge


def test_anonymous_users_cannot_correct_tags(api, documents):
    response = api.post(f"/api/v1/documents/{documents[0].pk}/tags/", {"category": "alignment", "labelled": False})
    assert response.status_code in (401, 403)


def test_staff_without_the_tag_permissions_cannot_correct_tags(reviewer, documents):
    # reviewer is staff with registry permissions only: the admin refuses them tags, and so does the API.
    client = APIClient()
    client.force_authenticate(reviewer)
    fraud = documents[1]
    response = client.post(f"/api/v1/documents/{fraud.pk}/tags/", {"category": "human_misuse", "labelled": False})
    assert response.status_code == 403
    assert "tracker.change_documenttag" in response.json()["detail"]
    assert not DocumentTag.objects.filter(document=fraud, origin="person").exists()


def test_staff_without_the_source_permission_cannot_list_sources(reviewer):
    client = APIClient()
    client.force_authenticate(reviewer)
    response = client.get("/api/v1/sources/")
    assert response.status_code == 403
    assert "tracker.view_source" in response.json()["detail"]


def test_bad_document_filters_are_a_400(api, documents):
    assert api.get("/api/v1/documents/", {"challenge": "ethics"}).status_code == 400
    assert api.get("/api/v1/documents/", {"published_after": "last tuesday"}).status_code == 400
    assert api.get("/api/v1/documents/", {"min_score": "2"}).status_code == 400


def test_the_browsable_api_lists_documents_with_every_filter_in_its_form(api, documents):
    # Requests validate only the filters they name; the HTML filter form still offers all of them.
    response = api.get("/api/v1/documents/", {"challenge": "human_misuse"}, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Deepfake voice fraud hits banks" in page
    for name in (
        "q",
        "challenge",
        "min_confidence",
        "min_score",
        "jurisdiction",
        "published_after",
        "published_before",
    ):
        assert f'name="{name}"' in page, name


def test_min_confidence_keeps_documents_whose_tag_is_at_least_that_probable(api, documents):
    fraud = next(d for d in documents if d.title.startswith("Deepfake"))
    DocumentTag.objects.filter(document=fraud, category="human_misuse").update(score=0.85)

    def titles(least):
        body = api.get("/api/v1/documents/", {"challenge": "human_misuse", "min_confidence": least}).json()
        return [d["title"] for d in body["results"]]

    assert titles("0.8") == ["Deepfake voice fraud hits banks"]
    assert titles("0.9") == []
    body = api.get("/api/v1/documents/", {"challenge": "human_misuse"}).json()
    assert next(t for t in body["results"][0]["tags"] if t["category"] == "human_misuse")["score"] == 0.85


def test_min_confidence_counts_a_persons_correction_as_certain(staff_api, api, documents):
    fraud = next(d for d in documents if d.title.startswith("Deepfake"))
    DocumentTag.objects.filter(document=fraud, category="human_misuse").update(score=0.3)
    staff_api.post(f"/api/v1/documents/{fraud.pk}/tags/", {"category": "human_misuse", "labelled": True})

    body = api.get("/api/v1/documents/", {"challenge": "human_misuse", "min_confidence": "0.99"}).json()

    assert [d["title"] for d in body["results"]] == ["Deepfake voice fraud hits banks"]


def test_a_min_confidence_outside_zero_to_one_is_a_400(api, documents):
    response = api.get("/api/v1/documents/", {"challenge": "human_misuse", "min_confidence": "1.5"})

    assert response.status_code == 400
    assert "min_confidence" in response.json()


def test_a_document_gives_the_last_day_of_its_comment_period(api):
    item = tracker_factories.item("rfc", comments_close_on=datetime.date(2026, 12, 15))
    document, _ = upsert_item(source=tracker_factories.source(), item=item)

    listed = api.get("/api/v1/documents/").json()["results"]
    detail = api.get(f"/api/v1/documents/{document.pk}/").json()

    assert [row["comments_close_on"] for row in listed] == ["2026-12-15"]
    assert detail["comments_close_on"] == "2026-12-15"
