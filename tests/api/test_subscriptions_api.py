"""Subscribing through the API: a confirmation email, the same answer for everyone, throttled (tasks inline)."""

import pytest
from django.core import mail

from api.throttling import SignUpThrottle
from tests import factories
from tracker.models import Subscriber

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


def test_subscribing_sends_a_confirmation_and_confirms_nothing_yet(api, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    factories.jurisdiction("EU", "European Union")
    response = api.post(
        "/api/v1/subscriptions/",
        {"email": "analyst@example.org", "challenges": ["human_misuse"], "jurisdictions": ["EU"]},
        format="json",
    )
    assert response.status_code == 202
    assert [m.to for m in mail.outbox] == [["analyst@example.org"]]
    subscriber = Subscriber.objects.get(email="analyst@example.org")
    assert subscriber.confirmed_at is None
    assert list(subscriber.jurisdictions.values_list("code", flat=True)) == ["EU"]


def test_the_answer_does_not_say_whether_an_address_is_known(api, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first = api.post("/api/v1/subscriptions/", {"email": "known@example.org"}, format="json")
    again = api.post("/api/v1/subscriptions/", {"email": "known@example.org"}, format="json")
    assert (first.status_code, first.json()) == (again.status_code, again.json())


def test_bad_subscriptions_are_a_400(api):
    assert api.post("/api/v1/subscriptions/", {"email": "not-an-address"}, format="json").status_code == 400
    response = api.post("/api/v1/subscriptions/", {"email": "a@example.org", "challenges": ["ethics"]}, format="json")
    assert response.status_code == 400
    assert "challenges" in response.json()


@pytest.mark.parametrize("field", ["challenges", "jurisdictions"])
def test_a_list_of_more_than_50_is_one_short_400(api, field):
    response = api.post("/api/v1/subscriptions/", {"email": "x@example.com", field: ["x"] * 150_000}, format="json")
    assert response.status_code == 400
    assert response.json() == {field: ["Ensure this field has no more than 50 elements."]}
    assert not Subscriber.objects.exists()


def test_the_schema_says_how_long_the_lists_may_be(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    properties = schema["components"]["schemas"]["SubscriptionRequest"]["properties"]
    assert (properties["challenges"]["maxItems"], properties["jurisdictions"]["maxItems"]) == (50, 50)


def test_subscribing_is_throttled(api, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(SignUpThrottle, "THROTTLE_RATES", {"subscriptions": "2/hour"})
    codes = [
        api.post("/api/v1/subscriptions/", {"email": f"p{n}@example.org"}, format="json").status_code for n in range(3)
    ]
    assert codes == [202, 202, 429]
