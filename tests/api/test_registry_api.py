"""The registry through the API: shapes, visibility, filters, exports, conditional GET and query counts."""

import csv
import io

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_threshold_carries_its_conditions_and_instrument(api, registry):
    body = api.get("/api/v1/thresholds/", {"jurisdiction": "EU", "metric": "training_compute_flop"}).json()
    [threshold] = body["results"]
    assert threshold["slug"] == "eu-compute"
    assert threshold["review_status"] == "approved"
    assert threshold["in_force"] is True
    assert threshold["challenges"] == ["alignment"]
    assert threshold["conditions"] == [
        {"metric": "training_compute_flop", "operator": ">", "value": 1e25, "unit": "", "level": ""}
    ]
    assert threshold["readable"] == "more than 10^25 FLOP of training compute"
    assert {k: threshold["instrument"][k] for k in ("slug", "kind", "jurisdiction", "status", "in_force")} == {
        "slug": "eu-act", "kind": "law", "jurisdiction": "EU", "status": "in_force", "in_force": True,
    }  # fmt: skip


def test_a_threshold_reads_the_same_in_a_list_in_its_detail_and_under_its_instrument(api, registry):
    # Lists are written from rows, details from model instances: the two must not drift apart.
    listed = {t["slug"]: t for t in api.get("/api/v1/thresholds/").json()["results"]}
    detail = api.get(f"/api/v1/thresholds/{registry['eu'].pk}/").json()
    assert listed["eu-compute"] == detail
    under_instrument = api.get(f"/api/v1/instruments/{registry['eu'].instrument_id}/").json()["thresholds"]
    nested = next(t for t in under_instrument if t["slug"] == "eu-compute")
    assert nested == {key: value for key, value in detail.items() if key != "instrument"}


def test_compute_thresholds_at_or_below_ten_to_the_25_that_are_in_force(api, registry):
    body = api.get(
        "/api/v1/thresholds/", {"metric": "training_compute_flop", "value__lte": "1e25", "in_force": "true"}
    ).json()
    assert [t["slug"] for t in body["results"]] == ["eu-compute"]


def test_thresholds_not_in_force(api, registry):
    body = api.get("/api/v1/thresholds/", {"in_force": "false"}).json()
    assert [t["slug"] for t in body["results"]] == ["ca-covered"]
    assert body["results"][0]["in_force"] is False


def test_metric_and_value_must_hold_on_the_same_condition(api, registry):
    # ca-covered has a compute condition of 1e26 and a cost condition of 1e8: neither compute figure is <= 1e9.
    body = api.get("/api/v1/thresholds/", {"metric": "training_compute_flop", "value__lte": "1e9"}).json()
    assert body["results"] == []


def test_anonymous_users_never_see_candidates(api, registry):
    slugs = [t["slug"] for t in api.get("/api/v1/thresholds/", {"page_size": 100}).json()["results"]]
    assert "found-5e24" not in slugs
    assert api.get(f"/api/v1/thresholds/{registry['candidate'].pk}/").status_code == 404
    assert api.get("/api/v1/sources/").status_code in (401, 403)


