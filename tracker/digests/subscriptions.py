"""Subscribing to the weekly digest without an account: double opt-in, and signed links to confirm, manage and
unsubscribe. Whether an address is already known never shows in what subscribe() does for the caller."""

import datetime
import logging
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from registry.models import Challenge, Instrument, Jurisdiction
from tracker.digests.emails import make_message, sender_address, site_url
from tracker.models import Subscriber

log = logging.getLogger(__name__)
CONFIRM_MAX_AGE = datetime.timedelta(days=7)
# However often someone asks, whoever asks, an address gets at most one confirmation (or reminder) email this often,
# and at most settings.SUBSCRIPTION_EMAILS_PER_DAY in a day.
RESEND_AFTER = datetime.timedelta(minutes=10)
# The salts keep the names of the module they were first written in: a changed salt would void every link sent.
_SALTS = {
    "confirm": "tracker.subscriptions.confirm",
    "manage": "tracker.subscriptions.manage",
    "unsubscribe": "tracker.subscriptions.unsubscribe",
}


class InvalidLink(Exception):
    """A link that was tampered with, has expired, or no longer applies."""


# Signed links. Manage and unsubscribe links never expire (every digest carries them); a confirm link expires
# after CONFIRM_MAX_AGE and no longer works once the address has unsubscribed after it was sent.


def _token(purpose: str, value: str) -> str:
    signer = signing.TimestampSigner if purpose == "confirm" else signing.Signer
    return signer(salt=_SALTS[purpose]).sign(value)


def confirm_token(subscriber: Subscriber, *, now=None) -> str:
    issued = int((now or timezone.now()).timestamp())
    return _token("confirm", f"{subscriber.pk}.{issued}")


def manage_token(subscriber: Subscriber) -> str:
    return _token("manage", str(subscriber.pk))


def unsubscribe_token(subscriber: Subscriber) -> str:
    return _token("unsubscribe", str(subscriber.pk))


def confirm_url(subscriber: Subscriber, *, now=None) -> str:
    return site_url(reverse("subscription-confirm", args=[confirm_token(subscriber, now=now)]))


def manage_url(subscriber: Subscriber) -> str:
    return site_url(reverse("subscription-manage", args=[manage_token(subscriber)]))


def unsubscribe_url(subscriber: Subscriber, *, token: str | None = None) -> str:
    return site_url(reverse("subscription-unsubscribe", args=[token or unsubscribe_token(subscriber)]))


