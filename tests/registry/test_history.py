"""Condition history says whether a change tightened (covers more models) or loosened a threshold."""

import pytest
from django.urls import reverse

from registry.history import LOOSENED, TIGHTENED, classify, condition_changes
from registry.models import ThresholdCondition
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (("training_compute_flop", "gt", 1e26), ("training_compute_flop", "gt", 1e25), "tightened"),
        (("training_compute_flop", "gt", 1e25), ("training_compute_flop", "gt", 1e26), "loosened"),
        (("training_compute_flop", "gt", 1e26), ("training_compute_flop", "gte", 1e26), "tightened"),
        (("training_compute_flop", "gte", 1e26), ("training_compute_flop", "gt", 1e26), "loosened"),
        (("capability_level", "lt", 0.05), ("capability_level", "lt", 0.1), "tightened"),
        (("training_compute_flop", "gt", 1e26), ("training_cost_usd", "gt", 1e8), "changed"),
        (("training_compute_flop", "gt", 1e26), None, "tightened"),
        (None, ("training_cost_usd", "gt", 1e8), "loosened"),
    ],
)
def test_classify(before, after, expected):
    assert classify(before, after) == expected


def test_lowering_a_compute_figure_is_recorded_as_tightened(admin_user):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    factories.backdate_history(threshold)
    condition = threshold.conditions.get()
    condition.value = 1e25
    condition._history_user = admin_user
    condition.save()
    [change] = condition_changes(threshold)
    assert change.direction == TIGHTENED
    assert (change.before, change.after) == (
        "more than 10^26 FLOP of training compute",
        "more than 10^25 FLOP of training compute",
    )
    assert change.user == str(admin_user)


def test_adding_a_condition_later_is_recorded_as_loosened():
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    factories.backdate_history(threshold)
    ThresholdCondition.objects.create(threshold=threshold, metric="training_cost_usd", operator="gt", value=1e8)
    [change] = condition_changes(threshold)
    assert change.direction == LOOSENED
    assert change.after == "more than $100 million of training compute cost"


def test_the_admin_history_page_shows_before_after_and_the_effect(admin_client):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    factories.backdate_history(threshold)
    condition = threshold.conditions.get()
    condition.value = 1e25
    condition.save()
    page = admin_client.get(reverse("admin:registry_capabilitythreshold_history", args=[threshold.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "more than 10^26 FLOP of training compute" in text
    assert "more than 10^25 FLOP of training compute" in text
    assert "tightened" in text
    assert "(covers more models)" in text


def test_a_new_threshold_has_no_condition_changes():
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    assert condition_changes(threshold) == []
