"""Reviewing thresholds in the admin: who may approve or reject, and what is recorded."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from registry import reviewing
from registry.models import CapabilityThreshold
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:registry_capabilitythreshold_changelist")


def _act(client, action, *thresholds, **extra):
    data = {"action": action, "_selected_action": [t.pk for t in thresholds], **extra}
    return client.post(CHANGELIST, data, follow=True)


def test_a_reviewer_approves_a_candidate_and_is_recorded(client, reviewer):
    candidate = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    client.force_login(reviewer)
    response = _act(client, "approve_selected", candidate)
    assert "1 threshold(s) approved." in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.review_status == "approved"
    assert candidate.reviewed_by == reviewer
    assert candidate.reviewed_at is not None


def test_rejecting_asks_for_a_note_and_records_it(client, reviewer):
    candidate = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    client.force_login(reviewer)
    form = _act(client, "reject_selected", candidate)
    assert "Why is it rejected?" in form.content.decode()
    candidate.refresh_from_db()
    assert candidate.review_status == "candidate"
    _act(client, "reject_selected", candidate, apply="1", note="The figure is a price, not compute.")
    candidate.refresh_from_db()
    assert candidate.review_status == "rejected"
    assert candidate.review_note == "The figure is a price, not compute."


def test_sending_back_to_review(client, reviewer):
    approved = factories.threshold(("training_compute_flop", ">", 1e26))
    client.force_login(reviewer)
    _act(client, "send_back_selected", approved)
    approved.refresh_from_db()
    assert approved.review_status == "in_review"


def test_staff_without_the_review_permission_cannot_approve(client, editor):
    candidate = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    client.force_login(editor)
    page = client.get(CHANGELIST).content.decode()
    assert "approve_selected" not in page
    _act(client, "approve_selected", candidate)
    candidate.refresh_from_db()
    assert candidate.review_status == "candidate"


def test_the_change_form_does_not_let_staff_set_the_review_status(client, editor):
    candidate = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    client.force_login(editor)
    page = client.get(reverse("admin:registry_capabilitythreshold_change", args=[candidate.pk])).content.decode()
    assert 'name="review_status"' not in page


def test_the_list_shows_readable_conditions_and_filters_by_metric(client, reviewer):
    factories.threshold(("training_compute_flop", ">", 1e25), name="Compute line")
    factories.threshold(("developer_revenue_usd", ">", 5e8), name="Revenue line")
    client.force_login(reviewer)
    page = client.get(CHANGELIST).content.decode()
    assert "more than 10^25 FLOP of training compute" in page
    assert "more than $500 million of developer annual revenue" in page
    filtered = client.get(CHANGELIST, {"metric": "developer_revenue_usd"}).content.decode()
    assert "Revenue line" in filtered
    assert "Compute line" not in filtered


def test_the_review_queue_filter(client, reviewer):
    factories.threshold(("training_compute_flop", ">", 1e25), name="Waiting one", review_status="candidate")
    factories.threshold(("training_compute_flop", ">", 1e26), name="Settled one")
    client.force_login(reviewer)
    page = client.get(CHANGELIST, {"review_status__exact": "candidate"}).content.decode()
    assert "Waiting one" in page
    assert "Settled one" not in page
    assert CapabilityThreshold.objects.awaiting_review().count() == 1


def test_an_instrument_page_shows_its_thresholds_and_timeline(admin_client):
    act = factories.instrument(short_name="Test AI Act")
    factories.threshold(("training_compute_flop", ">", 1e25), instrument_=act, name="Systemic-risk line")
    act.change_status("in_force", on=act.effective_on, note="Entered into force")
    page = admin_client.get(reverse("admin:registry_instrument_change", args=[act.pk])).content.decode()
    assert "Systemic-risk line" in page
    assert "more than 10^25 FLOP of training compute" in page
    assert "Entered into force" in page


def _revert(client, threshold, version):
    """Open an earlier version from the threshold's History page and press Save, as a person does."""
    history = client.get(reverse("admin:registry_capabilitythreshold_history", args=[threshold.pk]))
    assert history.status_code == 200
    url = reverse("admin:registry_capabilitythreshold_simple_history", args=[threshold.pk, version.history_id])
    page = client.get(url)
    assert page.status_code == 200
    data = {}
    for field in page.context["adminform"].form:
        value = field.value()
        if value is None:
            continue
        data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else str(value)
    return client.post(url, data, follow=True)


