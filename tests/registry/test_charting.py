"""The compute chart: an SVG with a point per model, a line per visible compute threshold, and the frontier trend."""

import csv
import datetime
import io
import xml.etree.ElementTree as ET

import pytest

from registry.charting import compute_chart, standalone_svg, write_chart_csv
from registry.models import AIModel
from tests import factories

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _frontier():
    """Three models, ten times more compute every year: a trend to fit."""
    for year, flop in ((2021, 1e23), (2022, 1e24), (2023, 1e25)):
        AIModel.objects.create(name=f"Model {year}", released=datetime.date(year, 6, 1), training_compute_flop=flop)


def _svg(chart):
    return ET.fromstring(str(chart.svg))


def _groups(root, kind):
    return [g for g in root.iter(f"{SVG}g") if kind in g.get("class", "").split()]


def test_the_chart_is_an_svg_with_a_title_and_a_description():
    _frontier()
    root = _svg(compute_chart(user=None))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert "Training compute" in root.find(f"{SVG}title").text
    assert "3 reference models released from 2021 to 2023" in root.find(f"{SVG}desc").text


def test_the_standalone_file_declares_itself_as_xml():
    text = standalone_svg(compute_chart(user=None))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert ET.fromstring(text.split("\n", 1)[1]).tag == f"{SVG}svg"


def test_each_model_is_a_point_with_its_name_in_a_title():
    _frontier()
    points = _groups(_svg(compute_chart(user=None)), "model")
    assert len(points) == 3
    names = sorted(p.find(f"{SVG}title").text.split(":")[0] for p in points)
    assert names == ["Model 2021", "Model 2022", "Model 2023"]
    assert all(p.find(f"{SVG}circle") is not None for p in points)


def test_each_visible_compute_threshold_is_one_labelled_line():
    law = factories.instrument(short_name="Frontier Act")
    factories.threshold(("training_compute_flop", ">", 1e26), instrument_=law, slug="frontier")
    factories.threshold(("training_cost_usd", ">", 1e8))
    factories.threshold(("training_compute_flop", ">", 1e24), review_status="candidate", slug="unreviewed")
    lines = _groups(_svg(compute_chart(user=None)), "threshold")
    assert [line.get("data-threshold") for line in lines] == ["frontier"]
    assert lines[0].find(f"{SVG}text").text == "Frontier Act (EU), in force"


def test_a_threshold_not_in_force_is_dashed_and_one_in_force_is_solid():
    factories.threshold(("training_compute_flop", ">", 1e25), slug="applies")
    bill = factories.instrument(status="proposed", effective_on=None, short_name="Bill")
    factories.threshold(("training_compute_flop", ">", 1e26), instrument_=bill, slug="proposed")
    lines = {line.get("data-threshold"): line for line in _groups(_svg(compute_chart(user=None)), "threshold")}
    assert "in-force" in lines["applies"].get("class").split()
    assert lines["applies"].find(f"{SVG}line").get("stroke-dasharray") is None
    assert "not-in-force" in lines["proposed"].get("class").split()
    assert lines["proposed"].find(f"{SVG}line").get("stroke-dasharray")
    assert lines["proposed"].find(f"{SVG}text").text.endswith("not in force")


def test_the_highlighted_threshold_is_drawn_apart():
    factories.threshold(("training_compute_flop", ">", 1e25), slug="plain")
    factories.threshold(("training_compute_flop", ">", 1e26), slug="chosen", name="The chosen one")
    chart = compute_chart(user=None, highlight="chosen")
    assert chart.highlight.name == "The chosen one"
    [highlighted] = [g.get("data-threshold") for g in _groups(_svg(chart), "highlighted")]
    assert highlighted == "chosen"


def test_an_unknown_highlight_highlights_nothing():
    factories.threshold(("training_compute_flop", ">", 1e25))
    chart = compute_chart(user=None, highlight="no-such-threshold")
    assert chart.highlight is None
    assert _groups(_svg(chart), "highlighted") == []


def test_the_trend_has_its_band_and_marks_where_it_crosses_a_line():
    _frontier()
    factories.threshold(("training_compute_flop", ">", 1e26))
    root = _svg(compute_chart(user=None))
    [trend] = _groups(root, "trend")
    assert trend.find(f"{SVG}polyline") is not None
    assert trend.find(f"{SVG}polygon").find(f"{SVG}title").text.startswith("90% band")
    [crossing] = _groups(root, "crossing")
    assert "crosses 10^26 FLOP around May 2024" in crossing.find(f"{SVG}title").text


def test_a_line_a_model_has_passed_gets_no_forecast_mark():
    _frontier()
    factories.threshold(("training_compute_flop", ">", 1e26))
    factories.threshold(("training_compute_flop", ">", 1e20))  # below every model of the frontier
    chart = compute_chart(user=None)
    [crossing] = _groups(_svg(chart), "crossing")
    assert "10^26" in crossing.find(f"{SVG}title").text
    assert [line.crossing.crossed_by is not None for line in chart.lines] == [True, False]


def test_without_enough_models_there_is_no_trend():
    AIModel.objects.create(name="Lonely", released=datetime.date(2023, 1, 1), training_compute_flop=1e24)
    root = _svg(compute_chart(user=None))
    assert _groups(root, "trend") == []
    assert len(_groups(root, "model")) == 1


def test_names_are_escaped_in_the_svg():
    AIModel.objects.create(name="<script>&</script>", released=datetime.date(2023, 1, 1), training_compute_flop=1e24)
    root = _svg(compute_chart(user=None))
    assert root.find(f".//{SVG}g[@class='model']/{SVG}title").text.startswith("<script>&</script>:")
    assert root.find(f".//{SVG}script") is None


def test_the_csv_holds_the_models_and_the_thresholds_with_their_crossing_dates():
    _frontier()
    factories.threshold(("training_compute_flop", ">", 1e26), slug="frontier")
    out = io.StringIO()
    write_chart_csv(out, compute_chart(user=None))
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [row["kind"] for row in rows] == ["model", "model", "model", "threshold"]
    assert rows[0]["released"] == "2021-06-01"
    assert rows[-1]["threshold_slug"] == "frontier"
    assert rows[-1]["in_force"] == "true"
    assert rows[-1]["forecast_expected"].startswith("2024-0")


def test_the_chart_reads_a_bounded_number_of_queries(django_assert_max_num_queries):
    _frontier()
    for n in range(10):
        factories.threshold(("training_compute_flop", ">", 10 ** (20 + n)))
    with django_assert_max_num_queries(4):
        compute_chart(user=None)


def test_staff_who_review_thresholds_see_candidates_on_the_chart(reviewer):
    factories.threshold(("training_compute_flop", ">", 1e26), slug="approved")
    factories.threshold(("training_compute_flop", ">", 1e24), instrument_=None, review_status="candidate", slug="found")
    lines = _groups(_svg(compute_chart(user=reviewer)), "threshold")
    assert sorted(line.get("data-threshold") for line in lines) == ["approved", "found"]
    found = next(line for line in lines if line.get("data-threshold") == "found")
    assert found.find(f"{SVG}text").text.endswith("not in force")


def test_a_name_that_looks_like_a_formula_is_defused_in_the_csv():
    AIModel.objects.create(name="=HYPERLINK(1)", released=datetime.date(2023, 1, 1), training_compute_flop=1e24)
    out = io.StringIO()
    write_chart_csv(out, compute_chart(user=None))
    [row] = csv.DictReader(io.StringIO(out.getvalue()))
    assert row["name"] == "'=HYPERLINK(1)"
