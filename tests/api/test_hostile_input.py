"""Input a client crafts to break the API: each is a 4xx that says what is wrong, never a 500."""

import base64
import csv
import io

import pytest

from registry.models import AIModel

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "head"])
@pytest.mark.parametrize("format", [None, "json", "csv", "api"])
def test_a_challenge_reads_with_its_counts_in_every_format(api, registry, documents, method, format):
    params = {"format": format} if format else {}
    response = getattr(api, method)("/api/v1/challenges/alignment/", params)
    assert response.status_code == 200
    if method == "get" and format in (None, "json"):
        assert response.json() == {**response.json(), "code": "alignment", "documents": 1, "thresholds": 1}
    if method == "get" and format == "csv":
        [row] = csv.DictReader(io.StringIO(response.content.decode()))
        assert (row["code"], row["documents"], row["thresholds"]) == ("alignment", "1", "1")


def _cursor(query: bytes) -> str:
    return base64.b64encode(query).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor at all",
        _cursor(b"\xff\xfe\x00junk"),
        _cursor(b"o=0&r=0&p=yesterday"),
        _cursor(b"o=0&r=1&p=2026-13-45T99:99:99Z"),
        _cursor(b"p=" + b"9" * 30),
    ],
)
def test_a_crafted_document_cursor_is_an_invalid_cursor(api, documents, cursor):
    response = api.get("/api/v1/documents/", {"cursor": cursor})
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor"}


def _nested(depth: int) -> str:
    return '{"note": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/evaluate/",
        "/api/v1/subscriptions/",
        "/api/v1/thresholds/{candidate}/approve/",
        "/api/v1/thresholds/{candidate}/reject/",
        "/api/v1/documents/{document}/tags/",
    ],
)
def test_a_json_body_nested_50000_deep_is_a_400(staff_api, registry, documents, path):
    path = path.format(candidate=registry["candidate"].pk, document=documents[0].pk)
    response = staff_api.post(path, _nested(50_000), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "The JSON body is nested too deeply: at most 16 levels."}


def test_a_body_a_little_too_deep_for_python_to_print_is_a_400_too(staff_api, registry):
    response = staff_api.post("/api/v1/evaluate/", _nested(990), content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted_and_numbers_stay_numbers(api, registry):
    AIModel.objects.create(name='=HYPERLINK("http://evil.example")', developer="@SUM(A1)", training_compute_flop=1e25)
    AIModel.objects.create(name="\tTabbed", developer="-2+3", training_compute_flop=2e25)
    AIModel.objects.create(name="Counted", developer="-12", training_compute_flop=3e25)
    response = api.get("/api/v1/models/", {"format": "csv", "ordering": "training_compute_flop"})
    rows = [
        (row["name"], row["developer"], row["training_compute_flop"])
        for row in csv.DictReader(io.StringIO(response.content.decode()))
    ]
    assert rows[:3] == [
        ('\'=HYPERLINK("http://evil.example")', "'@SUM(A1)", "1e+25"),
        ("'\tTabbed", "'-2+3", "2e+25"),
        ("Counted", "-12", "3e+25"),
    ]


def test_an_empty_format_is_a_400_as_the_schema_says(api, registry):
    response = api.get("/api/v1/thresholds/", {"format": ""})
    assert response.status_code == 400
    assert response.json() == {"format": "Give json or csv, or leave the parameter out."}


@pytest.mark.parametrize("page_size", ["null", "-3", "0", "1.5"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400(api, registry, documents, page_size):
    for path, format in [("/api/v1/thresholds/", "json"), ("/api/v1/documents/", "json"), ("/api/v1/models/", "csv")]:
        response = api.get(path, {"page_size": page_size, "format": format})
        assert response.status_code == 400, path
        assert "page_size" in response.json()


def test_a_time_with_an_offset_postgresql_refuses_still_filters_documents(api, documents):
    response = api.get("/api/v1/documents/", {"published_before": "0624-11-18T12:54:06+19:25"})
    assert (response.status_code, response.json()["results"]) == (200, [])


def test_evaluate_takes_only_json_true_false_and_numbers(api, registry):
    body = {"training_compute_flop": False, "capability_findings": {"cyber": 0}, "bio_sequence_data": 1}
    response = api.post("/api/v1/evaluate/", body)
    assert response.status_code == 400
    assert set(response.json()) == {"training_compute_flop", "capability_findings", "bio_sequence_data"}


def test_an_api_address_with_a_newline_in_it_is_a_json_404(api):
    response = api.get("/api/v1/sources/c%04%5E%0A6/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such API address: see /api/schema/."}


def test_the_smallest_figure_a_float_holds_is_evaluated(api, registry):
    response = api.get("/api/v1/evaluate/", {"training_compute_flop": "5e-324"})
    assert response.status_code == 200
    [eu] = [row for row in response.json()["results"] if row["threshold"] == "eu-compute"]
    assert (eu["result"], eu["margin_oom"]) == ("not_triggered", -348.31)


@pytest.mark.parametrize("path", ["/api/v1/evaluate/", "/api/v1/thresholds/{candidate}/reject/"])
def test_a_body_over_the_upload_limit_is_a_json_413(staff_api, registry, settings, path):
    body = '{"note": "' + "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'
    response = staff_api.post(path.format(candidate=registry["candidate"].pk), body, content_type="application/json")
    assert (response.status_code, response["Content-Type"]) == (413, "application/json")
    assert response.json() == {"detail": "The request body is too large: at most 2,621,440 bytes."}


@pytest.mark.parametrize("path", ["/api/v1/evaluate/", "/api/v1/thresholds/"])
def test_too_many_query_parameters_are_a_json_400(api, registry, path):
    response = api.get(path + "?" + "&".join(f"p{i}=1" for i in range(1500)))
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == {"detail": "Too many parameters: at most 1,000."}


def test_too_many_form_fields_on_the_site_are_still_a_page(client):
    response = client.post("/subscriptions/", {f"p{i}": "1" for i in range(1500)})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
