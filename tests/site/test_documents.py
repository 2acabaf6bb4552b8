"""The documents list and a document's page."""

import datetime
import re

import pytest

from tests import factories
from tests.tracker import factories as tracker_factories
from tracker.models import DocumentTag, DocumentVersion, Sighting, ThresholdMention

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=datetime.UTC)


def document(title="A notice", *, days_ago=0, **fields):
    return tracker_factories.document(title=title, first_seen_at=DAY - datetime.timedelta(days=days_ago), **fields)


def titles(response) -> list[str]:
    return re.findall(r'class="document-title"><a href="[^"]+">([^<]+)</a>', response.content.decode())


# The list


def test_the_list_shows_documents_newest_first(client):
    document("Older consultation", days_ago=3)
    document("Newer consultation", days_ago=1)
    response = client.get("/documents/")
    assert response.status_code == 200
    assert titles(response) == ["Newer consultation", "Older consultation"]


def test_each_row_shows_its_challenge_and_the_line_that_earned_it(client):
    document("Voice cloning advisory", tags=[("human_misuse", "Criminals cloned a manager's voice to move funds.")])
    body = client.get("/documents/").content.decode()
    assert "Human misuse" in body
    assert "Criminals cloned a manager&#x27;s voice to move funds." in body


def test_each_row_shows_its_date_source_and_jurisdiction(client):
    row = document("Dated notice", jurisdiction=factories.jurisdiction("GB", "United Kingdom"))
    body = client.get("/documents/").content.decode()
    assert "2 November 2026" in body
    assert row.source.name in body
    assert "United Kingdom (GB)" in body


def test_a_row_links_to_the_document_page(client):
    row = document("Linked notice")
    assert f'href="/documents/{row.pk}/"' in client.get("/documents/").content.decode()


def test_searching_keeps_the_documents_that_match(client):
    document("Chip export rules tightened", text="New licences for advanced accelerators shipped abroad.")
    document("Labour market bulletin", text="Hiring of call-centre staff fell again this quarter.")
    response = client.get("/documents/", {"q": "accelerators"})
    assert titles(response) == ["Chip export rules tightened"]


def test_filtering_by_challenge_keeps_the_documents_labelled_with_it(client):
    document("About misuse", tags=[("human_misuse", "A scam used synthetic video.")])
    document("About alignment", tags=[("alignment", "The model hid its reasoning from evaluators.")])
    assert titles(client.get("/documents/", {"challenge": "alignment"})) == ["About alignment"]


def test_a_persons_correction_takes_a_document_out_of_its_challenge(client, reviewer):
    row = document("Mislabelled", tags=[("alignment", "A line that misled the tagger.")])
    DocumentTag.correct(document=row, category="alignment", labelled=False, by=reviewer)
    assert titles(client.get("/documents/", {"challenge": "alignment"})) == []


def test_filtering_by_jurisdiction_source_and_kind(client):
    gb = factories.jurisdiction("GB", "United Kingdom")
    wanted = document("British page", jurisdiction=gb, kind="html")
    document("British feed item", jurisdiction=gb, kind="rss")
    document("Elsewhere", kind="html")
    query = {"jurisdiction": "GB", "kind": "html", "source": wanted.source_id}
    assert titles(client.get("/documents/", query)) == ["British page"]


def test_the_date_range_keeps_documents_published_on_those_days(client):
    document("Before", days_ago=10)
    document("Within", days_ago=5)
    document("After", days_ago=0)
    query = {"published_from": "2026-10-26", "published_to": "2026-10-28"}
    assert titles(client.get("/documents/", query)) == ["Within"]


def test_the_facets_count_documents_and_name_jurisdictions(client):
    gb = factories.jurisdiction("GB", "United Kingdom")
    document("One", jurisdiction=gb, tags=[("natural_selection", "Firms race to automate.")])
    document("Two", jurisdiction=gb)
    body = client.get("/documents/").content.decode()
    assert '<option value="GB">United Kingdom (GB) (2)</option>' in body
    assert '<option value="natural_selection">Natural selection (1)</option>' in body


