"""Every admin page, opened by each kind of staff user with data loaded: no server error, and review state that
changes only for a reviewer.

The pages are found from the admin site's own registry, so a model registered later is covered without editing
this file. Forms are posted back as a browser would send them: the fields parsed from the rendered page."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse

from registry import reviewing
from registry.models import CapabilityThreshold
from registry.vocabulary import ReviewStatus
from tests import factories
from tests.forms import form_data
from tests.tracker import factories as tracker_factories
from tracker.models import Document, FetchRun, Source
from tracker.processing import process_now
from tracker.pulling import pull_source

pytestmark = pytest.mark.django_db

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Smoke</title><link>https://x.example.org/</link>'
    b"<item><guid>s-1</guid><title>Ministry asks labs to report training runs above 10^26 FLOP</title>"
    b"<link>https://x.example.org/s-1</link><description>Developers would notify the ministry before training a "
    b"model with more than 10^26 floating-point operations and test it for loss of control.</description></item>"
    b"</channel></rss>"
)


@pytest.fixture
def loaded(http_server, allow_private, django_user_model):
    """Thresholds in every review state, each with a history a revert could go back through (approved then sent
    back; in review then rejected), a fetched source with processed documents, one never fetched, a subscriber with
    a delivery."""
    chief = staff(django_user_model, "chief", ["review_capabilitythreshold"])
    approved_once = factories.threshold(("training_compute_flop", ">", 1e26), review_status=ReviewStatus.IN_REVIEW)
    reviewing.approve(threshold=approved_once, reviewer=chief)
    reviewing.send_back(threshold=approved_once, reviewer=chief, note="The figure needs checking.")
    rejected = factories.threshold(("training_cost_usd", ">", 1e8), review_status=ReviewStatus.IN_REVIEW)
    reviewing.reject(threshold=rejected, reviewer=chief, note="Not a threshold of this instrument.")
    factories.threshold(("training_compute_flop", ">=", 1e25))
    factories.threshold(("training_compute_flop", ">", 1e25), review_status=ReviewStatus.CANDIDATE, instrument_=None)
    http_server.route("/smoke.xml", headers={"Content-Type": "application/rss+xml"}, body=FEED)
    source = tracker_factories.source(url=http_server.url("/smoke.xml"))
    pull_source(source=source)
    process_now(document_ids=list(Document.objects.values_list("pk", flat=True)))
    tracker_factories.source(name="Never fetched")
    tracker_factories.subscriber("reader@example.org", challenges=["alignment"])
    call_command("send_digests")
    assert FetchRun.objects.exists() and Document.objects.exists()


def staff(django_user_model, name, codenames):
    user = django_user_model.objects.create_user(name, password=f"pw-{name}-1", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


def every_permission(*, but=()):
    return [code for code in Permission.objects.values_list("codename", flat=True) if code not in but]


@pytest.fixture(params=["superuser", "view_only", "editor", "reviewer"])
def user(request, django_user_model, loaded):
    if request.param == "superuser":
        return django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-1")
    if request.param == "view_only":
        return staff(django_user_model, "viewer", [c for c in every_permission() if c.startswith("view_")])
    if request.param == "editor":
        return staff(django_user_model, "editor", every_permission(but=["review_capabilitythreshold"]))
    return staff(
        django_user_model,
        "reviewer",
        ["review_capabilitythreshold", "view_capabilitythreshold", "change_capabilitythreshold"],
    )


def admin_urls(model):
    """The changelist, add, change, history and delete pages of one model, for its first few rows."""
    info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    urls = [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
    for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:4]:
        urls += [reverse(f"{info}_change", args=[pk]), reverse(f"{info}_history", args=[pk])]
        urls.append(reverse(f"{info}_delete", args=[pk]))
    return urls


def review_states():
    return dict(CapabilityThreshold.objects.values_list("pk", "review_status"))


def test_every_admin_page_opens_without_a_server_error(client, user):
    client.force_login(user)
    failures = []
    for model in admin.site._registry:
        for url in admin_urls(model):
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((url, response.status_code))
    assert failures == []


def test_every_change_form_saved_back_as_shown_keeps_review_state(client, user):
    client.force_login(user)
    before = review_states()
    failures = []
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:3]:
            url = reverse(f"{info}_change", args=[pk])
            page = client.get(url)
            if page.status_code != 200:
                continue
            response = client.post(url, form_data(page.content.decode()))
            if response.status_code >= 500:
                failures.append((url, response.status_code))
    assert failures == []
    if user.username != "reviewer" and not user.is_superuser:
        assert review_states() == before


def test_reverting_any_version_of_a_threshold_leaves_review_to_reviewers(client, user):
    """simple_history's revert page: posting an older version must not change review state."""
    client.force_login(user)
    before = review_states()
    for threshold in CapabilityThreshold.objects.all():
        for record in threshold.history.all():
            try:
                url = reverse(
                    "admin:registry_capabilitythreshold_simple_history", args=[threshold.pk, record.history_id]
                )
            except NoReverseMatch:
                pytest.skip("history revert pages are not served")
            page = client.get(url)
            assert page.status_code < 500, url
            if page.status_code == 200:
                response = client.post(url, form_data(page.content.decode()))
                assert response.status_code < 500, url
    assert review_states() == before


def test_every_action_runs_without_a_server_error(client, user):
    """Each admin action on the first rows; the review actions change nothing for a user without the permission."""
    client.force_login(user)
    before = review_states()
    failures = []
    for model, model_admin in admin.site._registry.items():
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        changelist = reverse(f"{info}_changelist")
        page = client.get(changelist)
        if page.status_code != 200:
            continue
        offered = page.context["action_form"].fields["action"].choices if page.context.get("action_form") else []
        selected = [str(pk) for pk in model._default_manager.order_by("pk").values_list("pk", flat=True)[:2]]
        for name, _label in offered:
            if not name or name == "delete_selected":
                continue
            response = client.post(changelist, {"action": name, "_selected_action": selected}, follow=True)
            if response.status_code >= 500:
                failures.append((changelist, name, response.status_code))
        for name in getattr(model_admin, "actions", None) or []:
            if name not in {choice for choice, _ in offered}:
                response = client.post(changelist, {"action": name, "_selected_action": selected}, follow=True)
                if response.status_code >= 500:
                    failures.append((changelist, name, response.status_code))
    assert failures == []
    if user.username != "reviewer" and not user.is_superuser:
        assert review_states() == before


def test_a_fetched_source_shows_its_runs(admin_client, loaded):
    source = Source.objects.filter(runs__isnull=False).first()
    page = admin_client.get(reverse("admin:tracker_source_change", args=[source.pk]))
    assert page.status_code == 200
