"""The evaluator and the forecast through the API."""

import pytest

pytestmark = pytest.mark.django_db


def _results(response):
    assert response.status_code == 200, response.content
    return {row["threshold"]: row for row in response.json()["results"]}


def test_what_a_two_times_ten_to_the_26_model_triggers(api, registry):
    results = _results(api.get("/api/v1/evaluate/", {"training_compute_flop": "2e26"}))
    assert results["eu-compute"]["result"] == "triggered"
    assert results["ca-covered"]["result"] == "undetermined"
    assert results["ca-covered"]["missing"] == ["training_cost_usd"]
    assert results["ca-covered"]["in_force"] is False
    assert "found-5e24" not in results


def test_posting_a_profile_gives_the_same_answer(api, registry):
    results = _results(
        api.post("/api/v1/evaluate/", {"training_compute_flop": 2e26, "training_cost_usd": 3e8}, format="json")
    )
    assert results["ca-covered"]["result"] == "triggered"
    assert results["ca-covered"]["margin_oom"] == pytest.approx(0.3, abs=0.01)


def test_a_reference_model_by_name(api, registry):
    results = _results(api.get("/api/v1/evaluate/", {"model": "model a"}))
    assert results["eu-compute"]["result"] == "triggered"


@pytest.mark.parametrize(
    "params",
    [{"training_compute_flop": "-1"}, {"training_compute_flop": "many"}, {"model": "Nope"}, {"parameters": "inf"}],
)
def test_bad_profiles_are_a_400(api, registry, params):
    response = api.get("/api/v1/evaluate/", params)
    assert response.status_code == 400
    assert set(response.json()) & {*params, "model", "non_field_errors"}


def test_unknown_capability_findings_are_refused(api, registry):
    response = api.post("/api/v1/evaluate/", {"capability_findings": {"nonsense": True}}, format="json")
    assert response.status_code == 400
    assert "capability_findings" in response.json()


def test_the_forecast_gives_a_date_range_per_compute_threshold(api, registry):
    from registry.models import AIModel

    for year, flop in [(2020, 3e23), (2021, 1e24), (2022, 3e24), (2023, 2e25), (2024, 5e25)]:
        AIModel.objects.create(name=f"Frontier {year}", released=f"{year}-06-01", training_compute_flop=flop)
    body = api.get("/api/v1/forecast/").json()
    assert body["fit"]["growth_per_year"] > 1
    rows = {row["threshold"]: row for row in body["thresholds"]}
    assert set(rows) == {"eu-compute", "ca-covered"}
    ca = rows["ca-covered"]
    assert ca["earliest"] <= ca["expected"] <= ca["latest"]
    assert ca["crossed_by"] is None
    assert rows["eu-compute"]["crossed_by"] == "Frontier 2023"


def test_each_result_carries_exactly_the_documented_fields(api, registry):
    from api.serializers import EvaluationSerializer

    documented = set(EvaluationSerializer().fields)
    results = api.get("/api/v1/evaluate/", {"training_compute_flop": "2e26"}).json()["results"]
    assert results and all(set(result) == documented for result in results)