def test_the_facets_count_only_the_filtered_documents(client):
    gb = factories.jurisdiction("GB", "United Kingdom")
    document("Kept", jurisdiction=gb, tags=[("alignment", "Deceptive behaviour was observed.")])
    document("Left out", jurisdiction=gb)
    body = client.get("/documents/", {"challenge": "alignment"}).content.decode()
    assert "United Kingdom (GB) (1)" in body


def test_the_challenge_facet_counts_a_persons_correction_not_the_machines_tag(client, reviewer):
    row = document("Corrected", tags=[("alignment", "A line that misled the tagger.")])
    DocumentTag.correct(document=row, category="alignment", labelled=False, by=reviewer)
    DocumentTag.correct(document=row, category="human_misuse", labelled=True, by=reviewer)
    body = client.get("/documents/").content.decode()
    assert ">Alignment (" not in body
    assert '<option value="human_misuse">Human misuse (1)</option>' in body


def test_the_facets_say_when_they_count_only_the_newest_matches(client, monkeypatch):
    monkeypatch.setattr("tracker.site.documents.FACET_SAMPLE", 2)
    for n in range(3):
        document(f"Notice {n}", days_ago=n)
    body = client.get("/documents/").content.decode()
    assert "Counts are among the newest 2 matching documents." in body
    assert "RSS feed (2)" in body


def test_the_list_is_paged_twenty_five_at_a_time(client):
    for n in range(27):
        document(f"Notice {n:02}", days_ago=n)
    first = client.get("/documents/")
    assert len(titles(first)) == 25
    assert 'rel="next"' in first.content.decode()
    second = client.get("/documents/", {"page": "2"})
    assert titles(second) == ["Notice 25", "Notice 26"]
    assert 'rel="prev"' in second.content.decode()
    assert 'rel="next"' not in second.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "99999999999999999999"])
def test_a_malformed_page_number_is_a_400_that_says_so(client, page):
    response = client.get("/documents/", {"page": page})
    assert response.status_code == 400
    assert "page: choose a whole number from 1 to 200." in response.content.decode()


def test_a_page_past_the_last_is_a_404_that_leads_back(client):
    document("Only one")
    response = client.get("/documents/", {"page": "7"})
    assert response.status_code == 404
    assert "No documents on page 7." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"challenge": "weather"},
        {"kind": "fax"},
        {"source": "abc"},
        {"published_from": "2026-13-40"},
        {"published_to": "yesterday"},
        {"q": "x" * 301},
    ],
)
def test_a_bad_filter_is_a_400_with_a_message(client, query):
    response = client.get("/documents/", query)
    assert response.status_code == 400
    assert "These filters could not be used" in response.content.decode()


def test_the_last_possible_day_is_not_an_error(client):
    document("Any day")
    response = client.get("/documents/", {"published_to": "9999-12-31"})
    assert titles(response) == ["Any day"]


def test_the_list_reads_a_page_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    gb = factories.jurisdiction("GB", "United Kingdom")
    for n in range(30):
        document(f"Notice {n}", jurisdiction=gb, tags=[("alignment", f"Line {n}.")])
    with django_assert_max_num_queries(8):
        response = client.get("/documents/", {"challenge": "alignment", "q": "notice"})
    assert len(titles(response)) == 25


def test_the_list_links_all_new_documents_feed(client):
    assert 'href="/feeds/documents.atom"' in client.get("/documents/").content.decode()


def test_a_chosen_jurisdiction_with_no_documents_stays_chosen(client):
    factories.jurisdiction("US-NY", "New York")
    response = client.get("/documents/", {"jurisdiction": "US-NY"})
    assert titles(response) == []
    assert '<option value="US-NY" selected>New York (US-NY) (0)</option>' in response.content.decode()


def test_a_list_of_one_challenge_links_that_challenges_feed(client):
    body = client.get("/documents/", {"challenge": "human_misuse"}).content.decode()
    assert '<link rel="alternate" type="application/atom+xml"' in body
    assert 'href="/feeds/documents/challenge/human_misuse.atom"' in body


def test_a_list_of_one_jurisdiction_links_that_jurisdictions_feed(client):
    factories.jurisdiction("US-CA", "California")
    body = client.get("/documents/", {"jurisdiction": "US-CA"}).content.decode()
    assert 'href="/feeds/documents/jurisdiction/US-CA.atom"' in body


# A document


