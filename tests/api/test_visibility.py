"""Who sees which thresholds: an anonymous visitor sees approved ones only, on every surface, and cannot learn a
threshold in review exists by asking about its slug."""

import datetime

import pytest
from rest_framework.test import APIClient

from registry import reviewing
from registry.models import CapabilityThreshold
from tests import factories
from tests.tracker import factories as tracker_factories
from tracker.models import ThresholdMention

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreviewed(registry, reviewer):
    """Beside the fixture's approved thresholds and its candidate: one in review and one rejected, both on the EU
    act, and a document that mentions the one in review."""
    act = registry["eu"].instrument
    in_review = factories.threshold(
        ("training_compute_flop", ">", 3e25), instrument_=act, review_status="in_review", slug="draft-3e25"
    )
    rejected = factories.threshold(
        ("training_cost_usd", ">", 5e7),
        instrument_=act,
        review_status="rejected",
        slug="rejected-cost",
        review_note="A price list, not a threshold.",
    )
    document = tracker_factories.document(
        first_seen_at=datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC),
        text="Models trained with more than 3 × 10^25 FLOP would have to be registered.",
    )
    ThresholdMention.objects.create(
        document=document,
        metric="training_compute_flop",
        operator="gt",
        value=3e25,
        text="more than 3 × 10^25 FLOP",
        start=18,
        end=42,
        sentence=document.text,
        threshold=in_review,
    )
    return {"in_review": in_review, "rejected": rejected, "document": document}


HIDDEN = {"draft-3e25", "rejected-cost", "found-5e24"}


def test_the_export_holds_approved_thresholds_only(api, unreviewed):
    body = api.get("/api/v1/export/").json()
    slugs = {t["slug"] for instrument in body["instruments"] for t in instrument["thresholds"]}
    assert slugs == {"eu-compute", "eu-revenue", "ca-covered"}


def test_staff_export_holds_every_threshold(staff_api, unreviewed):
    body = staff_api.get("/api/v1/export/").json()
    slugs = {t["slug"] for instrument in body["instruments"] for t in instrument["thresholds"]}
    assert {"draft-3e25", "rejected-cost"} <= slugs


def test_the_threshold_list_detail_and_instrument_show_approved_thresholds_only(api, unreviewed):
    listed = {t["slug"] for t in api.get("/api/v1/thresholds/", {"page_size": 100}).json()["results"]}
    assert listed == {"eu-compute", "eu-revenue", "ca-covered"}
    assert api.get(f"/api/v1/thresholds/{unreviewed['in_review'].pk}/").status_code == 404
    assert api.get(f"/api/v1/thresholds/{unreviewed['rejected'].pk}/").status_code == 404
    nested = api.get(f"/api/v1/instruments/{unreviewed['in_review'].instrument_id}/").json()["thresholds"]
    assert {t["slug"] for t in nested} == {"eu-compute", "eu-revenue"}


def test_a_document_mention_does_not_name_a_threshold_in_review(api, staff_api, unreviewed):
    url = f"/api/v1/documents/{unreviewed['document'].pk}/"
    [mention] = api.get(url).json()["mentions"]
    assert (mention["text"], mention["threshold"]) == ("more than 3 × 10^25 FLOP", None)
    assert staff_api.get(url).json()["mentions"][0]["threshold"] == "draft-3e25"


@pytest.mark.parametrize("slug", ["draft-3e25", "rejected-cost", "found-5e24"])
def test_evaluate_answers_a_hidden_slug_as_it_answers_an_unknown_one(api, unreviewed, slug):
    hidden = api.post("/api/v1/evaluate/", {"capability_findings": {slug: True}}, format="json")
    unknown = api.post("/api/v1/evaluate/", {"capability_findings": {"no-such-slug": True}}, format="json")
    assert (hidden.status_code, unknown.status_code) == (400, 400)
    assert hidden.json()["capability_findings"] == [
        message.replace("no-such-slug", slug) for message in unknown.json()["capability_findings"]
    ]


@pytest.mark.parametrize(
    "address",
    [
        "/",
        "/thresholds/",
        "/chart/",
        "/chart.csv",
        "/challenges/",
        "/changes/",
        "/evaluate/?training_compute_flop=9e29",
    ],
)
def test_the_site_lists_approved_thresholds_only(client, registry, unreviewed, address):
    page = client.get(address).content.decode()
    if address == "/thresholds/":
        assert registry["eu"].name in page
    for threshold in (unreviewed["in_review"], unreviewed["rejected"]):
        assert threshold.name not in page and threshold.slug not in page


