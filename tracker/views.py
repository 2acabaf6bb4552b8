"""The subscription pages: subscribe, confirm, manage preferences and unsubscribe, through signed links."""

import logging
import math
import smtplib

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from api.throttling import CounterUnavailable, SignUpThrottle
from tracker.digests import subscriptions
from tracker.forms import PreferencesForm, SubscribeForm

log = logging.getLogger(__name__)


def _invalid(request, error):
    return render(request, "tracker/invalid_link.html", {"message": str(error)}, status=400)


def _try_later(request, message: str, *, status: int, wait: float):
    response = render(request, "tracker/try_later.html", {"message": message}, status=status)
    response["Retry-After"] = str(math.ceil(wait))
    return response


def _sign_up_refused(request):
    """The API's sign-up throttle, same rate and same client identity: a page saying when to come back, or None."""
    throttle = SignUpThrottle()
    try:
        if throttle.allow_request(request, None):
            return None
    except CounterUnavailable as error:
        return _try_later(request, "We cannot take sign-ups just now.", status=503, wait=error.wait)
    wait = throttle.wait() or 60
    minutes = math.ceil(wait / 60)
    message = f"Too many sign-ups from your connection: please try again in {minutes} minute{'s' * (minutes != 1)}."
    return _try_later(request, message, status=429, wait=wait)


@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method == "POST" and (refusal := _sign_up_refused(request)):
        return refusal
    form = SubscribeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscriptions.request_subscription(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except (subscriptions.CannotSendNow, smtplib.SMTPException, OSError):  # inline on the embedded default
            log.exception("could not send a subscription email")
            form.add_error(None, "We could not send the email just now. Please try again in a few minutes.")
        else:
            return redirect("subscribe-check-inbox")
    return render(request, "tracker/subscribe.html", {"form": form})


def check_inbox(request):
    return render(request, "tracker/check_inbox.html")


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """A GET only shows a button (mail scanners open links); the POST confirms."""
    try:
        subscriber = subscriptions.subscriber_to_confirm(token=token)
        if request.method == "POST":
            subscriber = subscriptions.confirm(token=token)
            return render(
                request,
                "tracker/confirmed.html",
                {"subscriber": subscriber, "manage_url": subscriptions.manage_url(subscriber)},
            )
    except subscriptions.InvalidLink as error:
        return _invalid(request, error)
    return render(request, "tracker/confirm.html", {"subscriber": subscriber})


@require_http_methods(["GET", "POST"])
def manage(request, token):
    try:
        subscriber = subscriptions.subscriber_for(token=token, purpose="manage")
    except subscriptions.InvalidLink as error:
        return _invalid(request, error)
    saved = False
    if request.method == "POST" and request.POST.get("action") == "resubscribe":
        subscriptions.resubscribe(subscriber=subscriber)
        return redirect(request.path)
    form = PreferencesForm(
        request.POST or None,
        initial={
            "challenges": subscriber.challenges.all(),
            "jurisdictions": subscriber.jurisdictions.all(),
            "instruments": subscriber.instruments.all(),
        },
    )
    if request.method == "POST" and form.is_valid():
        subscriptions.update_preferences(subscriber=subscriber, **form.cleaned_data)
        saved = True
    context = {
        "subscriber": subscriber,
        "form": form,
        "saved": saved,
        "unsubscribe_url": subscriptions.unsubscribe_url(subscriber),
    }
    return render(request, "tracker/manage.html", context)


# RFC 8058 one-click unsubscribe: mail clients POST "List-Unsubscribe=One-Click" without a CSRF token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """A GET only shows a button (mail scanners open links); a POST unsubscribes at once."""
    try:
        subscriber = subscriptions.subscriber_for(token=token, purpose="unsubscribe")
    except subscriptions.InvalidLink as error:
        return _invalid(request, error)
    if request.method == "POST":
        subscriptions.unsubscribe(subscriber=subscriber)
        return render(
            request,
            "tracker/unsubscribed.html",
            {"subscriber": subscriber, "manage_url": subscriptions.manage_url(subscriber)},
        )
    return render(request, "tracker/unsubscribe.html", {"subscriber": subscriber})
