"""The chart page, its SVG and CSV downloads, and the chart in a phone-width browser."""

import csv
import datetime
import io
import xml.etree.ElementTree as ET

import pytest

from registry.models import AIModel
from tests import factories
from tests.site.conftest import elsewhere

SVG = "{http://www.w3.org/2000/svg}"
db = pytest.mark.django_db
browser_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def watch(page):
    """Console errors and failed responses of a page (the browser's own favicon request aside: no page asks for it)."""
    errors, failed = [], []
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load") else None,
    )
    page.on(
        "response",
        lambda r: failed.append((r.url, r.status)) if r.status >= 400 and not r.url.endswith("/favicon.ico") else None,
    )
    return errors, failed


def _registry():
    for year, flop in ((2021, 1e23), (2022, 1e24), (2023, 1e25)):
        AIModel.objects.create(name=f"Model {year}", released=datetime.date(year, 6, 1), training_compute_flop=flop)
    law = factories.instrument(short_name="Frontier Act")
    factories.threshold(("training_compute_flop", ">", 1e26), instrument_=law, slug="frontier", name="Frontier model")
    bill = factories.instrument(status="proposed", effective_on=None, short_name="Draft Bill")
    factories.threshold(("training_compute_flop", ">", 1e25), instrument_=bill, slug="draft", name="Draft figure")


@db
def test_the_chart_page_shows_the_chart_and_a_table_of_crossings(client):
    _registry()
    response = client.get("/chart/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body
    assert "Thresholds and when the frontier crosses them" in body
    assert "Frontier model" in body and "Draft figure" in body
    assert "Model 2022" in body


@db
def test_the_chart_page_links_its_downloads_with_the_highlight_kept(client):
    _registry()
    body = client.get("/chart/?highlight=frontier").content.decode()
    assert 'href="/chart.svg?highlight=frontier" download' in body
    assert 'href="/chart.csv?highlight=frontier" download' in body
    assert "<strong>Frontier model</strong> is drawn in red" in body


@db
@pytest.mark.parametrize("highlight", ["no-such-slug", "%00", "x" * 500, "<b>"])
def test_a_bad_highlight_is_ignored_not_an_error(client, highlight):
    _registry()
    response = client.get("/chart/", {"highlight": highlight})
    assert response.status_code == 200
    assert "is drawn in red" not in response.content.decode()


@db
def test_the_svg_download_is_a_standalone_svg_file(client):
    _registry()
    response = client.get("/chart.svg?highlight=frontier")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"] == 'attachment; filename="compute-chart.svg"'
    text = response.content.decode()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    lines = [g for g in root.iter(f"{SVG}g") if "threshold" in g.get("class", "").split()]
    assert sorted(g.get("data-threshold") for g in lines) == ["draft", "frontier"]
    assert [g.get("data-threshold") for g in lines if "highlighted" in g.get("class")] == ["frontier"]


@db
def test_the_csv_download_holds_models_and_thresholds(client):
    _registry()
    response = client.get("/chart.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="compute-chart.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["name"] for row in rows if row["kind"] == "threshold"] == ["Draft figure", "Frontier model"]
    assert {row["name"] for row in rows if row["kind"] == "model"} == {"Model 2021", "Model 2022", "Model 2023"}


@db
def test_an_unreviewed_threshold_is_not_on_the_public_chart(client):
    _registry()
    factories.threshold(("training_compute_flop", ">", 1e24), review_status="candidate", name="Unreviewed figure")
    assert "Unreviewed figure" not in client.get("/chart/").content.decode()
    assert "Unreviewed figure" not in client.get("/chart.csv").content.decode()


@db
def test_the_chart_page_reads_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    _registry()
    for n in range(20):
        factories.threshold(("training_compute_flop", ">", 10 ** (20 + n % 8)))
    with django_assert_max_num_queries(8):
        assert client.get("/chart/").status_code == 200


@browser_db
def test_the_chart_draws_a_line_per_compute_threshold_and_fits_a_phone(page, live_server):
    _registry()
    page.set_viewport_size({"width": 390, "height": 844})
    errors, failed = watch(page)
    page.goto("/chart/")
    assert page.locator("figure.chart svg g.threshold").count() == 2
    assert page.locator("figure.chart svg g.threshold.in-force").count() == 1
    assert page.locator("figure.chart svg g.model").count() == 3
    assert page.locator("figure.chart svg g.trend").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert errors == [] and failed == []
    assert elsewhere(page, live_server) == []


@db
def test_an_empty_registry_still_draws_the_axes(client):
    response = client.get("/chart/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "0 reference models; 0 compute thresholds" in body
    assert "There are too few reference models" in body
    assert "No compute threshold is in the registry yet." in body