def test_the_site_has_no_page_for_an_unreviewed_threshold(client, unreviewed):
    for threshold in (unreviewed["in_review"], unreviewed["rejected"]):
        assert client.get(threshold.get_absolute_url()).status_code == 404
    instrument = client.get(unreviewed["in_review"].instrument.get_absolute_url()).content.decode()
    assert unreviewed["in_review"].name not in instrument
    assert unreviewed["rejected"].name not in instrument


@pytest.fixture
def reviewed_history(registry, reviewer, editor):
    """A candidate that an editor annotated, a reviewer rejected, sent back and approved; its challenges and a
    condition changed along the way."""
    threshold = registry["candidate"]
    factories.backdate_history(threshold)
    threshold.instrument = factories.instrument(slug="lab-policy")
    threshold.notes = "Staff only: the lab disputes the figure"
    threshold._history_user, threshold._change_reason = editor, "Staff only: after a call with the lab"
    threshold.save()
    reviewing.reject(threshold=threshold, reviewer=reviewer, note="Staff only: figure unclear")
    reviewing.send_back(threshold=threshold, reviewer=reviewer, note="Staff only: second look")
    threshold.challenges.set(["alignment"])
    condition = threshold.conditions.get()
    condition.value = 1e24
    condition._history_user = editor
    condition.save()
    reviewing.approve(threshold=threshold, reviewer=reviewer, note="Staff only: checked")
    return threshold


def test_anonymous_history_shows_only_what_the_threshold_shows(api, reviewed_history, reviewer, editor):
    response = api.get(f"/api/v1/thresholds/{reviewed_history.pk}/history/")
    assert response.status_code == 200
    body = response.json()
    text = response.content.decode()
    for secret in ("Staff only", "reviewer", "editor", "rejected", "in_review", "capabilitythreshold"):
        assert secret not in text
    assert {change["user"] for change in body["changes"] + body["condition_changes"]} == {None}
    # The public history starts at the approval: the drafts before it were never public.
    [approved] = body["changes"]
    assert approved["fields"] == {}
    [condition] = body["condition_changes"]
    assert (condition["after"], condition["effect"], condition["reason"]) == (
        "more than 10^24 FLOP of training compute",
        "tightened",
        None,
    )


def test_staff_see_the_whole_history_with_challenges_by_code(staff_api, reviewed_history):
    body = staff_api.get(f"/api/v1/thresholds/{reviewed_history.pk}/history/").json()
    changed = [
        (change["user"], name, field["after"]) for change in body["changes"] for name, field in change["fields"].items()
    ]
    assert ("editor", "notes", "Staff only: the lab disputes the figure") in changed
    assert ("reviewer", "review_status", "rejected") in changed
    assert ("reviewer", "review_note", "Staff only: checked") in changed
    assert [after for _, name, after in changed if name == "challenges"] == [["alignment"]]
    assert body["condition_changes"][0]["user"] == "editor"


def test_staff_without_the_threshold_view_permission_see_the_public_history(reviewed_history, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    client = APIClient()
    client.force_authenticate(clerk)
    response = client.get(f"/api/v1/thresholds/{reviewed_history.pk}/history/")
    assert response.status_code == 200
    assert "Staff only" not in response.content.decode()
    assert {change["user"] for change in response.json()["changes"]} == {None}


def test_staff_who_may_not_view_thresholds_see_only_approved_ones(django_user_model):
    factories.threshold(("training_compute_flop", ">", 1e25), slug="public-one")
    factories.threshold(("training_compute_flop", ">", 3e25), slug="draft-one", review_status="in_review")
    clerk = django_user_model.objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    assert set(CapabilityThreshold.objects.visible_to(clerk).values_list("slug", flat=True)) == {"public-one"}


def test_the_api_root_links_to_the_api_not_to_the_site(client):
    """The site's pages and the API's lists once shared URL names, and the root then linked to HTML pages."""
    links = client.get("/api/v1/", HTTP_ACCEPT="application/json").json()
    assert links["threshold"].endswith("/api/v1/thresholds/")
    assert links["instrument"].endswith("/api/v1/instruments/")
    assert links["document"].endswith("/api/v1/documents/")
