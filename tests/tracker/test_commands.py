"""The tracker's commands as a person runs them: a one-line summary, or a one-line error and a failing exit."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.models import CapabilityThreshold
from registry.seeding import seed_registry
from tests.tracker import factories
from tracker.models import Document, FetchRun, ProcessStatus, Source

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Ministry news</title><link>https://ministry.example.org/</link>
<item><guid>jobs</guid><title>Ministry studies how AI agents change the labour market</title>
<link>https://ministry.example.org/jobs</link><pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate>
<description>The study looks at which jobs AI agents displace first and how firms under competitive pressure adopt
them faster than workers can retrain.</description></item></channel></rss>"""


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_ingest_file_parses_stores_and_processes_a_local_file(tmp_path):
    path = tmp_path / "news.xml"
    path.write_bytes(FEED)
    assert (
        _run("ingest_file", str(path), "--kind", "rss").strip() == "news.xml: documents 1 new, 0 updated, 0 unchanged"
    )
    document = Document.objects.get()
    assert document.process_status == ProcessStatus.DONE
    assert "natural_selection" in document.labels
    assert "0 new, 0 updated, 1 unchanged" in _run("ingest_file", str(path), "--kind", "rss")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"<html><body>not a feed at all</body></html>", "news.xml"),
    ],
)
def test_ingest_file_refuses_unusable_input_with_one_clear_line(tmp_path, content, message):
    path = tmp_path / "news.xml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("ingest_file", str(path), "--kind", "rss")
    assert not Document.objects.exists()


def test_ingest_file_wants_the_web_address_of_a_pdf(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(CommandError, match="a pdf file needs --url, the http or https address it was published at"):
        call_command("ingest_file", str(path), "--kind", "pdf")
    assert not Document.objects.exists()


def test_ingest_file_exits_non_zero_from_the_shell(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "ingest_file", str(tmp_path / "missing.xml"), "--kind", "rss"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert done.stderr.strip().startswith("CommandError: cannot read")
    assert done.stderr.strip().count("\n") == 0


@pytest.mark.usefixtures("allow_private")
def test_pull_url_fetches_through_the_safe_fetcher_and_files_it_under_an_inactive_source(http_server):
    cache.clear()
    http_server.route("/news.xml", headers={"Content-Type": "application/rss+xml"}, body=FEED)
    assert "documents 1 new" in _run("pull_url", http_server.url("/news.xml"), "--kind", "rss")
    source = Source.objects.get(url=http_server.url("/news.xml"))
    assert not source.active


UNUSABLE_LINKS = (ROOT / "tests" / "fixtures" / "parsing" / "rss_unusable_links.xml").read_bytes()
REJECTED = [
    "  rejected b1: its address 'javascript:alert(1)' is not an http or https URL",
    "  rejected b2: its address 'ftp://example.org/x' is not an http or https URL",
]


@pytest.mark.usefixtures("allow_private")
def test_pull_url_leaves_out_items_without_a_web_address_and_counts_them(http_server):
    http_server.route("/bad.xml", headers={"Content-Type": "application/rss+xml"}, body=UNUSABLE_LINKS)

    output = _run("pull_url", http_server.url("/bad.xml"), "--kind", "rss")

    assert output.splitlines() == [*REJECTED, "3 item(s): documents 1 new, 0 updated, 0 unchanged, 2 rejected"]
    assert list(Document.objects.values_list("url", flat=True)) == [
        "https://board.example.org/bulletin/incident-register"
    ]
    run = FetchRun.objects.get(source__url=http_server.url("/bad.xml"))
    assert (run.items_seen, run.documents_new, run.items_rejected) == (3, 1, 2)
    assert run.rejections.splitlines() == [line.removeprefix("  rejected ") for line in REJECTED]


def test_ingest_file_reports_rejected_items_like_pull_url(tmp_path):
    path = tmp_path / "bad.xml"
    path.write_bytes(UNUSABLE_LINKS)

    output = _run("ingest_file", str(path), "--kind", "rss")

    assert output.splitlines() == [*REJECTED, "bad.xml: documents 1 new, 0 updated, 0 unchanged, 2 rejected"]
    assert Document.objects.count() == 1


def test_pull_url_refuses_a_private_address_by_default():
    cache.clear()
    with pytest.raises(CommandError, match="refused"):
        call_command("pull_url", "http://127.0.0.1:9/feed.xml", "--kind", "rss")


@pytest.mark.usefixtures("allow_private")
def test_pull_sources_pulls_the_chosen_sources_and_sums_up(http_server):
    cache.clear()
    http_server.route("/news.xml", headers={"Content-Type": "application/rss+xml"}, body=FEED)
    http_server.route("/gone.xml", status=404)
    good = factories.source(url=http_server.url("/news.xml"))
    bad = factories.source(url=http_server.url("/gone.xml"))
    summary = _run("pull_sources", "--source", str(good.pk), "--source", str(bad.pk))
    assert summary.strip() == "2 source(s), 1 failed: documents 1 new, 0 updated, 0 unchanged"
    with pytest.raises(CommandError, match="no source with id 999999"):
        call_command("pull_sources", "--source", "999999")


def test_load_samples_shows_tagged_documents_and_a_candidate_offline():
    seed_registry()
    _run("load_samples")
    assert Document.objects.count() >= 4
    assert Document.objects.filter(process_status=ProcessStatus.DONE).count() == Document.objects.count()
    for category in ("alignment", "human_misuse", "natural_selection"):
        assert Document.objects.about(category).exists(), category
    assert CapabilityThreshold.objects.filter(origin="document", review_status="candidate").exists()
    assert Document.objects.filter(mentions__threshold__review_status="approved").exists()
    before = Document.objects.count()
    _run("load_samples")
    assert Document.objects.count() == before


def test_load_samples_files_each_sample_under_its_publishers_jurisdiction(client):
    seed_registry()
    _run("load_samples")

    def titles(code):
        response = client.get(f"/api/v1/documents/?jurisdiction={code}")
        assert response.status_code == 200
        return sorted(document["title"] for document in response.json()["results"])

    assert len(titles("US")) == 3
    assert titles("US") == sorted(Document.objects.filter(kind="federal_register").values_list("title", flat=True))
    assert len(titles("GB")) == 3
    assert titles("EU") == []


def test_ingest_file_reads_no_more_than_the_cap_whatever_size_the_file_reports(settings):
    settings.TRACKER_FETCH_MAX_BYTES = 4096
    with pytest.raises(CommandError, match="more than the 4096 bytes allowed"):
        call_command("ingest_file", "/dev/zero", "--kind", "rss")


def test_ingest_file_says_a_json_nested_past_reason_is_not_a_result_page(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(CommandError, match="nested too deeply"):
        call_command("ingest_file", str(deep), "--kind", "federal_register")