def test_the_page_shows_title_dates_kind_jurisdiction_and_original(client):
    row = document("Consultation on agent oversight", jurisdiction=factories.jurisdiction("GB", "United Kingdom"))
    body = client.get(f"/documents/{row.pk}/").content.decode()
    assert "<h1>Consultation on agent oversight</h1>" in body
    assert "2 November 2026" in body
    assert "RSS feed" in body
    assert "United Kingdom (GB)" in body
    assert f'href="{row.url}"' in body


def test_the_evidence_is_highlighted_in_place(client):
    text = "Opening words. The agent copied its own weights to a spare server. Closing words."
    evidence = "The agent copied its own weights to a spare server."
    row = document("Incident", text=text)
    DocumentTag.objects.create(
        document=row,
        category_id="alignment",
        labelled=True,
        score=0.8,
        evidence=[{"start": 15, "end": 15 + len(evidence), "text": evidence}],
        tagger_version="test",
    )
    body = client.get(f"/documents/{row.pk}/").content.decode()
    assert f'Opening words. <mark title="Evidence for Alignment">{evidence}</mark> Closing words.' in body


def test_markup_in_the_text_is_shown_not_run(client):
    text = "Before <script>alert(1)</script> & after: R&D spending on <b>agents</b> rose."
    row = document("Hostile", text=text, tags=[("natural_selection", "R&D spending on <b>agents</b> rose.")])
    body = client.get(f"/documents/{row.pk}/").content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; after: " in body
    assert (
        '<mark title="Evidence for Natural selection">R&amp;D spending on &lt;b&gt;agents&lt;/b&gt; rose.</mark>'
        in body
    )


def test_each_tag_shows_its_score_origin_and_evidence(client, reviewer):
    row = document("Scored", tags=[("human_misuse", "Phishing kits now write their own lures.")])
    DocumentTag.correct(document=row, category="alignment", labelled=True, by=reviewer, note="Reads as deception.")
    body = client.get(f"/documents/{row.pk}/").content.decode()
    assert "0.90" in body
    assert "the tagger (test)" in body
    assert "a person: Reads as deception." in body
    assert "<q>Phishing kits now write their own lures.</q>" in body


def test_versions_are_listed_with_a_link_to_what_changed(client):
    row = document("Revised")
    for number, text in [(1, "The rule applies above ten thousand chips."), (2, "The rule applies above five chips.")]:
        DocumentVersion.objects.create(
            document=row, number=number, title="Revised", text=text, content_hash=f"v{number}"
        )
    body = client.get(f"/documents/{row.pk}/").content.decode()
    assert "Version 2" in body
    assert "Version 1" in body
    assert 'href="?diff=2#changes"' in body


def test_the_diff_marks_added_and_removed_words(client):
    row = document("Revised")
    for number, text in [(1, "The rule applies above ten thousand chips."), (2, "The rule applies above five chips.")]:
        DocumentVersion.objects.create(
            document=row, number=number, title="Revised", text=text, content_hash=f"v{number}"
        )
    body = client.get(f"/documents/{row.pk}/", {"diff": "2"}).content.decode()
    assert re.search(r"<del><span class=\"diff-label\">\[removed:</span> ten thousand<span", body)
    assert re.search(r"<ins><span class=\"diff-label\">\[added:</span> five<span", body)
    assert "The rule applies above " in body


def test_versions_too_long_to_compare_say_so(client, monkeypatch):
    monkeypatch.setattr("tracker.site.documents.MAX_DIFF_WORDS", 3)
    row = document("Long")
    for number, text in [(1, "one two three four"), (2, "one two three five")]:
        DocumentVersion.objects.create(document=row, number=number, title="Long", text=text, content_hash=f"v{number}")
    body = client.get(f"/documents/{row.pk}/", {"diff": "2"}).content.decode()
    assert "These versions are too long to compare here." in body


@pytest.mark.parametrize("diff", ["1", "9", "abc", "99999999999999999999"])
def test_a_diff_of_no_such_version_says_so(client, diff):
    row = document("Once")
    DocumentVersion.objects.create(document=row, number=1, title="Once", text="Only text.", content_hash="v1")
    response = client.get(f"/documents/{row.pk}/", {"diff": diff})
    assert response.status_code == 200
    assert "There is no such version to compare" in response.content.decode()


