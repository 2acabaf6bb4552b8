"""/changes/ and /feeds/changes.atom: what changed in the registry, newest first, linking to each object."""

import datetime
from xml.etree import ElementTree

import feedparser
import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("changes")
FEED = reverse("feed-changes")


def _text(response) -> str:
    body = response.content.decode()
    return body[body.index("<main") : body.index("</main>")]


def _timeline(instrument, *steps):
    for day, status in steps:
        instrument.change_status(status, on=day)


def test_a_status_change_is_an_entry_dated_and_linking_to_its_instrument(client):
    act = factories.instrument(short_name="Frontier Act", status="proposed", effective_on=None)
    _timeline(act, (datetime.date(2025, 2, 3), "proposed"), (datetime.date(2025, 9, 29), "adopted"))
    text = _text(client.get(URL))
    assert '<time datetime="2025-09-29">29 Sep 2025</time>' in text
    assert f'<a href="{act.get_absolute_url()}">Frontier Act</a>' in text
    assert "Adopted (was proposed)" in text
    assert text.index("2025-09-29") < text.index("2025-02-03")


def test_a_threshold_tightened_after_its_approval_is_shown_so(client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), name="Frontier model")
    factories.backdate_history(threshold)
    condition = threshold.conditions.get()
    condition.value = 1e25
    condition.save()
    text = _text(client.get(URL))
    assert "Tightened" in text
    assert "more than 10^26 FLOP of training compute → more than 10^25 FLOP of training compute" in text
    assert f'href="{threshold.get_absolute_url()}"' in text


def test_unreviewed_thresholds_never_show(client):
    factories.threshold(("training_compute_flop", ">", 1e20), review_status="candidate", name="Unreviewed figure")
    assert "Unreviewed figure" not in _text(client.get(URL))


def test_the_jurisdiction_filter_keeps_that_jurisdictions_changes(client):
    california = factories.jurisdiction("US-CA", "California")
    factories.instrument(short_name="SB 53", jurisdiction=california).change_status(
        "adopted", on=datetime.date(2025, 9, 29)
    )
    factories.instrument(short_name="EU act").change_status("adopted", on=datetime.date(2025, 9, 1))
    text = _text(client.get(URL, {"jurisdiction": "US-CA"}))
    assert "SB 53" in text
    assert "EU act" not in text


def test_the_challenge_filter_keeps_changes_tagged_with_it(client):
    tagged = factories.instrument(short_name="Misuse act")
    tagged.challenges.add(factories.challenge("human_misuse"))
    tagged.change_status("adopted", on=datetime.date(2025, 9, 29))
    factories.instrument(short_name="Other act").change_status("adopted", on=datetime.date(2025, 9, 1))
    text = _text(client.get(URL, {"challenge": "human_misuse"}))
    assert "Misuse act" in text
    assert "Other act" not in text


def test_changes_come_fifty_a_page_with_a_link_to_older_ones(client):
    act = factories.instrument(status="proposed", effective_on=None)
    start = datetime.date(2020, 1, 1)
    for n in range(60):
        act.change_status("proposed" if n % 2 else "adopted", on=start + datetime.timedelta(days=n))
    first = _text(client.get(URL))
    assert first.count('<li class="change">') == 50
    assert 'href="?page=2" rel="next">Older changes</a>' in first
    second = _text(client.get(URL, {"page": 2}))
    assert second.count('<li class="change">') == 10
    assert '<time datetime="2020-01-01">' in second


def test_a_page_past_the_last_is_a_404(client):
    assert client.get(URL, {"page": 9999}).status_code == 404


def test_a_page_that_is_not_a_number_is_a_message_and_a_400(client):
    response = client.get(URL, {"page": "two"})
    assert response.status_code == 400
    assert "Page: Enter a whole number." in _text(response)


def test_an_unknown_jurisdiction_is_a_message_and_a_400(client):
    response = client.get(URL, {"jurisdiction": "XX"})
    assert response.status_code == 400
    assert "No jurisdiction has this code" in _text(response)


