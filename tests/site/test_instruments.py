"""/instruments/: every instrument by jurisdiction, with its status, key dates and visible thresholds."""

import datetime

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("instruments")


def _text(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


@pytest.fixture
def registry():
    eu = factories.jurisdiction("EU", "European Union")
    ca = factories.jurisdiction("US-CA", "California")
    act = factories.instrument(short_name="EU AI Act", jurisdiction=eu, adopted_on=datetime.date(2024, 6, 13))
    bill = factories.instrument(
        short_name="SB 1047", kind="bill", jurisdiction=ca, status="vetoed", ended_on=datetime.date(2024, 9, 29)
    )
    rsp = factories.instrument(
        short_name="Lab RSP", kind="framework", jurisdiction=None, issuer="A frontier lab", status="voluntary"
    )
    return act, bill, rsp


def test_instruments_are_grouped_by_jurisdiction_with_labs_frameworks_apart(client, registry):
    text = _text(client.get(URL))
    eu, california, labs = (
        text.index(f"<h2>{name}</h2>") for name in ("European Union (EU)", "California (US-CA)", "Lab frameworks")
    )
    assert eu < text.index("EU AI Act") < california < text.index("SB 1047") < labs < text.index("Lab RSP")
    assert "A frontier lab" in text


def test_each_instrument_shows_its_status_and_key_dates(client, registry):
    text = _text(client.get(URL))
    assert "in force since 1 Aug 2024" in text
    assert "Adopted 13 Jun 2024" in text
    assert "vetoed on 29 Sep 2024" in text


def test_the_threshold_count_leaves_out_unreviewed_thresholds(client, registry):
    act, _bill, _rsp = registry
    factories.threshold(("training_compute_flop", ">", 1e25), instrument_=act)
    factories.threshold(("training_compute_flop", ">", 1e24), instrument_=act)
    factories.threshold(("training_compute_flop", ">", 1e23), instrument_=act, review_status="candidate")
    text = _text(client.get(URL, {"jurisdiction": "EU"}))
    assert '<td class="number">2</td>' in text


def test_the_jurisdiction_filter_keeps_that_jurisdiction(client, registry):
    text = _text(client.get(URL, {"jurisdiction": "US-CA"}))
    assert "SB 1047" in text
    assert "EU AI Act" not in text


def test_the_status_filter_keeps_instruments_with_that_status(client, registry):
    text = _text(client.get(URL, {"status": "vetoed"}))
    assert "SB 1047" in text
    assert "EU AI Act" not in text and "Lab RSP" not in text


def test_the_kind_filter_keeps_instruments_of_that_kind(client, registry):
    text = _text(client.get(URL, {"kind": "framework"}))
    assert "Lab RSP" in text
    assert "SB 1047" not in text


def test_the_in_force_filter_leaves_out_what_does_not_apply_today(client, registry):
    text = _text(client.get(URL, {"in_force": "true"}))
    assert "EU AI Act" in text and "Lab RSP" in text
    assert "SB 1047" not in text


def test_an_unknown_status_is_a_message_and_a_400(client, registry):
    response = client.get(URL, {"status": "asleep"})
    assert response.status_code == 400
    assert "Status: Select a valid choice. asleep is not one of the available choices." in _text(response)


def test_an_unknown_jurisdiction_is_a_message_and_a_400(client, registry):
    response = client.get(URL, {"jurisdiction": "ATLANTIS"})
    assert response.status_code == 400
    assert "No jurisdiction has this code" in _text(response)


def test_the_number_of_queries_does_not_grow_with_the_instruments(client, django_assert_max_num_queries):
    for _ in range(25):
        factories.threshold(("training_compute_flop", ">", 1e25))
    with django_assert_max_num_queries(3):
        response = client.get(URL, {"jurisdiction": "EU", "status": "in_force"})
    assert _text(response).count('<td class="number">1</td>') == 25


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_phone_browser_the_instruments_fit_the_screen(page, live_server, registry):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(URL)
    assert page.locator("h2").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
