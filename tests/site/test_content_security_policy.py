"""The Content-Security-Policy header: no inline script or style anywhere; the Redoc page alone allows the styles
carrying its response's nonce and a search worker made from a blob: address."""

import re

import pytest

pytestmark = pytest.mark.django_db


def policy_of(response) -> dict:
    return {
        part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split(";") if part.strip()
    }


def test_a_site_page_allows_styles_from_this_site_only(client):
    response = client.get("/")
    assert policy_of(response)["style-src"] == ["'self'"]


def test_the_redoc_page_allows_the_styles_carrying_the_nonce_it_hands_to_redoc(client):
    response = client.get("/api/redoc/")
    [nonce] = re.findall(r'data-nonce="([^"]+)"', response.content.decode())
    assert policy_of(response)["style-src"] == ["'self'", f"'nonce-{nonce}'"]


def test_each_redoc_response_has_its_own_nonce(client):
    first, second = (policy_of(client.get("/api/redoc/"))["style-src"] for _ in range(2))
    assert first != second


def test_only_the_redoc_page_allows_workers_from_blob_addresses(client):
    assert policy_of(client.get("/api/redoc/"))["worker-src"] == ["'self'", "blob:"]
    assert "worker-src" not in policy_of(client.get("/api/docs/"))


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_have_no_inline_script_or_style(client, path):
    page = client.get(path).content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page) == []
    assert "<style" not in page and "style=" not in page
    assert 'http-equiv="Content-Security-Policy"' not in page


def test_the_swagger_page_loads_its_init_script_from_this_site(client):
    page = client.get("/api/docs/").content.decode()
    [init] = re.findall(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page)
    script = client.get(init.replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle(" in script.content.decode()
