import datetime
import gzip
import io
import json
import pathlib

import pypdf
import pytest
import yaml

from tests.fixtures.parsing.pdfs import build_pdf, drawing_stream, text_stream
from tracker import parsing
from tracker.parsing import ParseError, decode, parse

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "parsing"
SAMPLES = pathlib.Path(parsing.__file__).resolve().parent / "samples"
FEED_URL = "https://feeds.example.net/ai/news.xml"
UTC = datetime.UTC


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse_fixture(kind: str, name: str, *, url: str = FEED_URL, content_type: str = "", charset=None):
    return parse(kind, fixture(name), url=url, content_type=content_type, charset=charset)


def by_title(result, start: str):
    return next(item for item in result.items if item.title.startswith(start))


# Feeds ------------------------------------------------------------------------------------------------------------


def test_rss_items_keep_their_titles_links_and_guids():
    result = parse_fixture("rss", "rss_policy_news.xml", content_type="application/rss+xml; charset=utf-8")

    assert result.title == "Standards Office: AI news"
    assert [(item.external_id, item.url) for item in result.items] == [
        ("so-news-2041", "https://standards.example.gov/news/2026/03/deception-testing-consultation"),
        (
            "https://feeds.example.net/news/2026/02/chip-screening-draft",
            "https://feeds.example.net/news/2026/02/chip-screening-draft",
        ),
        (
            "https://standards.example.gov/events/labour-market-workshop",
            "https://standards.example.gov/events/labour-market-workshop",
        ),
    ]


def test_rss_text_is_the_full_content_without_html_or_scripts():
    item = by_title(parse_fixture("rss", "rss_policy_news.xml"), "Office opens consultation")

    assert item.text == (
        "The office asks how developers should check whether a model misleads the people testing it.\n\n"
        "Comments are due by 30 April & will be published."
    )
    assert item.summary == "A short teaser about the consultation."


def test_rss_text_falls_back_to_the_description():
    item = by_title(parse_fixture("rss", "rss_policy_news.xml"), "Draft rule would screen")

    assert item.text == (
        "Sellers of advanced accelerators would have to check who ends up using them.\n\n"
        "The draft also covers cloud rental of large clusters."
    )


def test_rss_item_without_any_text_uses_its_title_as_text():
    item = by_title(parse_fixture("rss", "rss_policy_news.xml"), "Workshop on AI")

    assert item.text == "Workshop on AI and the labour market"
    assert item.summary == ""


def test_rss_publication_date_is_aware_utc():
    item = by_title(parse_fixture("rss", "rss_policy_news.xml"), "Office opens consultation")

    assert item.published == datetime.datetime(2026, 3, 3, 19, 30, tzinfo=UTC)
    assert item.updated is None


def test_rss_relative_link_resolves_against_the_feed_url():
    item = by_title(parse_fixture("rss", "rss_policy_news.xml"), "Draft rule would screen")

    assert item.url == "https://feeds.example.net/news/2026/02/chip-screening-draft"


def test_rss_creator_and_categories_are_kept():
    item = by_title(parse_fixture("rss", "rss_policy_news.xml"), "Office opens consultation")

    assert item.authors == ("Dana Whitlock",)
    assert item.extra["categories"] == ["Artificial intelligence", "Evaluations"]


def test_atom_relative_links_resolve_against_xml_base():
    result = parse_fixture("atom", "atom_relative_links.atom", content_type="application/atom+xml")

    assert [item.url for item in result.items] == [
        "https://policy.example.org/updates/2026/04/agents-in-markets",
        "https://policy.example.org/registers/frontier-training-runs",
        "https://policy.example.org/updates/2026/03/election-deepfakes-note",
    ]


def test_atom_html_title_is_plain_text():
    item = parse_fixture("atom", "atom_relative_links.atom").items[0]

    assert item.title == "Agents in markets: a call for evidence"