def test_staff_see_the_review_queue(staff_api, registry):
    body = staff_api.get("/api/v1/thresholds/", {"review_status": "candidate"}).json()
    assert [t["slug"] for t in body["results"]] == ["found-5e24"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"value__lte": "lots"}, "value__lte"),
        ({"value__lte": "nan"}, "value__lte"),
        ({"value__gte": "-1"}, "value__gte"),
        ({"metric": "vibes"}, "metric"),
        ({"status": "pending"}, "status"),
        ({"in_force": "perhaps"}, "in_force"),
        ({"jurisdiction": "EU\x00"}, "jurisdiction"),
        ({"instrument": "x" * 600}, "instrument"),
        ({"ordering": "name,-obligations"}, "ordering"),
    ],
)
def test_invalid_parameters_are_a_400_that_names_the_parameter(api, registry, params, field):
    response = api.get("/api/v1/thresholds/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_list_queries_do_not_grow_with_page_size(api, registry, django_assert_max_num_queries):
    for n in range(30):
        factories.threshold(("training_compute_flop", ">", 10.0 ** (20 + n % 8)), slug=f"extra-{n}")
    with django_assert_max_num_queries(6):
        small = api.get("/api/v1/thresholds/", {"page_size": 2})
    with django_assert_max_num_queries(6):
        large = api.get("/api/v1/thresholds/", {"page_size": 100})
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 33
    with django_assert_max_num_queries(6):
        api.get("/api/v1/instruments/", {"page_size": 100})


def test_every_list_downloads_as_csv_with_the_same_filters(api, registry):
    response = api.get("/api/v1/thresholds/", {"jurisdiction": "US-CA", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["slug"] for row in rows] == ["ca-covered"]
    assert rows[0]["instrument.jurisdiction"] == "US-CA"
    assert (
        rows[0]["readable"]
        == "more than 10^26 FLOP of training compute AND more than $100 million of training compute cost"
    )
    for path in ("instruments", "models", "jurisdictions", "challenges"):
        assert api.get(f"/api/v1/{path}/", {"format": "csv"}).status_code == 200, path


def test_an_unchanged_list_answers_304_to_a_conditional_get(api, registry):
    first = api.get("/api/v1/thresholds/")
    again = api.get("/api/v1/thresholds/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    factories.threshold(("training_compute_flop", ">", 1e27), slug="new-one")
    assert api.get("/api/v1/thresholds/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_an_instrument_shows_its_approved_thresholds_and_timeline(api, registry):
    body = api.get(f"/api/v1/instruments/{registry['eu'].instrument_id}/").json()
    assert sorted(t["slug"] for t in body["thresholds"]) == ["eu-compute", "eu-revenue"]
    assert body["timeline"] == [{"date": "2024-08-01", "status": "in_force", "note": "Entered into force"}]
    assert body["challenges"] == ["alignment", "human_misuse"]


def test_instruments_filter_by_status_and_in_force(api, registry):
    vetoed = api.get("/api/v1/instruments/", {"status": "vetoed"}).json()["results"]
    assert [i["slug"] for i in vetoed] == ["ca-bill"]
    live = api.get("/api/v1/instruments/", {"in_force": "true"}).json()["results"]
    assert [i["slug"] for i in live] == ["eu-act"]


def test_models_jurisdictions_and_challenges(api, registry, documents):
    [model] = api.get("/api/v1/models/").json()["results"]
    assert model == {
        "name": "Model A", "developer": "Lab A", "released": "2024-07-23", "parameters": None,
        "training_compute_flop": 3.8e25, "confidence": "unknown", "source_url": "",
    }  # fmt: skip
    assert {"code": "US-CA", "name": "California"} in api.get("/api/v1/jurisdictions/").json()
    challenges = {c["code"]: c for c in api.get("/api/v1/challenges/").json()}
    assert challenges["alignment"]["thresholds"] == 1
    assert challenges["alignment"]["instruments"] == 1
    assert challenges["alignment"]["documents"] >= 1
    assert challenges["human_misuse"]["documents"] >= 1


def test_the_history_of_a_threshold_says_tightened(api, registry):
    threshold = registry["eu"]
    factories.backdate_history(threshold)
    condition = threshold.conditions.get()
    condition.value = 1e24
    condition.save()
    body = api.get(f"/api/v1/thresholds/{threshold.pk}/history/").json()
    [change] = body["condition_changes"]
    assert (change["before"], change["after"], change["effect"]) == (
        "more than 10^25 FLOP of training compute",
        "more than 10^24 FLOP of training compute",
        "tightened",
    )


def test_the_bulk_export_holds_the_whole_registry(api, registry):
    body = api.get("/api/v1/export/").json()
    assert {i["slug"] for i in body["instruments"]} == {"eu-act", "ca-bill"}
    assert body["models"][0]["name"] == "Model A"


@pytest.mark.parametrize("format", ["csv", "api"])
def test_the_export_is_json_only(api, registry, format):
    response = api.get("/api/v1/export/", {"format": format})
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert api.get("/api/v1/export/", {"format": ""}).json() == {"format": "Give json, or leave the parameter out."}
    schema = api.get("/api/schema/", {"format": "json"}).json()
    [parameter] = schema["paths"]["/api/v1/export/"]["get"]["parameters"]
    assert (parameter["name"], parameter["schema"]["enum"]) == ("format", ["json"])


def test_the_schema_says_a_mention_may_name_no_threshold(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert schema["components"]["schemas"]["Mention"]["properties"]["threshold"]["nullable"] is True


def test_a_threshold_reads_the_same_in_the_export_as_in_the_api(api, registry):
    detail = api.get(f"/api/v1/thresholds/{registry['ca'].pk}/").json()
    exported = api.get("/api/v1/export/").json()
    [instrument] = [i for i in exported["instruments"] if i["slug"] == "ca-bill"]
    [threshold] = instrument["thresholds"]
    assert threshold == {key: value for key, value in detail.items() if key != "instrument"}
