"""The registry's commands as a user runs them: evaluate_model, export_registry and ensure_admin."""

import csv
import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.management.commands.ensure_admin import password_file
from registry.models import AIModel
from tests import factories

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def two_lines():
    eu = factories.threshold(("training_compute_flop", ">", 1e25), slug="eu-compute", obligations="Notify the office.")
    us = factories.threshold(
        ("training_compute_flop", ">", 1e26),
        ("training_cost_usd", ">", 1e8),
        slug="us-compute-and-cost",
        instrument_=factories.instrument(jurisdiction=factories.jurisdiction("US-CA", "California")),
    )
    return eu, us


def test_evaluate_model_json_lists_every_approved_threshold(two_lines):
    eu, _ = two_lines
    results = {
        row["threshold"]: row for row in json.loads(_run("evaluate_model", "--training-compute", "3.8e25", "--json"))
    }
    assert set(results) == {"eu-compute", "us-compute-and-cost"}
    assert results["eu-compute"]["result"] == "triggered"
    assert results["eu-compute"]["threshold_id"] == eu.pk
    assert results["eu-compute"]["obligations"] == "Notify the office."
    assert results["eu-compute"]["in_force"] is True
    assert results["eu-compute"]["jurisdiction"] == "EU"
    assert results["us-compute-and-cost"]["result"] == "not_triggered"
    assert results["us-compute-and-cost"]["missing"] == ["training_cost_usd"]
    assert results["us-compute-and-cost"]["margin_oom"] == pytest.approx(-0.42, abs=0.01)
    expected_keys = {"threshold_id", "threshold", "instrument", "jurisdiction", "instrument_status", "in_force",
                     "result", "missing", "margin_oom", "obligations"}  # fmt: skip
    assert expected_keys <= set(results["eu-compute"])


def test_evaluate_model_prints_a_readable_table(two_lines):
    table = _run("evaluate_model", "--training-compute", "2e26", "--training-cost-usd", "3e8")
    assert "2 triggered, 0 not triggered, 0 undetermined" in table
    assert "triggered" in table.splitlines()[1]


def test_evaluate_model_starts_from_a_reference_model(two_lines):
    AIModel.objects.create(name="Llama 3.1-405B", training_compute_flop=3.8e25)
    results = json.loads(_run("evaluate_model", "--model", "llama 3.1-405b", "--json"))
    assert {r["threshold"]: r["result"] for r in results}["eu-compute"] == "triggered"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--training-compute", "-5"], "zero or more"),
        (["--training-compute", "lots"], "Not a figure"),
        (["--training-compute", "nan"], "Not a figure"),
        (["--model", "No Such Model"], "unknown model"),
        (["--finding", "cyber"], "--finding takes"),
    ],
)
def test_evaluate_model_refuses_bad_input_with_exit_status_2(args, message):
    with pytest.raises(CommandError) as error:
        call_command("evaluate_model", *args)
    assert message in str(error.value)
    assert error.value.returncode == 2