def test_atom_entry_with_published_and_updated_keeps_both_in_utc():
    item = by_title(parse_fixture("atom", "atom_relative_links.atom"), "Agents in markets")

    assert item.published == datetime.datetime(2026, 4, 8, 15, 15, tzinfo=UTC)
    assert item.updated == datetime.datetime(2026, 4, 9, 10, 0, tzinfo=UTC)


def test_atom_entry_with_only_an_updated_date_is_published_then():
    item = by_title(parse_fixture("atom", "atom_relative_links.atom"), "Register of frontier")

    assert item.published == item.updated == datetime.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_atom_entry_without_dates_has_none():
    item = by_title(parse_fixture("atom", "atom_relative_links.atom"), "Note on election deepfakes")

    assert item.published is None
    assert item.updated is None


def test_atom_entries_inherit_the_feed_author():
    result = parse_fixture("atom", "atom_relative_links.atom")

    assert [item.authors for item in result.items] == [("Ravi Mendes",), ("Policy Desk",), ("Policy Desk",)]


def test_double_escaped_title_is_decoded_once():
    result = parse_fixture("rss", "rss_double_escaped_title.xml")

    assert [item.title for item in result.items] == [
        'Institute seeks input on "Zero Draft" standard for AI & cybersecurity',
        "AI R&D agents: what the new benchmark measures",
    ]


def test_double_escaped_html_description_becomes_plain_text():
    item = by_title(parse_fixture("rss", "rss_double_escaped_title.xml"), "AI R&D agents")

    assert item.text == (
        "A benchmark for models that automate parts of AI research.\n\nScores are published & updated monthly."
    )


@pytest.mark.parametrize("content_type", ["application/rss+xml", "application/rss+xml; charset=utf-8", "text/xml"])
def test_feed_labelled_utf8_but_written_in_cp1252_reads_correctly(content_type):
    result = parse_fixture("rss", "rss_cp1252_declared_utf8.xml", content_type=content_type)

    item = result.items[0]
    assert item.title == "Commission’s “AI Office” publishes a résumé of obligations for general-purpose models"
    assert item.text.startswith("The résumé lists duties for providers – from")


def test_truncated_feed_keeps_the_complete_entries_only():
    result = parse_fixture("rss", "rss_truncated.xml")

    assert [item.title for item in result.items] == [
        "Board publishes annual review of model incident reports",
        "Board asks developers to share red-team results on cyber offence",
    ]


def test_feed_cut_before_its_first_complete_entry_is_a_parse_error():
    body = fixture("rss_truncated.xml")
    cut = body[: body.index(b"</item>")]

    with pytest.raises(ParseError, match="no usable entries"):
        parse("rss", cut, url=FEED_URL)


def test_bot_check_page_instead_of_a_feed_is_a_parse_error():
    with pytest.raises(ParseError, match=r'bot check page \(titled "Just a moment\.\.\."\) instead of the feed'):
        parse_fixture("rss", "bot_check.html", content_type="text/html; charset=UTF-8")


def test_html_page_instead_of_a_feed_is_a_parse_error():
    with pytest.raises(ParseError, match="not a feed: got an HTML page titled"):
        parse_fixture("rss", "article_with_boilerplate.html", content_type="text/html")


def test_feed_that_has_ended_is_a_parse_error_naming_the_replacement():
    with pytest.raises(ParseError) as caught:
        parse_fixture("atom", "atom_feed_ended.atom")

    assert str(caught.value) == (
        "the publisher has ended this feed; it points to "
        "https://www.example.gov.uk/search/news-and-communications?topic=artificial-intelligence"
    )


def test_error_entry_is_a_parse_error_with_its_message():
    with pytest.raises(ParseError, match="error entry: max_results may not exceed 2000 in one request"):
        parse_fixture("atom", "atom_error_entry.atom")


def test_valid_feed_with_no_entries_is_empty_not_an_error():
    empty = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Quiet week</title></feed>'

    result = parse("atom", empty, url=FEED_URL, content_type="application/atom+xml")

    assert result.items == []
    assert result.title == "Quiet week"


