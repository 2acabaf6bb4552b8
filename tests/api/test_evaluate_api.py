"""The evaluator and the forecast through the API."""

import pytest

from tests import factories

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


def test_more_than_200_capability_findings_are_one_short_400(api, registry):
    findings = {f"finding-{i}": True for i in range(5000)}
    response = api.post("/api/v1/evaluate/", {"capability_findings": findings}, format="json")
    assert response.status_code == 400
    assert response.json() == {"capability_findings": ["Ensure this field has no more than 200 keys."]}
    schema = api.get("/api/schema/", {"format": "json"}).json()
    findings_schema = schema["components"]["schemas"]["ProfileRequest"]["properties"]["capability_findings"]
    assert findings_schema["maxProperties"] == 200


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


@pytest.fixture
def modification_lines(registry):
    act = registry["ca"].instrument
    factories.threshold(
        ("modification_compute_flop", ">=", 3e25), ("modification_cost_usd", ">", 1e7), instrument_=act,
        slug="ca-fine-tune",
    )  # fmt: skip
    factories.threshold(("distillation_cost_usd", ">", 5e6), instrument_=act, slug="ny-distilled")
    factories.threshold(("modification_compute_ratio", ">", 1 / 3), instrument_=act, slug="eu-modifier")


def test_a_model_s_whole_training_cost_is_not_read_as_fine_tuning_or_distillation(api, modification_lines):
    results = _results(api.get("/api/v1/evaluate/", {"training_compute_flop": "2e26", "training_cost_usd": "3e8"}))
    assert results["ca-covered"]["result"] == "triggered"
    assert results["ca-fine-tune"]["result"] == "undetermined"
    assert results["ca-fine-tune"]["missing"] == ["modification_compute_flop", "modification_cost_usd"]
    assert results["ny-distilled"]["result"] == "undetermined"
    pretrained = {"training_compute_flop": "2e26", "training_cost_usd": "3e8", "made_by": "pretrained"}
    results = _results(api.get("/api/v1/evaluate/", pretrained))
    assert {slug: results[slug]["result"] for slug in ("ca-fine-tune", "ny-distilled", "eu-modifier")} == {
        "ca-fine-tune": "not_triggered", "ny-distilled": "not_triggered", "eu-modifier": "not_triggered",
    }  # fmt: skip


def test_a_fine_tune_of_a_reference_model_is_judged_against_the_original_s_compute(api, modification_lines):
    fine_tune = {"made_by": "fine_tuned", "original_model": "Model A", "modification_compute_flop": 1.5e25}
    body = api.post("/api/v1/evaluate/", fine_tune, format="json").json()
    results = {row["threshold"]: row for row in body["results"]}
    assert results["eu-modifier"]["result"] == "triggered"  # 1.5e25 is more than a third of Model A's 3.8e25
    assert results["ca-fine-tune"]["result"] == "not_triggered"  # 1.5e25 is less than 3e25
    assert results["ny-distilled"]["result"] == "not_triggered"
    assert body["profile"]["original_compute_flop"] == 3.8e25


def test_a_pre_trained_model_is_judged_as_one_whatever_fine_tuning_figure_comes_with_it(api, modification_lines):
    response = api.get("/api/v1/evaluate/", {"made_by": "pretrained", "modification_cost_usd": "2e7"})
    assert response.status_code == 200
    body = response.json()
    assert body["profile"]["made_by"] == "pretrained" and body["profile"]["modification_cost_usd"] is None
    results = {row["threshold"]: row["result"] for row in body["results"]}
    assert results["ca-fine-tune"] == "not_triggered"


def test_the_answer_echoes_the_figures_a_reference_model_gave(api, registry):
    body = api.get("/api/v1/evaluate/", {"model": "Model A", "training_cost_usd": "3e8"}).json()
    assert body["profile"]["training_compute_flop"] == 3.8e25
    assert body["profile"]["training_cost_usd"] == 3e8
    assert body["profile"]["developer_revenue_usd"] is None


def test_an_unknown_parameter_is_a_400_that_names_it(api, registry):
    response = api.get("/api/v1/evaluate/", {"training_compute": "2e26", "training_compute_flop": "2e26"})
    assert response.status_code == 400
    assert list(response.json()) == ["training_compute"]
    posted = api.post("/api/v1/evaluate/", {"revenue": 1e9}, format="json")
    assert (posted.status_code, list(posted.json())) == (400, ["revenue"])


def test_the_schema_describes_the_400_of_evaluate(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    for method in ("get", "post"):
        assert "400" in schema["paths"]["/api/v1/evaluate/"][method]["responses"]


@pytest.mark.parametrize("params", [{"training_compute_flop": "1e-300"}, {"parameters": "5e-324"}])
def test_a_vanishingly_small_figure_is_evaluated_not_a_server_error(api, registry, params):
    response = api.get("/api/v1/evaluate/", params)
    assert response.status_code == 200
    assert response.json()["profile"][next(iter(params))] == float(next(iter(params.values())))


def test_a_nul_in_a_capability_finding_is_a_400(api, registry):
    response = api.post("/api/v1/evaluate/", {"capability_findings": {"eu-\x00compute": True}}, format="json")
    assert response.status_code == 400
    assert "capability_findings" in response.json()


def test_results_come_triggered_first_then_undetermined_then_not_triggered(api, registry):
    results = api.get("/api/v1/evaluate/", {"training_compute_flop": "5e25"}).json()["results"]
    assert [(row["result"], row["threshold"]) for row in results] == [
        ("triggered", "eu-compute"),
        ("undetermined", "eu-revenue"),
        ("not_triggered", "ca-covered"),
    ]


def test_a_fine_tune_s_training_compute_counts_the_original_s(api, registry):
    fine_tune = {"made_by": "fine_tuned", "original_model": "Model A", "modification_compute_flop": "1e25"}
    body = api.get("/api/v1/evaluate/", fine_tune).json()
    assert body["profile"]["training_compute_flop"] == 4.8e25
    assert _results(api.get("/api/v1/evaluate/", fine_tune))["eu-compute"]["result"] == "triggered"