def test_reverting_to_an_approved_version_does_not_approve_again(client, reviewer, editor):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    reviewing.approve(threshold=threshold, reviewer=reviewer)
    approved_version = threshold.history.latest()
    reviewing.send_back(threshold=threshold, reviewer=reviewer, note="The figure needs a second source.")
    client.force_login(editor)
    response = _revert(client, threshold, approved_version)
    assert response.status_code == 200
    assert "was changed successfully" in response.content.decode()
    threshold.refresh_from_db()
    assert threshold.review_status == "in_review"
    assert threshold.review_note == "The figure needs a second source."
    latest = threshold.history.latest()
    assert (latest.history_user, latest.review_status) == (editor, "in_review")


def test_reverting_a_rejected_threshold_keeps_the_rejection_and_its_note(client, reviewer, editor):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    first_version = threshold.history.latest()
    reviewing.reject(threshold=threshold, reviewer=reviewer, note="A price, not a compute figure.")
    client.force_login(editor)
    _revert(client, threshold, first_version)
    threshold.refresh_from_db()
    assert threshold.review_status == "rejected"
    assert threshold.review_note == "A price, not a compute figure."
    assert threshold.reviewed_by == reviewer


def test_saving_a_changed_review_status_outside_the_review_keeps_the_decision(reviewer):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    reviewing.reject(threshold=threshold, reviewer=reviewer, note="Not a threshold at all.")
    threshold.review_status = "approved"
    threshold.review_note = ""
    threshold.save()
    threshold.refresh_from_db()
    assert (threshold.review_status, threshold.review_note) == ("rejected", "Not a threshold at all.")


def test_a_decision_records_the_reviewer_as_its_author_outside_a_request(reviewer):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    reviewing.approve(threshold=threshold, reviewer=reviewer)
    latest = threshold.history.latest()
    assert (latest.history_user, latest.review_status, latest.history_change_reason) == (
        reviewer,
        "approved",
        "approved",
    )


def test_an_approval_the_admin_refuses_reads_as_a_sentence(client, reviewer):
    candidate = factories.threshold(("training_compute_flop", ">", 5e24), instrument_=None, review_status="candidate")
    client.force_login(reviewer)
    changelist = reverse("admin:registry_capabilitythreshold_changelist")
    page = client.post(changelist, {"action": "approve_selected", "_selected_action": [candidate.pk]}, follow=True)
    text = page.content.decode()
    assert "Assign the instrument that defines this threshold before approving it." in text
    assert "[&#x27;" not in text and "['" not in text


def _post_back(client, url, **changes):
    data = form_data(client.get(url).content.decode())
    data.update({key: [value] for key, value in changes.items()})
    return client.post(url, data)


def test_an_edit_to_an_approved_threshold_by_an_editor_sends_it_back_to_review(client, editor):
    threshold = factories.threshold(("training_compute_flop", ">", 1e25))
    condition = threshold.conditions.get()
    editor.user_permissions.add(*Permission.objects.filter(codename__endswith="_thresholdcondition"))
    client.force_login(editor)
    url = reverse("admin:registry_capabilitythreshold_change", args=[threshold.pk])
    index = next(key.split("-")[1] for key, value in form_data(client.get(url).content.decode()).items()
                 if key.endswith("-id") and value == [str(condition.pk)])  # fmt: skip
    assert _post_back(client, url, **{f"conditions-{index}-value": "1e40"}).status_code == 302
    threshold.refresh_from_db()
    assert threshold.review_status == "in_review"
    assert client.logout() is None and Client().get(f"/api/v1/thresholds/{threshold.pk}/").status_code == 404