def test_evaluate_model_bad_input_is_one_line_on_stderr_and_exit_2():
    done = subprocess.run(
        [sys.executable, "manage.py", "evaluate_model", "--training-compute", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0
    assert "zero or more" in done.stderr


def test_export_registry_json_has_instruments_thresholds_conditions_and_models(two_lines):
    eu, _ = two_lines
    AIModel.objects.create(name="Model A", developer="Lab", training_compute_flop=2e25, confidence="likely")
    data = json.loads(_run("export_registry", "--format", "json"))
    instrument = next(i for i in data["instruments"] if i["id"] == eu.instrument_id)
    assert {"id", "slug", "kind", "title", "issuer", "jurisdiction", "status", "in_force", "effective_on",
            "source_url", "challenges", "thresholds"} <= set(instrument)  # fmt: skip
    [threshold] = instrument["thresholds"]
    assert threshold["slug"] == "eu-compute"
    assert threshold["conditions"] == [
        {"metric": "training_compute_flop", "operator": ">", "value": 1e25, "unit": "", "level": ""}
    ]
    assert threshold["readable"] == "more than 10^25 FLOP of training compute"
    assert data["models"] == [
        {"name": "Model A", "developer": "Lab", "released": None, "training_compute_flop": 2e25,
         "confidence": "likely", "source_url": ""}
    ]  # fmt: skip


def test_export_registry_csv_has_one_row_per_condition(two_lines):
    rows = list(csv.DictReader(io.StringIO(_run("export_registry", "--format", "csv"))))
    assert len(rows) == 3
    compound = [row for row in rows if row["threshold_slug"] == "us-compute-and-cost"]
    assert {(row["metric"], row["operator"], float(row["value"])) for row in compound} == {
        ("training_compute_flop", ">", 1e26),
        ("training_cost_usd", ">", 1e8),
    }
    assert compound[0]["instrument_jurisdiction"] == "US-CA"


def test_export_registry_csv_to_a_folder_writes_models_too(two_lines, tmp_path):
    AIModel.objects.create(name="Model A", training_compute_flop=2e25)
    call_command("export_registry", "--format", "csv", "--output", str(tmp_path), stderr=io.StringIO())
    models = list(csv.DictReader((tmp_path / "models.csv").open()))
    assert models[0]["name"] == "Model A"
    assert (tmp_path / "thresholds.csv").read_text().startswith("instrument_id,")


def test_ensure_admin_writes_a_password_file_that_logs_in_as_it_is(client, settings, tmp_path, monkeypatch):
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    settings.VAR_DIR = tmp_path
    output = _run("ensure_admin")
    password = password_file().read_text().strip()
    assert f"password {password!r}" in output
    assert client.login(username="admin", password=password)
    assert "already exists" in _run("ensure_admin")


def test_export_registry_writes_what_the_public_sees_unless_asked_for_unreviewed(two_lines):
    factories.threshold(("training_compute_flop", ">", 3e25), slug="draft-3e25", review_status="in_review")
    factories.threshold(("training_cost_usd", ">", 5e7), slug="rejected-cost", review_status="rejected")

    def slugs(*args):
        data = json.loads(_run("export_registry", "--format", "json", *args))
        return {t["slug"] for instrument in data["instruments"] for t in instrument["thresholds"]}

    assert slugs() == {"eu-compute", "us-compute-and-cost"}
    assert slugs("--unreviewed") == {"eu-compute", "us-compute-and-cost", "draft-3e25", "rejected-cost"}
    rows = csv.DictReader(io.StringIO(_run("export_registry", "--format", "csv")))
    assert {row["threshold_slug"] for row in rows} - {""} == {"eu-compute", "us-compute-and-cost"}


def test_evaluate_model_lists_results_in_the_api_s_order(two_lines, client):
    factories.threshold(("developer_revenue_usd", ">", 5e8), slug="eu-revenue")
    table = _run("evaluate_model", "--training-compute", "5e25").splitlines()[1:4]
    api = client.get("/api/v1/evaluate/", {"training_compute_flop": "5e25"}).json()["results"]
    names = [f"{row['instrument']}: {row['name']}" for row in api]
    assert [line.split()[0] for line in table] == [row["result"] for row in api]
    assert all(name in line for name, line in zip(names, table, strict=True))


def test_evaluate_model_shows_each_threshold_s_conditions_by_name(two_lines):
    table = _run("evaluate_model", "--training-compute", "5e25")
    assert "(more than 10^26 FLOP of training compute AND more than $100 million of training compute cost)" in table


def test_evaluate_model_a_vanishingly_small_figure_is_evaluated_without_a_traceback(two_lines):
    table = _run("evaluate_model", "--training-compute", "1e-300")
    assert "not_triggered" in table and "Traceback" not in table


def test_reference_model_figures_are_stored_without_float_noise():
    model = AIModel.objects.create(
        name="Noisy", training_compute_flop=4.6400000000000005e26, parameters=1.0000000001e11
    )
    model.refresh_from_db()
    assert (model.training_compute_flop, model.parameters) == (4.64e26, 1e11)


def test_export_registry_csv_quotes_cells_a_spreadsheet_would_run(tmp_path):
    factories.threshold(
        ("training_compute_flop", ">", 1e25), name="=1+1", instrument_=factories.instrument(title="+cmd")
    )
    AIModel.objects.create(name="@risky", developer="-1-1", training_compute_flop=2e25)
    call_command("export_registry", "--format", "csv", "--output", str(tmp_path), stderr=io.StringIO())
    [threshold] = csv.DictReader((tmp_path / "thresholds.csv").open())
    [model] = csv.DictReader((tmp_path / "models.csv").open())
    assert (threshold["threshold_name"], threshold["instrument_title"], threshold["value"]) == (
        "'=1+1",
        "'+cmd",
        "1e+25",
    )
    assert (model["name"], model["developer"], model["training_compute_flop"]) == ("'@risky", "'-1-1", "2e+25")


def test_evaluate_model_refuses_a_finding_it_does_not_know_as_the_api_does(two_lines):
    with pytest.raises(CommandError, match="'nonexistent' is neither a domain nor a threshold slug"):
        _run("evaluate_model", "--finding", "nonexistent=reached")
    with pytest.raises(CommandError, match="names cyber more than once"):
        _run("evaluate_model", "--finding", "cyber=reached", "--finding", "cyber=not_reached")


def test_an_admin_made_on_another_database_keeps_its_password_apart(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    assert password_file().name != "admin-password.txt"  # the test database is not the embedded default's
    assert password_file(tmp_path / "db.sqlite3") == tmp_path / "admin-password.txt"
