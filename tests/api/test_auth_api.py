"""Who may do what: tokens, staff, the review permission, throttling; and the documented contract."""

import datetime
import socket

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.throttling import AnonRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen_clock(monkeypatch):
    """The throttles count per clock minute: a test whose requests straddled a minute's end saw its count reset.
    Their clock stands still at 30 s into a minute."""
    monkeypatch.setattr(AnonRateThrottle, "timer", lambda self: 1_800_000_030.0)


def _bearer(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_token_lets_a_reviewer_approve_a_candidate(reviewer, registry):
    from tests import factories

    candidate = registry["candidate"]
    candidate.instrument = factories.instrument(slug="assigned")
    candidate.save()
    _, key = ApiToken.issue(user=reviewer, name="script", days=30)
    response = _bearer(key).post(f"/api/v1/thresholds/{candidate.pk}/approve/", {"note": "Checked"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["review_status"] == "approved"


def test_only_a_hash_of_the_token_is_stored(reviewer):
    token, key = ApiToken.issue(user=reviewer, name="script", days=30)
    assert key not in token.key_hash
    assert ApiToken.find(key) == token


def test_an_expired_or_revoked_token_is_refused(reviewer, registry):
    expired, old_key = ApiToken.issue(user=reviewer, name="old", days=1)
    past = timezone.now() - datetime.timedelta(days=2)
    ApiToken.objects.filter(pk=expired.pk).update(created_at=past, expires_at=past + datetime.timedelta(days=1))
    assert _bearer(old_key).get("/api/v1/sources/").status_code == 401
    revoked, key = ApiToken.issue(user=reviewer, name="gone", days=30)
    ApiToken.objects.filter(pk=revoked.pk).update(revoked=True)
    assert _bearer(key).get("/api/v1/sources/").status_code == 401
    assert _bearer("made-up").get("/api/v1/thresholds/").status_code == 401


def test_approving_needs_an_instrument(staff_api, registry):
    response = staff_api.post(f"/api/v1/thresholds/{registry['candidate'].pk}/approve/", {}, format="json")
    assert response.status_code == 400
    assert "instrument" in str(response.json())


def test_approving_an_approved_threshold_again_is_a_409_that_changes_nothing(staff_api, registry):
    threshold = registry["eu"]
    before = threshold.history.count()
    response = staff_api.post(f"/api/v1/thresholds/{threshold.pk}/approve/", {"note": "Again"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "This threshold is already approved."}
    threshold.refresh_from_db()
    assert (threshold.review_note, threshold.history.count()) == ("", before)


def test_rejecting_a_rejected_threshold_again_is_a_409(staff_api, registry):
    path = f"/api/v1/thresholds/{registry['ca'].pk}/reject/"
    first = staff_api.post(path, {"note": "Vetoed bill"}, format="json")
    again = staff_api.post(path, {"note": "Still vetoed"}, format="json")
    assert (first.status_code, again.status_code) == (200, 409)
    assert again.json() == {"detail": "This threshold is already rejected."}


def test_staff_without_the_review_permission_cannot_reject(editor, registry):
    client = APIClient()
    client.force_authenticate(editor)
    response = client.post(f"/api/v1/thresholds/{registry['eu'].pk}/reject/", {"note": "no"}, format="json")
    assert response.status_code == 403


def test_rejecting_needs_a_note(staff_api, registry):
    for body in ({"note": ""}, {"note": "   "}, {}):
        response = staff_api.post(f"/api/v1/thresholds/{registry['eu'].pk}/reject/", body, format="json")
        assert response.status_code == 400 and list(response.json()) == ["note"]
    schema = staff_api.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]["RejectionRequest"]
    assert schema["required"] == ["note"]


def test_anonymous_writes_are_refused(api, registry):
    assert api.post(f"/api/v1/thresholds/{registry['eu'].pk}/approve/").status_code in (401, 403)
    assert api.delete(f"/api/v1/thresholds/{registry['eu'].pk}/").status_code in (401, 403, 405)


@pytest.mark.parametrize("backend", ["config.cache.RedisCache", "django.core.cache.backends.locmem.LocMemCache"])
def test_anonymous_requests_are_throttled(api, registry, monkeypatch, settings, backend, frozen_clock):
    settings.CACHES = {"default": {**settings.CACHES["default"], "BACKEND": backend}}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    responses = [api.get("/api/v1/jurisdictions/") for _ in range(4)]
    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert int(responses[-1]["Retry-After"]) == 30
    assert "throttled" in responses[-1].json()["detail"].lower()


def test_each_client_address_is_counted_on_its_own(api, registry, monkeypatch, frozen_clock):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    first = [api.get("/api/v1/jurisdictions/", REMOTE_ADDR="192.0.2.1").status_code for _ in range(3)]
    other = api.get("/api/v1/jurisdictions/", REMOTE_ADDR="192.0.2.2").status_code
    assert first == [200, 200, 429]
    assert other == 200


def _mid_minute(monkeypatch):
    """Every request in the same fixed window, whenever the test runs."""
    monkeypatch.setattr(AnonRateThrottle, "timer", lambda self: 1_800_000_030.0)


def test_a_forwarded_for_header_does_not_make_a_new_client(api, registry, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    _mid_minute(monkeypatch)
    codes = [api.get("/api/v1/jurisdictions/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(1, 4)]
    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_the_address_it_forwards_is_the_client(api, registry, monkeypatch, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "2/minute"})
    _mid_minute(monkeypatch)
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    # A client's own claim comes first; the proxy appends the address it saw, which is the one that counts.
    first = [
        api.get("/api/v1/jurisdictions/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 192.0.2.1", **proxy).status_code
        for n in range(3)
    ]
    other = api.get("/api/v1/jurisdictions/", HTTP_X_FORWARDED_FOR="192.0.2.2", **proxy).status_code
    assert first == [200, 200, 429]
    assert other == 200


def test_without_redis_the_api_answers_503_with_retry_after(api, registry, settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0"}}
    response = api.get("/api/v1/thresholds/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "try again" in response.json()["detail"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_schema_documents_every_error_response(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert schema["openapi"].startswith("3.")
    operation = schema["paths"]["/api/v1/thresholds/"]["get"]
    assert {"200", "400", "401", "403", "404", "405", "429"} <= set(operation["responses"])


def test_the_schema_says_reads_need_no_credentials_and_writes_do(api):
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {} in paths["/api/v1/thresholds/"]["get"]["security"]
    assert {} in paths["/api/v1/thresholds/{id}/history/"]["get"]["security"]
    assert {} not in paths["/api/v1/thresholds/{id}/approve/"]["post"]["security"]
    assert {} not in paths["/api/v1/sources/"]["get"]["security"]


def test_the_docs_are_served_without_a_cdn(api):
    for path in ("/api/docs/", "/api/redoc/"):
        page = api.get(path).content.decode()
        assert "drf_spectacular_sidecar" in page, path
        assert "cdn.jsdelivr" not in page and "unpkg.com" not in page and "fonts.googleapis" not in page, path
