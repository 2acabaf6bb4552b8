"""The evaluator page: a GET form whose answer lists every threshold's result, on the seeded registry."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from registry.models import AIModel
from tests import factories
from tests.site.test_chart import watch

pytestmark = pytest.mark.django_db
browser_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def seeded():
    call_command("seed_registry", verbosity=0)


def _section(body: str, heading: str) -> str:
    """The part of the page under an h3 that starts with `heading`, up to the next h3."""
    found = re.search(rf"<h3[^>]*>{re.escape(heading)}.*?(?=<h3|</section>)", body, re.S)
    return found.group(0) if found else ""


def test_the_empty_form_shows_no_answer(client, seeded):
    response = client.get("/evaluate/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<label for="id_training_compute_flop">Training compute (FLOP)</label>' in body
    assert 'id="answer"' not in body


def test_3e25_flop_triggers_the_eu_ai_act_and_not_sb_53(client, seeded):
    body = client.get("/evaluate/", {"training_compute_flop": "3e25"}).content.decode()
    triggered, not_triggered = _section(body, "Triggered"), _section(body, "Not triggered")
    assert "EU AI Act" in triggered
    assert "more than 10^25 FLOP of training compute" in triggered
    assert "California SB 53" not in triggered
    assert "California SB 53" in not_triggered


def test_the_answer_lists_triggered_thresholds_first(client, seeded):
    body = client.get("/evaluate/", {"training_compute_flop": "3e25"}).content.decode()
    assert body.index("Triggered (") < body.index("Cannot tell") < body.index("Not triggered (")


@pytest.mark.parametrize("typed", ["3e25", "3×10^25", "3x10^25", "3*10^25", "30,000,000,000,000,000,000,000,000"])
def test_figures_are_read_however_they_are_written(client, typed):
    body = client.get("/evaluate/", {"training_compute_flop": typed}).content.decode()
    assert '<dt>Training compute</dt><dd class="figure">3 × 10^25 FLOP</dd>' in body


def test_the_margin_is_given_in_orders_of_magnitude(client):
    factories.threshold(("training_compute_flop", ">", 1e25), name="Ten to the 25th")
    body = client.get("/evaluate/", {"training_compute_flop": "10^26"}).content.decode()
    assert "+1.00 <abbr" in _section(body, "Triggered")


def test_what_is_missing_is_named(client):
    factories.threshold(
        ("training_compute_flop", ">", 1e26), ("developer_revenue_usd", ">", 5e8), name="Big and rich developer"
    )
    body = client.get("/evaluate/", {"training_compute_flop": "10^27"}).content.decode()
    undetermined = _section(body, "Cannot tell")
    assert "Big and rich developer" in undetermined
    assert "Developer annual revenue" in undetermined


def test_the_obligations_of_a_triggered_threshold_are_shown(client):
    factories.threshold(("training_compute_flop", ">", 1e25), obligations="File a safety report with the office.")
    body = client.get("/evaluate/", {"training_compute_flop": "1e26"}).content.decode()
    assert "File a safety report with the office." in _section(body, "Triggered")


def test_whether_the_instrument_is_in_force_is_shown(client):
    bill = factories.instrument(status="proposed", effective_on=None)
    factories.threshold(("training_compute_flop", ">", 1e25), instrument_=bill, name="Bill figure")
    body = client.get("/evaluate/", {"training_compute_flop": "1e26"}).content.decode()
    assert 'not in force</span> <span class="help">(proposed)' in _section(body, "Triggered")


def test_picking_a_reference_model_fills_in_its_compute(client, seeded):
    model = AIModel.objects.with_compute().filter(training_compute_flop__gt=1e25).order_by("name").first()
    body = client.get("/evaluate/", {"model": model.name}).content.decode()
    assert f'<dt>Training compute</dt><dd class="figure">{model.compute_display}</dd>' in body
    assert f"Starting from the reference model {model.name}" in body
    assert "EU AI Act" in _section(body, "Triggered")


def test_a_fine_tune_counts_its_original_models_compute(client):
    AIModel.objects.create(name="Base model", training_compute_flop=9e24)
    factories.threshold(("training_compute_flop", ">", 1e25), name="Cumulative compute")
    query = {"made_by": "fine_tuned", "original_model": "Base model", "modification_compute_flop": "2e24"}
    body = client.get("/evaluate/", query).content.decode()
    assert "1.1 × 10^25 FLOP" in body
    assert "Cumulative compute" in _section(body, "Triggered")


def test_a_capability_finding_decides_a_capability_threshold(client):
    factories.threshold(("capability_level", ">=", 3, "Cyber-3"), domain="cyber", name="Cyber uplift level")
    body = client.get("/evaluate/", {"finding_cyber": "not_reached"}).content.decode()
    assert "Cyber uplift level" in _section(body, "Not triggered")
    assert '<dt>Capability finding: Cyber offence</dt><dd class="figure">ruled out</dd>' in body


def test_a_level_reached_triggers_it_and_the_lower_levels_of_its_framework(client):
    framework = factories.instrument(kind="framework", short_name="Lab Framework", jurisdiction=None)
    for rank, level in ((1, "Cyber-1"), (2, "Cyber-2"), (3, "Cyber-3")):
        factories.threshold(
            ("capability_level", ">=", rank, level),
            instrument_=framework,
            domain="cyber",
            slug=level.lower(),
            name=level,
        )
    body = client.get("/evaluate/", {"reached": "cyber-2"}).content.decode()
    triggered = _section(body, "Triggered")
    assert "Cyber-1" in triggered and "Cyber-2" in triggered
    assert "Cyber-3" in _section(body, "Cannot tell")
    assert '<label for="id_reached_1"><input type="checkbox" name="reached" value="cyber-2"' in body
    assert "<dt>Capability finding: Lab Framework: Cyber-2</dt>" in body


def test_an_unreviewed_threshold_is_not_in_the_public_answer(client):
    factories.threshold(("training_compute_flop", ">", 1e20), review_status="candidate", name="Unreviewed figure")
    body = client.get("/evaluate/", {"training_compute_flop": "1e26"}).content.decode()
    assert "Unreviewed figure" not in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"training_compute_flop": "lots"}, "Not a figure: &#x27;lots&#x27;"),
        ({"training_compute_flop": "-5"}, "is negative"),
        ({"training_compute_flop": "1e400"}, "Not a figure"),
        ({"training_cost_usd": "1e41"}, "larger than any model"),
        ({"model": "No such model"}, "Select a valid choice"),
        ({"finding_cyber": "reached"}, "Select a valid choice"),
        ({"reached": "no-such-level"}, "Select a valid choice"),
        ({"made_by": "grown"}, "Select a valid choice"),
        ({"parameters": "9" * 5000}, "Not a figure"),
    ],
)
def test_bad_input_is_a_400_with_the_reason_on_the_page(client, query, message):
    response = client.get("/evaluate/", query)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The form could not be read" in body
    assert message in body
    assert 'id="answer"' not in body


def test_the_evaluator_reads_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for n in range(30):
        factories.threshold(("training_compute_flop", ">", 10 ** (20 + n % 8)), ("parameters", ">", 1e9))
    with django_assert_max_num_queries(6):
        assert client.get("/evaluate/", {"training_compute_flop": "3e25"}).status_code == 200


@browser_db
def test_filling_in_the_form_gives_an_answer_with_a_shareable_address(page, live_server):
    call_command("seed_registry", verbosity=0)
    page.set_viewport_size({"width": 390, "height": 844})
    errors, failed = watch(page)
    page.goto("/evaluate/")
    page.get_by_label("Training compute (FLOP)").fill("3×10^25")
    page.get_by_role("button", name="Evaluate").click()
    page.wait_for_selector("h2#answer")
    assert "EU AI Act" in page.locator("table.evaluation.triggered").inner_text()
    assert "California SB 53" in page.locator("table.evaluation.not_triggered").inner_text()
    assert parse_qs(urlsplit(page.url).query)["training_compute_flop"] == ["3×10^25"]
    shared = page.context.new_page()
    shared.goto(page.url)
    assert "EU AI Act" in shared.locator("table.evaluation.triggered").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == [] and failed == []
