"""/thresholds/: every visible threshold side by side, filtered and sorted by the query."""

import datetime

import pytest
from django.urls import reverse

from tests import factories
from tests.site.conftest import elsewhere

pytestmark = pytest.mark.django_db
URL = reverse("thresholds")


def _rows(response) -> list[str]:
    """The thresholds' names in the table, in order."""
    body = response.content.decode()
    table = body[body.index("<tbody>") : body.index("</tbody>")] if "<tbody>" in body else ""
    return [row.split('">', 1)[1].split("</a>", 1)[0] for row in table.split('<td><a href="/thresholds/')[1:]]


@pytest.fixture
def eu_and_california():
    eu = factories.instrument(short_name="EU AI Act", jurisdiction=factories.jurisdiction("EU", "European Union"))
    ca = factories.instrument(
        short_name="SB 53", kind="bill", jurisdiction=factories.jurisdiction("US-CA", "California")
    )
    factories.threshold(("training_compute_flop", ">", 1e25), instrument_=eu, name="Systemic risk")
    factories.threshold(
        ("training_compute_flop", ">", 1e26),
        ("developer_revenue_usd", ">", 5e8),
        instrument_=ca,
        name="Large developer",
    )
    return eu, ca


def test_each_row_writes_the_figure_plainly_and_links_the_threshold_and_its_instrument(client, eu_and_california):
    eu, _ca = eu_and_california
    response = client.get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "more than 10^26 FLOP of training compute AND more than $500 million of developer annual revenue" in body
    assert f'href="{eu.get_absolute_url()}"' in body
    assert _rows(response) == ["Systemic risk", "Large developer"]


def test_unreviewed_thresholds_never_show_for_anonymous_users(client, eu_and_california):
    factories.threshold(("training_compute_flop", ">", 1e20), review_status="candidate", name="Unreviewed figure")
    factories.threshold(("training_compute_flop", ">", 1e21), review_status="in_review", name="Waiting figure")
    body = client.get(URL).content.decode()
    assert "Unreviewed figure" not in body
    assert "Waiting figure" not in body


def test_staff_who_may_view_thresholds_see_those_in_review(admin_client, eu_and_california):
    factories.threshold(("training_compute_flop", ">", 1e21), review_status="in_review", name="Waiting figure")
    assert "Waiting figure" in _rows(admin_client.get(URL))


@pytest.mark.parametrize("sort", ["figure", "name", "instrument", "jurisdiction", "status", "-status"])
def test_staff_see_a_candidate_with_no_instrument_in_every_order(admin_client, eu_and_california, sort):
    factories.threshold(
        ("training_compute_flop", ">", 2e25), instrument_=None, review_status="candidate", name="Found in a notice"
    )
    response = admin_client.get(URL, {"sort": sort})
    assert response.status_code == 200
    assert "Found in a notice" in _rows(response)
    assert "No instrument yet" in response.content.decode()


def test_the_jurisdiction_filter_keeps_that_jurisdictions_rows(client, eu_and_california):
    assert _rows(client.get(URL, {"jurisdiction": "US-CA"})) == ["Large developer"]


def test_jurisdictions_are_offered_and_explained_with_their_names(client, eu_and_california):
    body = client.get(URL).content.decode()
    assert '<option value="US-CA">US-CA — California</option>' in body
    assert "<dt>US-CA</dt><dd>California</dd>" in body


def test_labs_frameworks_are_the_rows_with_no_jurisdiction(client, eu_and_california):
    lab = factories.instrument(kind="framework", status="voluntary", jurisdiction=None, issuer="A lab")
    factories.threshold(("capability_level", "≥", 3, "CBRN-3"), instrument_=lab, name="Bio uplift level")
    assert _rows(client.get(URL, {"jurisdiction": "none"})) == ["Bio uplift level"]


def test_the_metric_filter_keeps_thresholds_with_a_condition_on_that_metric(client, eu_and_california):
    assert _rows(client.get(URL, {"metric": "developer_revenue_usd"})) == ["Large developer"]


def test_the_in_force_filter_leaves_out_instruments_not_applying_today(client, eu_and_california):
    vetoed = factories.instrument(status="vetoed", ended_on=datetime.date(2024, 9, 29), short_name="SB 1047")
    factories.threshold(("training_compute_flop", ">", 1e26), instrument_=vetoed, name="Covered model")
    assert "Covered model" not in _rows(client.get(URL, {"in_force": "true"}))
    assert _rows(client.get(URL, {"in_force": "false"})) == ["Covered model"]


def test_the_status_filter_keeps_instruments_with_that_status(client, eu_and_california):
    proposed = factories.instrument(status="proposed", effective_on=None, short_name="A bill")
    factories.threshold(("training_cost_usd", ">", 1e8), instrument_=proposed, name="Costly model")
    assert _rows(client.get(URL, {"status": "proposed"})) == ["Costly model"]


