"""Atom feeds of new documents, parsed with feedparser as a reader would."""

import datetime

import feedparser
import pytest

from tests import factories
from tests.tracker import factories as tracker_factories

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def document(title="A notice", *, days_ago=0, **fields):
    return tracker_factories.document(title=title, first_seen_at=DAY - datetime.timedelta(days=days_ago), **fields)


def parsed(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_the_feed_lists_new_documents_newest_first_with_links(client):
    older = document("Older notice", days_ago=2)
    newer = document("Newer notice", days_ago=1)
    feed = parsed(client, "/feeds/documents.atom")
    assert [entry.title for entry in feed.entries] == ["Newer notice", "Older notice"]
    assert feed.entries[0].link == f"http://testserver/documents/{newer.pk}/"
    assert feed.entries[1].id == f"http://testserver/documents/{older.pk}/"
    assert feed.entries[0].updated_parsed[:3] == (2026, 11, 1)


def test_an_entry_sums_up_with_the_line_that_earned_its_tag_and_names_its_challenges(client):
    document("Tagged", tags=[("human_misuse", "A forged video moved the share price.")])
    [entry] = parsed(client, "/feeds/documents.atom").entries
    assert entry.summary == "A forged video moved the share price."
    assert [tag.term for tag in entry.tags] == ["Human misuse"]


def test_an_entry_without_a_tag_sums_up_with_the_documents_summary(client):
    document("Untagged", summary="A short note on procurement rules.")
    [entry] = parsed(client, "/feeds/documents.atom").entries
    assert entry.summary == "A short note on procurement rules."


def test_the_feed_holds_the_latest_fifty(client):
    for n in range(52):
        document(f"Notice {n}", days_ago=n)
    entries = parsed(client, "/feeds/documents.atom").entries
    assert len(entries) == 50
    assert entries[-1].title == "Notice 49"


def test_a_challenges_feed_holds_only_its_documents(client):
    document("About misuse", tags=[("human_misuse", "Scammers used a cloned voice.")])
    document("About alignment", tags=[("alignment", "The model disabled its monitor.")])
    feed = parsed(client, "/feeds/documents/challenge/alignment.atom")
    assert [entry.title for entry in feed.entries] == ["About alignment"]
    assert "Alignment" in feed.feed.title


def test_a_challenges_feed_quotes_that_challenges_evidence(client):
    document("Both", tags=[("alignment", "The model hid a capability."), ("natural_selection", "Firms cut testing.")])
    [entry] = parsed(client, "/feeds/documents/challenge/natural_selection.atom").entries
    assert entry.summary == "Firms cut testing."


def test_a_jurisdictions_feed_holds_only_its_documents(client):
    california = factories.jurisdiction("US-CA", "California")
    document("Sacramento bill", jurisdiction=california)
    document("Brussels guidance", jurisdiction=factories.jurisdiction("EU", "European Union"))
    feed = parsed(client, "/feeds/documents/jurisdiction/US-CA.atom")
    assert [entry.title for entry in feed.entries] == ["Sacramento bill"]
    assert "California" in feed.feed.title


@pytest.mark.parametrize("path", ["/feeds/documents/challenge/weather.atom", "/feeds/documents/jurisdiction/ZZ.atom"])
def test_an_unknown_challenge_or_jurisdiction_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_characters_xml_forbids_do_not_break_the_feed(client):
    document("Bell\x07 and\x01 form\x0c feed\x1f title", summary="Vertical\x0b tab", tags=())
    [entry] = parsed(client, "/feeds/documents.atom").entries
    assert entry.title == "Bell and form feed title"
    assert entry.summary == "Vertical tab"


def test_markup_in_a_title_stays_text(client):
    document("Rules for <b>agents</b> & R&D")
    [entry] = parsed(client, "/feeds/documents.atom").entries
    assert entry.title == "Rules for <b>agents</b> & R&D"


def test_the_feed_reads_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for n in range(20):
        document(f"Notice {n}", tags=[("alignment", f"Line {n}.")])
    with django_assert_max_num_queries(4):
        client.get("/feeds/documents.atom")


def test_a_jurisdiction_code_with_a_nul_byte_is_a_404(client):
    assert client.get("/feeds/documents/jurisdiction/%00.atom").status_code == 404