def test_a_reviewer_s_edit_keeps_the_approval(client, reviewer):
    threshold = factories.threshold(("training_compute_flop", ">", 1e25))
    client.force_login(reviewer)
    url = reverse("admin:registry_capabilitythreshold_change", args=[threshold.pk])
    assert _post_back(client, url, obligations="Notify the office within two weeks.").status_code == 302
    threshold.refresh_from_db()
    assert (threshold.review_status, threshold.obligations) == ("approved", "Notify the office within two weeks.")


def test_reverting_an_approved_threshold_to_other_content_sends_it_back_to_review(client, editor):
    threshold = factories.threshold(("training_compute_flop", ">", 1e25), obligations="First wording.")
    threshold.obligations = "Second wording."
    threshold.save()
    older = threshold.history.order_by("history_id").first()
    client.force_login(editor)
    url = reverse("admin:registry_capabilitythreshold_simple_history", args=[threshold.pk, older.history_id])
    assert _post_back(client, url).status_code == 302
    threshold.refresh_from_db()
    assert (threshold.obligations, threshold.review_status) == ("First wording.", "in_review")


def test_a_threshold_deleted_then_restored_from_its_history_waits_for_review(client, django_user_model):
    threshold = factories.threshold(("training_compute_flop", ">", 1e25))
    version = threshold.history.latest().history_id
    editor = django_user_model.objects.create_user("deleter", password="pw-deleter-1", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__endswith="capabilitythreshold").exclude(
        codename="review_capabilitythreshold"))  # fmt: skip
    client.force_login(editor)
    pk = threshold.pk
    client.post(reverse("admin:registry_capabilitythreshold_delete", args=[pk]), {"post": "yes"})
    assert not CapabilityThreshold.objects.filter(pk=pk).exists()
    url = reverse("admin:registry_capabilitythreshold_simple_history", args=[pk, version])
    _post_back(client, url)
    restored = CapabilityThreshold.objects.get(pk=pk)
    assert (restored.review_status, restored.reviewed_by) == ("in_review", None)


def test_a_version_that_is_not_a_number_is_a_404(client, editor):
    threshold = factories.threshold(("training_compute_flop", ">", 1e25))
    client.force_login(editor)
    assert client.get(f"/admin/registry/capabilitythreshold/{threshold.pk}/history/abc/").status_code == 404


def test_the_instrument_autocomplete_takes_a_nul_without_a_server_error(admin_client):
    factories.instrument(title="Frontier Act")
    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "registry", "model_name": "capabilitythreshold", "field_name": "instrument", "term": "\x00"},
    )
    assert response.status_code == 200


def test_reverting_with_other_challenges_sends_an_approved_threshold_back_to_review(client, editor):
    threshold = factories.threshold(("training_compute_flop", ">", 1e25))
    threshold.challenges.set(["human_misuse"])
    version = threshold.history.latest().history_id
    client.force_login(editor)
    url = reverse("admin:registry_capabilitythreshold_simple_history", args=[threshold.pk, version])
    assert _post_back(client, url, challenges="alignment").status_code == 302
    threshold.refresh_from_db()
    assert threshold.review_status == "in_review"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/registry/capabilitythreshold/abc/history/",
        "/admin/registry/instrument/abc/history/",
        "/admin/registry/instrument/abc/history/1/",
        "/admin/registry/instrument/1/history/abc/",
    ],
)
def test_history_pages_with_ids_that_are_not_numbers_are_404s(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_a_threshold_without_conditions_cannot_be_approved(reviewer):
    bare = factories.threshold(review_status="in_review")
    with pytest.raises(ValidationError, match="Give the threshold its conditions"):
        reviewing.approve(threshold=bare, reviewer=reviewer)