def test_feed_body_that_names_a_local_file_is_not_read_from_disk(tmp_path):
    secret = tmp_path / "feed.xml"
    secret.write_bytes(fixture("rss_policy_news.xml"))

    with pytest.raises(ParseError, match="not a feed"):
        parse("rss", str(secret).encode(), url=FEED_URL)


def test_arxiv_versions_share_one_id_and_link_to_the_abstract():
    entry = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>q</title><entry>
      <id>http://arxiv.org/abs/2601.01234v3</id><title>Measuring sandbagging in frontier models</title>
      <link href="https://arxiv.org/abs/2601.01234v3"/><link href="https://arxiv.org/pdf/2601.01234v3"/>
      <summary>We test whether models underperform on purpose.</summary></entry></feed>"""

    item = parse("atom", entry, url=FEED_URL).items[0]

    assert item.external_id == "http://arxiv.org/abs/2601.01234"
    assert item.url == "https://arxiv.org/abs/2601.01234v3"
    assert item.extra["arxiv_version"] == 3


# Federal Register -------------------------------------------------------------------------------------------------


def test_fr_search_page_items_have_document_numbers_urls_titles_and_dates():
    result = parse_fixture("federal_register", "fr_search_page1.json", content_type="application/json")

    first = result.items[0]
    assert [item.external_id for item in result.items] == ["2026-T0001", "2026-T0002"]
    assert (
        first.url
        == "https://www.federalregister.gov/documents/2026/03/31/2026-T0001/reporting-requirements-for-developers"
    )
    assert first.title == "Reporting Requirements for Developers of Dual-Use Foundation Models"
    assert first.published == datetime.datetime(2026, 3, 31, tzinfo=UTC)
    assert result.title == "Documents matching 'frontier artificial intelligence' (test fixture)"


def test_fr_text_is_the_abstract_and_the_excerpts_without_html():
    item = parse_fixture("federal_register", "fr_search_page1.json").items[0]

    assert item.summary == (
        "The Department proposes that developers report the results of red-team tests of their most capable models."
    )
    assert item.text == f"{item.summary}\n\n… results of red-team tests for chemical & biological uplift …"


def test_fr_extra_names_type_agencies_and_pdf():
    first, second = parse_fixture("federal_register", "fr_search_page1.json").items

    assert first.extra["type"] == "Proposed Rule"
    assert first.extra["agencies"] == ["Commerce Department", "Industry and Security Bureau"]
    assert first.extra["pdf_url"] == "https://www.govinfo.gov/content/pkg/FR-2026-03-31/pdf/2026-T0001.pdf"
    assert first.extra["document_number"] == "2026-T0001"
    assert second.extra["agencies"] == [
        "National Institute of Standards and Technology",
        "Office of Frontier Model Security",
    ]


def test_fr_next_url_is_followed_exactly_as_given():
    page1 = json.loads(fixture("fr_search_page1.json"))

    result = parse_fixture("federal_register", "fr_search_page1.json")

    assert result.next_url == page1["next_page_url"]
    assert "search_after_cursor=WzE3NzQ5MDg4MDAwMDAsIjIwMjYtVDAwMDIiXQ" in result.next_url


def test_fr_last_page_with_null_next_url_ends_paging():
    result = parse_fixture("federal_register", "fr_search_page2.json")

    assert [item.external_id for item in result.items] == ["2026-T0003"]
    assert result.next_url is None


def test_fr_last_page_without_next_url_ends_paging():
    page = json.loads(fixture("fr_search_page2.json"))
    del page["next_page_url"]

    result = parse("federal_register", json.dumps(page).encode(), url=FEED_URL)

    assert result.next_url is None
    assert len(result.items) == 1


def test_fr_document_without_abstract_uses_its_excerpts_as_text():
    item = parse_fixture("federal_register", "fr_search_page2.json").items[0]

    assert item.summary == ""
    assert item.text == "… synthetic audio that impersonates a candidate …"


def test_fr_zero_count_is_an_empty_page():
    result = parse_fixture("federal_register", "fr_search_empty.json")

    assert result.items == []
    assert result.next_url is None


def test_fr_unknown_condition_is_a_parse_error_with_the_api_message():
    with pytest.raises(ParseError) as caught:
        parse_fixture("federal_register", "fr_error_bad_condition.json")

    assert str(caught.value) == "Federal Register API error: conditions[colour] is not a valid field"


def test_fr_status_400_body_is_a_parse_error_with_the_api_message():
    body = b'{"status": 400, "message": "field \'colour\' not valid"}'

    with pytest.raises(ParseError) as caught:
        parse("federal_register", body, url=FEED_URL)

    assert str(caught.value) == "Federal Register API error: field 'colour' not valid (status 400)"


def test_fr_invalid_json_is_a_parse_error():
    with pytest.raises(ParseError, match="not valid JSON"):
        parse("federal_register", b'{"count": 3, "results": [', url=FEED_URL)


def test_fr_html_bot_check_is_a_parse_error():
    with pytest.raises(ParseError, match="bot check page"):
        parse_fixture("federal_register", "bot_check.html")


def test_fr_single_document_response_is_one_item():
    page = json.loads(fixture("fr_search_page1.json"))
    document = {**page["results"][0], "citation": "91 FR 12345"}

    result = parse("federal_register", json.dumps(document).encode(), url=FEED_URL)

    assert [item.external_id for item in result.items] == ["2026-T0001"]
    assert result.items[0].extra["citation"] == "91 FR 12345"


def test_fr_body_text_replaces_the_abstract_when_present():
    page = json.loads(fixture("fr_search_page1.json"))
    document = {**page["results"][1], "raw_text": "SUMMARY:\n\nThe Institute asks   how weights are protected.\n"}

    item = parse("federal_register", json.dumps(document).encode(), url=FEED_URL).items[0]

    assert item.text == "SUMMARY:\n\nThe Institute asks how weights are protected."
    assert item.summary == "The Institute requests information on practices that protect model weights from theft."


# HTML pages -------------------------------------------------------------------------------------------------------

ARTICLE_URL = "https://ministry.example.gov/news/2026/ai-incident-reporting-plan?utm_source=feed"


def test_html_main_text_leaves_out_navigation_cookie_notice_and_footer():
    item = parse_fixture("html", "article_with_boilerplate.html", url=ARTICLE_URL).items[0]

    assert "seventy-two hours" in item.text
    assert "The consultation closes on 30 April." in item.text
    for boilerplate in ("About the ministry", "Manage cookies", "Privacy notice", "open licence"):
        assert boilerplate not in item.text


def test_html_paragraphs_are_separated_by_blank_lines():
    item = parse_fixture("html", "article_with_boilerplate.html", url=ARTICLE_URL).items[0]

    assert "under a plan published today for consultation.\n\nAn incident would include" in item.text


def test_html_item_is_keyed_on_the_absolute_canonical_url():
    item = parse_fixture("html", "article_with_boilerplate.html", url=ARTICLE_URL).items[0]

    assert item.external_id == item.url == "https://ministry.example.gov/news/2026/ai-incident-reporting-plan"
    assert item.extra["fetched_url"] == ARTICLE_URL


def test_html_without_canonical_is_keyed_on_the_page_url():
    page = fixture("article_with_boilerplate.html").replace(b'<link rel="canonical"', b'<link rel="alternate"')

    item = parse("html", page, url=ARTICLE_URL).items[0]

    assert item.external_id == item.url == ARTICLE_URL


def test_html_canonical_pointing_at_the_home_page_is_ignored():
    page = fixture("article_with_boilerplate.html").replace(b"/news/2026/ai-incident-reporting-plan", b"/")

    item = parse("html", page, url=ARTICLE_URL).items[0]

    assert item.external_id == ARTICLE_URL


def test_html_title_date_and_author_come_from_the_page():
    result = parse_fixture("html", "article_with_boilerplate.html", url=ARTICLE_URL)

    item = result.items[0]
    assert item.title == "Ministry sets out plan for AI incident reporting"
    assert item.published == datetime.datetime(2026, 2, 17, tzinfo=UTC)
    assert item.authors == ("Press Office",)
    assert result.title == "Ministry sets out plan for AI incident reporting – Example Ministry of Technology"


def test_html_bot_check_page_is_a_parse_error():
    with pytest.raises(ParseError) as caught:
        parse_fixture("html", "bot_check.html", url=ARTICLE_URL)

    assert str(caught.value) == 'got a bot check page (titled "Just a moment...") instead of the page'


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Attention Required! | Cloudflare", "<p>Please enable cookies.</p>"),
        ("policy.example.org", "<p>Checking your browser before accessing the site.</p>"),
        ("Security", "<p>Please enable JavaScript and cookies to continue</p>"),
        ("Access Denied", "<p>You don't have permission to access this page.</p>"),
        ("Verify", '<div class="h-captcha" data-sitekey="x"></div><p>Solve the captcha to continue.</p>'),
    ],
)
def test_html_challenge_wordings_are_recognised_as_bot_checks(title, body):
    page = f"<html><head><title>{title}</title></head><body>{body}</body></html>".encode()

    with pytest.raises(ParseError, match="bot check"):
        parse("html", page, url=ARTICLE_URL)


def test_html_article_that_only_mentions_captcha_is_not_a_bot_check():
    page = fixture("article_with_boilerplate.html").replace(
        b"</footer>", b'<form><div class="g-recaptcha"></div>Subscribe: solve the captcha</form></footer>'
    )

    item = parse("html", page, url=ARTICLE_URL).items[0]

    assert item.title == "Ministry sets out plan for AI incident reporting"


def test_html_page_without_main_text_is_a_parse_error():
    page = b"<html><head><title>App</title></head><body><div id='root'></div><script>boot()</script></body></html>"

    with pytest.raises(ParseError, match="no main text found on the page"):
        parse("html", page, url=ARTICLE_URL)


def test_html_declared_windows_1252_page_reads_correctly():
    page = fixture("article_with_boilerplate.html").decode().replace('charset="utf-8"', 'charset="windows-1252"')
    page = page.replace("seventy-two hours", "seventy-two hours – the “deadline”")

    item = parse("html", page.encode("cp1252"), url=ARTICLE_URL, content_type="text/html").items[0]

    assert "seventy-two hours – the “deadline”" in item.text


# PDFs -------------------------------------------------------------------------------------------------------------

PDF_URL = "https://standards.example.gov/files/frontier-evaluation-brief.pdf"
BRIEF_PAGES = [
    [
        "Evaluating frontier models before release",
        "Developers should test each new model for deception, for attempts to evade oversight and for the "
        "ability to copy itself to other machines, and should write down what they found before deployment.",
    ],
    [
        "Annex: reporting",
        "Results go to the standards office within thirty days, together with the safeguards that were applied.",
    ],
]


def brief_pdf(**info) -> bytes:
    return build_pdf([text_stream(page) for page in BRIEF_PAGES], **info)


def test_pdf_text_comes_from_its_pages_in_paragraphs():
    item = parse("pdf", brief_pdf(), url=PDF_URL).items[0]

    assert item.text.startswith("Evaluating frontier models before release\n\nDevelopers should test each new model")
    assert item.text.endswith("together with the safeguards that were applied.")
    assert "Annex: reporting" in item.text
    assert item.needs_ocr is False


def test_pdf_title_author_and_date_come_from_its_metadata():
    pdf = brief_pdf(title="Frontier evaluation brief", author="Standards Office", created="D:20260305143000+01'00'")

    item = parse("pdf", pdf, url=PDF_URL).items[0]

    assert item.title == "Frontier evaluation brief"
    assert item.authors == ("Standards Office",)
    assert item.published == datetime.datetime(2026, 3, 5, 13, 30, tzinfo=UTC)


def test_pdf_without_a_metadata_title_is_titled_by_its_first_line():
    item = parse("pdf", brief_pdf(), url=PDF_URL).items[0]

    assert item.title == "Evaluating frontier models before release"


def test_pdf_is_keyed_on_its_url():
    item = parse("pdf", brief_pdf(), url=PDF_URL).items[0]

    assert item.external_id == item.url == PDF_URL
    assert item.extra["pages"] == 2


def test_pdf_without_text_needs_ocr():
    pdf = build_pdf([drawing_stream(), drawing_stream()], title="Scanned notice on chip exports")

    item = parse("pdf", pdf, url=PDF_URL).items[0]

    assert item.needs_ocr is True
    assert item.text == ""
    assert item.title == "Scanned notice on chip exports"


def test_pdf_with_only_a_few_words_needs_ocr_but_keeps_them():
    pdf = build_pdf([text_stream(["Page 1 of 1"]), drawing_stream()])

    item = parse("pdf", pdf, url=PDF_URL).items[0]

    assert item.needs_ocr is True
    assert item.text == "Page 1 of 1"


def test_pdf_pages_beyond_the_limit_are_not_read(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_PDF_PAGES", 1)

    item = parse("pdf", brief_pdf(), url=PDF_URL).items[0]

    assert "Annex" not in item.text
    assert item.extra["truncated_after_page"] == 1
    assert item.extra["pages"] == 2


def test_pdf_over_20_mb_is_refused():
    huge = brief_pdf() + b" " * (21 * 1024 * 1024)

    with pytest.raises(ParseError) as caught:
        parse("pdf", huge, url=PDF_URL)

    assert str(caught.value) == "the PDF is 21.0 MB, over the 20 MB limit"


def test_password_protected_pdf_is_a_parse_error():
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(brief_pdf())))
    writer.encrypt(user_password="board-only", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)

    with pytest.raises(ParseError, match="the PDF is password-protected"):
        parse("pdf", out.getvalue(), url=PDF_URL)


def test_pdf_locked_only_against_editing_is_read():
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(brief_pdf())))
    writer.encrypt(user_password="", owner_password="editor", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)

    item = parse("pdf", out.getvalue(), url=PDF_URL).items[0]

    assert "Evaluating frontier models" in item.text


def test_damaged_pdf_is_a_parse_error():
    with pytest.raises(ParseError, match=r"^unreadable PDF \("):
        parse("pdf", brief_pdf()[:300], url=PDF_URL)


def test_html_page_instead_of_a_pdf_is_a_parse_error():
    with pytest.raises(ParseError, match="not a PDF: got an HTML page"):
        parse_fixture("pdf", "article_with_boilerplate.html", url=PDF_URL)


def test_bot_check_instead_of_a_pdf_is_a_parse_error():
    with pytest.raises(ParseError, match=r"bot check page .* instead of the PDF"):
        parse_fixture("pdf", "bot_check.html", url=PDF_URL)


# Decoding and the entry point --------------------------------------------------------------------------------------


def test_decode_prefers_the_byte_order_mark():
    assert decode("\ufeffrésumé".encode("utf-8"), content_type="text/html; charset=iso-8859-1") == "résumé"


def test_decode_uses_the_given_charset():
    assert decode("résumé".encode("cp1252"), charset="windows-1252") == "résumé"


def test_decode_uses_the_encoding_the_document_declares():
    page = '<meta charset="iso-8859-15"><p>50 €</p>'.encode("iso-8859-15")

    assert decode(page).endswith("50 €</p>")


def test_decode_survives_bytes_valid_in_no_encoding():
    assert decode(b"AI \x81\x8d policy", charset="no-such-charset") == "AI \ufffd\ufffd policy"


@pytest.mark.parametrize("kind", ["rss", "atom", "federal_register", "html", "pdf"])
def test_empty_body_is_a_parse_error(kind):
    with pytest.raises(ParseError, match="the response body is empty"):
        parse(kind, b"  \n", url=FEED_URL)


def test_body_left_gzip_compressed_is_a_parse_error():
    with pytest.raises(ParseError, match="the response body is still gzip-compressed"):
        parse("rss", gzip.compress(fixture("rss_policy_news.xml")), url=FEED_URL)


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown source kind 'csv'"):
        parse("csv", b"a,b", url=FEED_URL)


# The offline sample bundle -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "count"),
    [
        ("federal_register", "federal_register.json", 3),
        ("atom", "ai-security-news.atom", 3),
        ("html", "frontier-safety-page.html", 1),
        ("pdf", "compute-report.pdf", 1),
    ],
)
def test_every_sample_parses_into_titled_items_with_text(kind, name, count):
    result = parse(kind, (SAMPLES / name).read_bytes(), url=f"https://samples.example/{name}")

    assert len(result.items) == count
    for item in result.items:
        assert item.title
        assert 150 <= len(item.text.split()) <= 400
        assert not item.needs_ocr


def test_a_feed_item_without_a_web_address_is_rejected_with_its_reason():
    result = parse_fixture("rss", "rss_unusable_links.xml")

    assert [(item.external_id, item.url) for item in result.items] == [
        ("b0", "https://board.example.org/bulletin/incident-register")
    ]
    assert result.rejected == (
        "b1: its address 'javascript:alert(1)' is not an http or https URL",
        "b2: its address 'ftp://example.org/x' is not an http or https URL",
    )


def test_a_guid_is_an_address_only_when_it_is_an_absolute_permalink():
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Guids</title>
    <item><title>Permalink</title><guid>https://board.example.org/notes/permalink</guid></item>
    <item><title>Not a permalink</title><guid isPermaLink="false">https://board.example.org/notes/other</guid></item>
    </channel></rss>"""

    result = parse("rss", feed, url=FEED_URL)

    assert [item.url for item in result.items] == ["https://board.example.org/notes/permalink"]
    assert result.rejected == ("https://board.example.org/notes/other: it has no http or https address",)