def list_unsubscribe_headers(subscriber: Subscriber, *, token: str | None = None) -> dict[str, str]:
    """RFC 2369 and RFC 8058: a one-click https link (POST) and a mailto fallback."""
    token = token or unsubscribe_token(subscriber)
    mailto = f"mailto:{sender_address()}?subject={quote('unsubscribe ' + token)}"
    return {
        "List-Unsubscribe": f"<{unsubscribe_url(subscriber, token=token)}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def subscriber_for(*, token: str, purpose: str) -> Subscriber:
    """The subscriber a manage or unsubscribe link is for; InvalidLink if it was tampered with or is gone."""
    try:
        pk = int(signing.Signer(salt=_SALTS[purpose]).unsign(token))
    except (signing.BadSignature, ValueError):
        raise InvalidLink("This link is not valid.") from None
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None:
        raise InvalidLink("This address is no longer on our list.")
    return subscriber


def subscriber_to_confirm(*, token: str) -> Subscriber:
    try:
        pk, issued = signing.TimestampSigner(salt=_SALTS["confirm"]).unsign(token, max_age=CONFIRM_MAX_AGE).split(".")
        pk, issued = int(pk), int(issued)
    except signing.SignatureExpired:
        raise InvalidLink("This confirmation link has expired: subscribe again to get a new one.") from None
    except (signing.BadSignature, ValueError):
        raise InvalidLink("This link is not valid.") from None
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None:
        raise InvalidLink("This address is no longer on our list.")
    if subscriber.unsubscribed_at and subscriber.unsubscribed_at.timestamp() > issued:
        raise InvalidLink("You unsubscribed after this link was sent: subscribe again to get a new one.")
    return subscriber


# The workflow.


def _resolve(model, key: str, values, label: str) -> list:
    """Rows for codes, slugs or rows; ValidationError naming any that are unknown."""
    values = list(values or ())
    rows = [value for value in values if isinstance(value, model)]
    keys = {str(value) for value in values if not isinstance(value, model)}
    if keys:
        found = list(model.objects.filter(**{f"{key}__in": keys}))
        unknown = sorted(keys - {getattr(row, key) for row in found})
        if unknown:
            raise ValidationError({label: f"Unknown {label}: {', '.join(unknown)}."})
        rows += found
    return rows


def _normalise(email: str) -> str:
    email = BaseUserManager.normalize_email((email or "").strip())
    validate_email(email)
    return email


def _follows(challenges, jurisdictions, instruments) -> dict[str, list]:
    return {
        "challenges": _resolve(Challenge, "code", challenges, "challenges"),
        "jurisdictions": _resolve(
            Jurisdiction, "code", [j.upper() if isinstance(j, str) else j for j in jurisdictions or ()], "jurisdictions"
        ),
        "instruments": _resolve(Instrument, "slug", instruments, "instruments"),
    }


def _set_follows(subscriber: Subscriber, follows: dict[str, list]):
    subscriber.challenges.set(follows["challenges"])
    subscriber.jurisdictions.set(follows["jurisdictions"])
    subscriber.instruments.set(follows["instruments"])


def _row_for(email: str, now) -> Subscriber:
    """The address's row, locked; made if new (two requests at once for a new address make one row)."""
    subscriber = Subscriber.objects.select_for_update().with_email(email).first()
    if subscriber is not None:
        return subscriber
    try:
        with transaction.atomic():
            return Subscriber.objects.create(email=email, created_at=now)
    except IntegrityError:
        return Subscriber.objects.select_for_update().with_email(email).get()


def _may_email_today(subscriber: Subscriber, now) -> bool:
    """Counts one more email to the address today (a cache counter: no migration, and it only needs a day)."""
    key = f"subscriptions:emails:{subscriber.pk}:{now.date().isoformat()}"
    cache.add(key, 0, timeout=2 * 24 * 3600)
    return cache.incr(key) <= settings.SUBSCRIPTION_EMAILS_PER_DAY


def subscribe(*, email, challenges=(), jurisdictions=(), instruments=(), confirmed=False, now=None) -> Subscriber:
    """Ask for the weekly digest at `email`, following the given challenge codes, jurisdiction codes and instrument
    slugs (empty: all). Raises ValidationError for a malformed address or an unknown code, and nothing else
    depends on whether the address is known.

    A new or unconfirmed address gets these follows and a confirmation email with a link valid for a week. An
    address already subscribed keeps its follows (nobody changes another's preferences by knowing the address) and
    gets a reminder with its manage link. At most one such email goes to an address every RESEND_AFTER, and at most
    SUBSCRIPTION_EMAILS_PER_DAY a day.
    confirmed=True is for staff (manage.py subscribe --confirmed): follows are set and the address is subscribed at
    once, with no email.
    """
    now = now or timezone.now()
    email = _normalise(email)
    follows = _follows(challenges, jurisdictions, instruments)
    with transaction.atomic():
        subscriber = _row_for(email, now)
        if confirmed:
            _set_follows(subscriber, follows)
            if not subscriber.is_active:
                subscriber.confirmed_at, subscriber.unsubscribed_at = now, None
                subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
            return subscriber
        already = subscriber.is_active
        if not already:
            _set_follows(subscriber, follows)
        recent = subscriber.confirmation_sent_at and now - subscriber.confirmation_sent_at < RESEND_AFTER
        if recent or not _may_email_today(subscriber, now):
            return subscriber
    if already:
        message = make_message("already-subscribed", subscriber.email, {"manage_url": manage_url(subscriber)})
    else:
        message = make_message(
            "confirm",
            subscriber.email,
            {"confirm_url": confirm_url(subscriber, now=now), "days": CONFIRM_MAX_AGE.days},
        )
    message.send()
    Subscriber.objects.filter(pk=subscriber.pk).update(confirmation_sent_at=now)
    return subscriber


class CannotSendNow(Exception):
    """The queue that sends subscription emails cannot be reached."""


def request_subscription(*, email, challenges=(), jurisdictions=(), instruments=()) -> None:
    """subscribe() as a reader asks for it, through the API or the site's form. The address and the follows are
    checked here (ValidationError); everything that depends on whether the address is known (its row, which email,
    or none) happens in a task, so the answer takes the same work, and the same time, for every address."""
    from tracker.tasks import subscribe as subscribe_task  # tracker.tasks imports this module

    email = _normalise(email)
    follows = _follows(challenges, jurisdictions, instruments)
    try:
        subscribe_task.delay(
            email,
            [challenge.code for challenge in follows["challenges"]],
            [jurisdiction.code for jurisdiction in follows["jurisdictions"]],
            [instrument.slug for instrument in follows["instruments"]],
        )
    except BrokerError as error:
        raise CannotSendNow() from error


def confirm(*, token: str, now=None) -> Subscriber:
    """Confirm the address a confirmation link was sent to (again harmlessly); InvalidLink if it does not apply."""
    subscriber = subscriber_to_confirm(token=token)
    if not subscriber.is_active:
        subscriber.confirmed_at, subscriber.unsubscribed_at = now or timezone.now(), None
        subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscriber


def update_preferences(*, subscriber: Subscriber, challenges=(), jurisdictions=(), instruments=()) -> Subscriber:
    """Replace what the subscriber follows (codes, slugs or rows; empty: all)."""
    follows = _follows(challenges, jurisdictions, instruments)
    with transaction.atomic():
        _set_follows(subscriber, follows)
    return subscriber


def unsubscribe(*, subscriber: Subscriber, now=None) -> Subscriber:
    """Stop the digest at once; unsubscribing twice changes nothing."""
    if subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = now or timezone.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


def resubscribe(*, subscriber: Subscriber) -> Subscriber:
    """Undo an unsubscribe from the manage page: its signed link proves the address, so no new confirmation."""
    if subscriber.unsubscribed_at is not None and subscriber.confirmed_at is not None:
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber
