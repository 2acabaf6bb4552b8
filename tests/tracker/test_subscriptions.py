"""Subscribing as a reader does it: the form, the confirmation email on a real SMTP server, and its signed links
followed through the site; and as staff do it, with `manage.py subscribe`."""

import datetime
import io
import re
import socket
import time

import pytest
from django.core import signing
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from api.throttling import SignUpThrottle
from tests import factories as registry_factories
from tests.tracker import factories
from tracker.digests import subscriptions
from tracker.models import Subscriber

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]
SUBSCRIBE = reverse("subscribe")


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _link(message, kind: str) -> str:
    """The site path of the first /subscriptions/<kind>/ link in the email's text, as the test client takes it."""
    url = re.search(rf"https://tracker\.example\.org(/subscriptions/{kind}/\S+/)", _text(message))
    assert url, f"no {kind} link in:\n{_text(message)}"
    return url[1]


def _subscribe_on_the_site(client, email, **choices):
    return client.post(SUBSCRIBE, {"email": email, **choices})


def test_the_subscribe_page_offers_the_challenges_and_jurisdictions(client):
    registry_factories.jurisdiction("US", "United States")
    page = client.get(SUBSCRIBE).content.decode()
    assert 'name="email"' in page
    assert "Human misuse" in page
    assert "US" in page


def test_subscribing_sends_one_confirmation_email_and_subscribes_nobody_yet(client, smtp_server):
    response = _subscribe_on_the_site(client, "analyst@example.org", challenges=["alignment"])
    assert response.status_code == 302
    assert response["Location"] == reverse("subscribe-check-inbox")
    [message] = smtp_server.received_by("analyst@example.org")
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Confirm your subscription to the AI governance weekly digest"
    subscriber = Subscriber.objects.get()
    assert not subscriber.is_active
    assert [c.code for c in subscriber.challenges.all()] == ["alignment"]


def test_following_the_confirmation_link_and_pressing_confirm_subscribes(client, smtp_server):
    _subscribe_on_the_site(client, "analyst@example.org")
    [message] = smtp_server.received_by("analyst@example.org")
    link = _link(message, "confirm")
    page = client.get(link)
    assert page.status_code == 200
    assert "analyst@example.org" in page.content.decode()
    response = client.post(link)
    assert "You are subscribed" in response.content.decode()
    assert Subscriber.objects.get().is_active


def test_opening_the_confirmation_link_alone_confirms_nothing(client, smtp_server):
    """Mail scanners open links: only the button's POST confirms."""
    _subscribe_on_the_site(client, "analyst@example.org")
    client.get(_link(smtp_server.received_by("analyst@example.org")[0], "confirm"))
    assert not Subscriber.objects.get().is_active


def test_the_site_answers_the_same_for_a_known_and_an_unknown_address(client, smtp_server):
    factories.subscriber("known@example.org")
    known = _subscribe_on_the_site(client, "known@example.org")
    unknown = _subscribe_on_the_site(client, "new@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert client.get(known["Location"]).content == client.get(unknown["Location"]).content


def test_subscribing_a_known_address_again_keeps_its_follows_and_reminds_it_of_its_manage_link(client, smtp_server):
    factories.subscriber("known@example.org", challenges=["alignment"])
    _subscribe_on_the_site(client, "KNOWN@example.org", challenges=["human_misuse"])
    subscriber = Subscriber.objects.get()
    assert [c.code for c in subscriber.challenges.all()] == ["alignment"]
    [message] = smtp_server.received_by("known@example.org")
    assert message["Subject"] == "You already get the AI governance weekly digest"
    assert client.get(_link(message, "manage")).status_code == 200


def test_asking_again_within_minutes_sends_no_second_email(smtp_server):
    subscriptions.subscribe(email="analyst@example.org")
    subscriptions.subscribe(email="analyst@example.org")
    assert len(smtp_server.received_by("analyst@example.org")) == 1
    assert Subscriber.objects.count() == 1


def test_a_malformed_address_is_refused_on_the_page(client, smtp_server):
    response = _subscribe_on_the_site(client, "not-an-address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not Subscriber.objects.exists()
    assert smtp_server.messages == []


def test_an_expired_confirmation_link_is_refused(client, smtp_server, monkeypatch):
    subscriber = factories.subscriber(confirmed=False)
    eight_days_ago = int(time.time()) - 8 * 86400
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(eight_days_ago))
    link = subscriptions.confirm_url(subscriber).removeprefix("https://tracker.example.org")
    monkeypatch.undo()
    response = client.post(link)
    assert response.status_code == 400
    assert "expired" in response.content.decode()
    subscriber.refresh_from_db()
    assert not subscriber.is_active


def test_a_tampered_link_is_refused(client):
    subscriber = factories.subscriber()
    token = subscriptions.manage_token(subscriber)
    other = factories.subscriber()
    forged = f"{other.pk}:{token.split(':', 1)[1]}"
    response = client.get(reverse("subscription-manage", args=[forged]))
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_a_confirmation_link_sent_before_unsubscribing_does_not_subscribe_again(client, smtp_server):
    _subscribe_on_the_site(client, "analyst@example.org")
    link = _link(smtp_server.received_by("analyst@example.org")[0], "confirm")
    client.post(link)
    subscriber = Subscriber.objects.get()
    subscriptions.unsubscribe(subscriber=subscriber)
    assert client.post(link).status_code == 400
    subscriber.refresh_from_db()
    assert not subscriber.is_active


def test_the_manage_page_changes_what_the_subscriber_follows(client, settings):
    settings.SITE_URL = "https://tracker.example.org"
    us = registry_factories.jurisdiction("US", "United States")
    subscriber = factories.subscriber(challenges=["alignment"])
    link = subscriptions.manage_url(subscriber).removeprefix(settings.SITE_URL)
    page = client.get(link).content.decode()
    assert subscriber.email in page
    response = client.post(link, {"challenges": ["human_misuse", "natural_selection"], "jurisdictions": [us.pk]})
    assert "Saved." in response.content.decode()
    assert sorted(c.code for c in subscriber.challenges.all()) == ["human_misuse", "natural_selection"]
    assert [j.code for j in subscriber.jurisdictions.all()] == ["US"]


def test_a_get_on_the_unsubscribe_link_only_shows_a_page(client, settings):
    subscriber = factories.subscriber()
    page = client.get(subscriptions.unsubscribe_url(subscriber).removeprefix(settings.SITE_URL))
    assert page.status_code == 200
    assert "Stop sending the weekly digest" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.is_active


def test_a_one_click_post_unsubscribes_at_once_without_a_csrf_token(settings):
    subscriber = factories.subscriber()
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        subscriptions.unsubscribe_url(subscriber).removeprefix(settings.SITE_URL),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None
    assert not subscriber.is_active


def test_the_manage_page_still_needs_a_csrf_token(settings):
    subscriber = factories.subscriber(challenges=["alignment"])
    response = Client(enforce_csrf_checks=True).post(
        subscriptions.manage_url(subscriber).removeprefix(settings.SITE_URL), {"challenges": ["human_misuse"]}
    )
    assert response.status_code == 403
    assert [c.code for c in subscriber.challenges.all()] == ["alignment"]


def test_subscribe_command_subscribes_staff_at_once_without_an_email(mailoutbox):
    registry_factories.jurisdiction("US", "United States")
    out = io.StringIO()
    call_command(
        "subscribe",
        "Staff@Example.org",
        "--challenge",
        "human_misuse",
        "--jurisdiction",
        "us",
        "--confirmed",
        stdout=out,
    )
    assert out.getvalue().strip() == "Staff@example.org: subscribed, following human_misuse; US"
    subscriber = Subscriber.objects.get()
    assert subscriber.is_active
    assert mailoutbox == []


def test_subscribe_command_refuses_an_unknown_challenge_in_one_line():
    with pytest.raises(CommandError, match=r"Unknown challenges: alinement\."):
        call_command("subscribe", "staff@example.org", "--challenge", "alinement", stdout=io.StringIO())
    assert not Subscriber.objects.exists()


def test_the_form_is_throttled_with_the_api_sign_ups_whatever_the_forwarded_for_header(client, mailoutbox, monkeypatch):
    monkeypatch.setattr(SignUpThrottle, "THROTTLE_RATES", {"subscriptions": "2/hour"})
    api = client.post(
        "/api/v1/subscriptions/", {"email": "p0@example.org"}, content_type="application/json", REMOTE_ADDR="192.0.2.7"
    )
    codes = [
        client.post(
            SUBSCRIBE, {"email": f"p{n}@example.org"}, REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"
        )
        for n in range(1, 3)
    ]
    assert api.status_code == 202
    assert [response.status_code for response in codes] == [302, 429]
    assert "Too many sign-ups from your connection" in codes[-1].content.decode()
    assert 0 < int(codes[-1]["Retry-After"]) <= 3600
    assert [m.to for m in mailoutbox] == [["p0@example.org"], ["p1@example.org"]]


def test_an_address_gets_at_most_three_confirmation_emails_a_day_however_often_it_is_asked(mailoutbox, settings):
    settings.SUBSCRIPTION_EMAILS_PER_DAY = 3
    morning = timezone.make_aware(datetime.datetime(2026, 3, 2, 8, 0))
    for n in range(5):
        subscriptions.subscribe(email="target@example.org", now=morning + n * datetime.timedelta(minutes=11))
    subscriptions.subscribe(email="target@example.org", now=morning + datetime.timedelta(days=1))
    assert len(mailoutbox) == 4


def test_without_redis_the_form_says_to_try_again_later(client, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    unreachable = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{closed}/0"}}
    with override_settings(CACHES=unreachable):  # restored before the cache is cleared after the test
        response = _subscribe_on_the_site(client, "reader@example.org")
    assert response.status_code == 503
    assert "We cannot take sign-ups just now." in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert not Subscriber.objects.exists()