def _fr_page(**fields) -> bytes:
    document = {
        "document_number": "2026-T0101",
        "title": "Request for comment on reporting large training runs",
        "abstract": "The agency asks how developers should report training runs above a compute threshold.",
        "html_url": "https://www.federalregister.gov/d/2026-T0101",
        "publication_date": "2026-11-02",
        **fields,
    }
    return json.dumps({"count": 1, "results": [document]}).encode()


def test_fr_comments_close_on_is_read_as_a_date():
    [item] = parse("federal_register", _fr_page(comments_close_on="2026-12-15"), url=FEED_URL).items

    assert item.comments_close_on == datetime.date(2026, 12, 15)


@pytest.mark.parametrize("value", ["the fifteenth", "2026-13-45", 20261215, ["2026-12-15"]])
def test_fr_malformed_comments_close_on_is_ignored_and_the_item_kept(value):
    result = parse("federal_register", _fr_page(comments_close_on=value), url=FEED_URL)

    [item] = result.items
    assert item.title == "Request for comment on reporting large training runs"
    assert item.comments_close_on is None
    assert result.rejected == ()


def test_the_seeded_federal_register_source_asks_for_comments_close_on():
    sources = yaml.safe_load((pathlib.Path(parsing.__file__).parent / "seed" / "sources.yaml").read_text())["sources"]
    [federal_register] = [source for source in sources if source["kind"] == "federal_register"]

    assert "fields%5B%5D=comments_close_on" in federal_register["url"]
    for name in ("title", "abstract", "document_number", "html_url", "publication_date", "agencies", "excerpts"):
        assert f"fields%5B%5D={name}&" in federal_register["url"] + "&"