def test_the_kind_filter_keeps_instruments_of_that_kind(client, eu_and_california):
    assert _rows(client.get(URL, {"kind": "bill"})) == ["Large developer"]


def test_the_challenge_filter_keeps_thresholds_tagged_with_it(client, eu_and_california):
    tagged = factories.threshold(("parameters", ">", 1e11), name="Many parameters")
    tagged.challenges.add(factories.challenge("human_misuse"))
    assert _rows(client.get(URL, {"challenge": "human_misuse"})) == ["Many parameters"]


def test_empty_fields_of_a_submitted_form_filter_nothing(client, eu_and_california):
    query = {"jurisdiction": "", "metric": "", "status": "", "in_force": "", "challenge": "", "kind": ""}
    response = client.get(URL, query)
    assert response.status_code == 200
    assert len(_rows(response)) == 2


def test_sorting_by_figure_descending_puts_the_highest_first(client, eu_and_california):
    assert _rows(client.get(URL, {"sort": "-figure"})) == ["Large developer", "Systemic risk"]


def test_sorting_by_jurisdiction_orders_by_its_code(client, eu_and_california):
    assert _rows(client.get(URL, {"sort": "-jurisdiction"})) == ["Large developer", "Systemic risk"]
    assert _rows(client.get(URL, {"sort": "jurisdiction"})) == ["Systemic risk", "Large developer"]


def test_the_sorted_column_says_so_and_its_link_reverses_the_order(client, eu_and_california):
    body = client.get(URL, {"sort": "instrument", "jurisdiction": "EU"}).content.decode()
    assert 'aria-sort="ascending"><a href="?sort=-instrument&amp;jurisdiction=EU"' in body or (
        'aria-sort="ascending"><a href="?jurisdiction=EU&amp;sort=-instrument"' in body
    )


def test_the_form_keeps_the_values_asked_for(client, eu_and_california):
    body = client.get(URL, {"jurisdiction": "EU", "in_force": "true", "kind": "law"}).content.decode()
    assert '<option value="EU" selected>' in body
    assert '<option value="true" selected>' in body
    assert '<option value="law" selected>' in body


def test_an_unknown_jurisdiction_is_a_message_on_the_page_and_a_400(client, eu_and_california):
    response = client.get(URL, {"jurisdiction": "XX"})
    assert response.status_code == 400
    assert "Jurisdiction: No jurisdiction has this code: pick one from the list." in response.content.decode()


def test_an_in_force_value_other_than_true_or_false_is_a_400_that_says_so(client):
    response = client.get(URL, {"in_force": "maybe"})
    assert response.status_code == 400
    assert "In force today: Use true or false." in response.content.decode()


def test_an_unknown_sort_is_a_message_and_a_400(client, eu_and_california):
    response = client.get(URL, {"sort": "colour"})
    assert response.status_code == 400
    assert "Cannot sort by &#x27;colour&#x27;" in response.content.decode()


def test_the_table_scrolls_in_its_own_labelled_box(client, eu_and_california):
    body = client.get(URL).content.decode()
    assert '<div class="table-scroll" tabindex="0" role="region" aria-label="Thresholds side by side">' in body


def test_the_number_of_queries_does_not_grow_with_the_thresholds(client, django_assert_max_num_queries):
    for n in range(30):
        threshold = factories.threshold(("training_compute_flop", ">", 10.0 ** (20 + n % 7)), ("parameters", ">", 1e9))
        threshold.challenges.add(factories.challenge("alignment"))
    with django_assert_max_num_queries(4):
        response = client.get(URL, {"jurisdiction": "EU", "challenge": "alignment", "sort": "status"})
    assert len(_rows(response)) == 30


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_phone_browser_the_filter_form_narrows_the_table_and_nothing_is_wider_than_the_screen(page, live_server):
    eu = factories.instrument(short_name="EU AI Act", jurisdiction=factories.jurisdiction("EU", "European Union"))
    ca = factories.instrument(short_name="SB 53", jurisdiction=factories.jurisdiction("US-CA", "California"))
    factories.threshold(("training_compute_flop", ">", 1e25), instrument_=eu, name="Systemic risk")
    factories.threshold(("training_compute_flop", ">", 1e26), ("developer_revenue_usd", ">", 5e8), instrument_=ca)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(URL)
    assert page.locator("tbody tr").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.select_option("#id_jurisdiction", "EU")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**jurisdiction=EU**")
    assert page.locator("tbody tr").count() == 1
    assert "Systemic risk" in page.locator("tbody").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert elsewhere(page, live_server) == []


def test_sorting_by_figure_descending_keeps_each_metric_together(client, eu_and_california):
    factories.threshold(("training_cost_usd", ">", 1e9), name="Costly run")
    factories.threshold(("training_cost_usd", ">", 1e8), name="Cheaper run")
    assert _rows(client.get(URL, {"sort": "-figure"})) == [
        "Large developer",
        "Systemic risk",
        "Costly run",
        "Cheaper run",
    ]