def test_the_page_links_to_its_atom_feed(client):
    body = client.get(URL).content.decode()
    assert f'<link rel="alternate" type="application/atom+xml" title="Registry changes" href="{FEED}">' in body


def test_the_feed_is_well_formed_atom_whose_entries_are_the_changes(client):
    act = factories.instrument(short_name="Frontier Act", status="proposed", effective_on=None)
    _timeline(act, (datetime.date(2025, 2, 3), "proposed"), (datetime.date(2025, 9, 29), "adopted"))
    compute_act = factories.instrument(short_name="Compute Act")
    threshold = factories.threshold(
        ("training_compute_flop", ">", 1e26), instrument_=compute_act, name="Frontier model"
    )
    response = client.get(FEED)
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.author  # RFC 4287: an author on the feed, or on every entry
    titles = [entry.title for entry in feed.entries]
    assert titles == ["New threshold: Compute Act: Frontier model", "Status: Frontier Act", "Status: Frontier Act"]
    assert feed.entries[0].link.endswith(threshold.get_absolute_url())
    assert feed.entries[1].updated.startswith("2025-09-29")


def test_feed_entry_ids_are_unique_and_stay_the_same(client):
    act = factories.instrument(status="proposed", effective_on=None)
    _timeline(act, (datetime.date(2025, 2, 3), "proposed"), (datetime.date(2025, 9, 29), "adopted"))
    first = [entry.id for entry in feedparser.parse(client.get(FEED).content).entries]
    again = [entry.id for entry in feedparser.parse(client.get(FEED).content).entries]
    assert first == again
    assert len(set(first)) == 2


def test_the_number_of_queries_does_not_grow_with_the_changes(client, django_assert_max_num_queries):
    for n in range(20):
        threshold = factories.threshold(("training_compute_flop", ">", 10.0 ** (20 + n % 6)))
        threshold.instrument.change_status("adopted", on=datetime.date(2025, 1, 1) + datetime.timedelta(days=n))
    with django_assert_max_num_queries(14):
        response = client.get(URL, {"jurisdiction": "EU"})
    assert _text(response).count('<li class="change">') == 40


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_in_a_phone_browser_the_log_fits_the_screen_and_its_filter_narrows_it(page, live_server):
    misuse = factories.instrument(short_name="Misuse act with a rather long name for a narrow screen")
    misuse.challenges.add(factories.challenge("human_misuse"))
    misuse.change_status("adopted", on=datetime.date(2025, 9, 29))
    factories.instrument(short_name="Other act").change_status("adopted", on=datetime.date(2025, 9, 1))
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(URL)
    assert page.locator("li.change").count() == 2
    page.select_option("#id_challenge", "human_misuse")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**challenge=human_misuse**")
    assert page.locator("li.change").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_filtered_log_links_to_the_feed_of_the_same_changes(client):
    california = factories.jurisdiction("US-CA", "California")
    factories.instrument(short_name="SB 53", jurisdiction=california).change_status(
        "adopted", on=datetime.date(2025, 9, 29)
    )
    factories.instrument(short_name="EU act").change_status("adopted", on=datetime.date(2025, 9, 1))
    body = client.get(URL, {"jurisdiction": "US-CA"}).content.decode()
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Registry changes" href="{FEED}?jurisdiction=US-CA">'
        in body
    )
    feed = feedparser.parse(client.get(FEED, {"jurisdiction": "US-CA"}).content)
    assert [entry.title for entry in feed.entries] == ["Status: SB 53"]


def test_a_feed_asked_for_an_unknown_jurisdiction_is_a_404(client):
    assert client.get(FEED, {"jurisdiction": "XX"}).status_code == 404


def test_a_control_character_pasted_into_a_name_breaks_neither_the_feed_nor_the_chart(client):
    factories.threshold(("training_compute_flop", ">", 1e26), name="Frontier\x0bmodel")
    feed = feedparser.parse(client.get(FEED).content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert "Frontiermodel" in feed.entries[0].title
    ElementTree.fromstring(client.get("/chart.svg").content)