def test_figures_found_in_it_link_the_matching_threshold(client):
    law = factories.instrument(short_name="Frontier Act")
    known = factories.threshold(("training_compute_flop", ">", 1e26), instrument_=law, name="Covered model")
    row = document("Figures")
    sentence = "Models trained with more than 10^26 operations must be reported."
    ThresholdMention.objects.create(
        document=row, metric="training_compute_flop", operator="gt", value=1e26, text="10^26", start=0, end=5,
        sentence=sentence, threshold=known,
    )  # fmt: skip
    body = client.get(f"/documents/{row.pk}/").content.decode()
    assert "more than 10^26 FLOP of training compute" in body
    assert f'<a href="{known.get_absolute_url()}">Covered model</a>' in body
    assert sentence in body


def test_a_figure_matching_an_unreviewed_threshold_does_not_name_it(client):
    candidate = factories.threshold(("training_cost_usd", ">", 5e8), review_status="candidate", name="Unreviewed")
    row = document("Figures")
    ThresholdMention.objects.create(
        document=row, metric="training_cost_usd", operator="", value=5e8, text="$500 million", start=0, end=12,
        sentence="Training costs passed $500 million.", threshold=candidate,
    )  # fmt: skip
    body = client.get(f"/documents/{row.pk}/").content.decode()
    assert "$500 million" in body
    assert "Unreviewed" not in body


def test_its_sources_are_listed_with_address_and_dates(client):
    row = document("Seen twice")
    other = tracker_factories.source(name="Second wire")
    Sighting.objects.create(
        document=row, source=other, external_id="x-1", url="https://wire.example.org/x-1",
        first_seen_at=DAY, last_seen_at=DAY + datetime.timedelta(days=3),
    )  # fmt: skip
    body = client.get(f"/documents/{row.pk}/").content.decode()
    assert "Second wire" in body
    assert 'href="https://wire.example.org/x-1"' in body
    assert "5 November 2026" in body


def test_an_unknown_document_is_a_404(client):
    assert client.get("/documents/999999/").status_code == 404
    assert client.get("/documents/99999999999999999999/").status_code == 404
    assert client.get("/documents/abc/").status_code == 404


def test_the_page_reads_a_document_in_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    row = document("Busy", tags=[("alignment", "A line."), ("human_misuse", "Another line.")])
    for number in (1, 2):
        DocumentVersion.objects.create(
            document=row, number=number, title="Busy", text=f"v{number}", content_hash=f"{number}"
        )
    with django_assert_max_num_queries(10):
        assert client.get(f"/documents/{row.pk}/", {"diff": "2"}).status_code == 200


# In a browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_searching_in_the_browser_changes_the_results_and_fits_a_phone(page, live_server):
    evidence = "Cloned voices were used to authorise payments."
    document("Deepfake fraud warning for banks", text=f"A warning. {evidence}", tags=[("human_misuse", evidence)])
    document("Quarterly compute report", text="Training runs grew larger again.")
    page.set_viewport_size({"width": 390, "height": 844})
    # The browser asks for /favicon.ico on its own and the site has none yet: answered here, so that the test sees
    # only the errors of the pages themselves.
    page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    messages = []
    page.on("console", lambda message: messages.append(message.text) if message.type == "error" else None)
    page.goto("/documents/")
    assert page.locator("h2.document-title").count() == 2
    page.fill("input[name=q]", "payments")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h2.document-title").all_inner_texts() == ["Deepfake fraud warning for banks"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("text=Deepfake fraud warning for banks")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Deepfake fraud warning for banks"
    assert page.locator(".document-text mark").inner_text() == evidence
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert messages == []
    assert page.failed == []


@pytest.mark.parametrize(
    "query",
    [{"page": "²"}, {"page": "①"}, {"challenge": "é"}, {"challenge": "a b"}, {"q": "-" * 40}],
)
def test_hostile_parameters_are_answered_not_a_500(client, query):
    document("A notice")
    assert client.get("/documents/", query).status_code in (200, 400)


def test_a_jurisdiction_with_a_slash_lists_nothing_and_links_the_general_feed(client):
    response = client.get("/documents/", {"jurisdiction": "a/b"})
    assert response.status_code == 200
    assert 'href="/feeds/documents.atom"' in response.content.decode()
