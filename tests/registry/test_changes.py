"""registry.changes: the public log of what changed, newest first."""

import datetime

import pytest
from django.utils import timezone

from registry import reviewing
from registry.changes import changes
from registry.models import ThresholdCondition
from tests import factories

pytestmark = pytest.mark.django_db


def _lower(threshold, value):
    """Edit the threshold's only condition later than its creation, as a reviewer would."""
    factories.backdate_history(threshold)
    condition = threshold.conditions.get()
    condition.value = value
    condition.save()


def test_a_threshold_approved_by_a_reviewer_is_new_from_its_approval(reviewer):
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate", name="Big run")
    assert changes(user=None) == []
    reviewing.approve(threshold=threshold, reviewer=reviewer)
    [change] = changes(user=None)
    assert (change.kind, change.object, change.url) == ("new", threshold, threshold.get_absolute_url())
    assert change.description == "more than 10^26 FLOP of training compute"


def test_the_seed_datas_own_approvals_are_not_news():
    factories.threshold(("training_compute_flop", ">", 1e26), origin="seed")
    assert changes(user=None) == []


def test_lowering_an_approved_figure_is_one_tightened_entry():
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), origin="seed")
    _lower(threshold, 1e25)
    [change] = changes(user=None)
    assert change.kind == "tightened"
    assert change.description == "more than 10^26 FLOP of training compute → more than 10^25 FLOP of training compute"


def test_a_candidates_edits_are_never_public():
    threshold = factories.threshold(("training_compute_flop", ">", 1e26), review_status="candidate")
    _lower(threshold, 1e25)
    assert changes(user=None) == []


def test_a_status_step_says_what_came_before_it():
    law = factories.instrument(status="proposed", effective_on=None)
    law.change_status("proposed", on=datetime.date(2025, 3, 1))
    law.change_status("adopted", on=datetime.date(2025, 9, 29), note="Signed by the governor")
    newest, oldest = changes(user=None)
    assert (newest.kind, newest.description) == ("status", "Adopted (was proposed): Signed by the governor")
    assert newest.date == datetime.date(2025, 9, 29)
    assert oldest.description == "Introduced"


def test_a_step_dated_ahead_is_not_news_yet():
    law = factories.instrument(status="proposed", effective_on=None)
    law.change_status("proposed", on=timezone.localdate() + datetime.timedelta(days=3))
    assert changes(user=None) == []


def test_since_and_until_bound_the_log():
    law = factories.instrument(status="proposed", effective_on=None)
    law.change_status("proposed", on=datetime.date(2025, 3, 1))
    law.change_status("adopted", on=datetime.date(2025, 9, 29))
    [change] = changes(user=None, since=datetime.date(2025, 1, 1), until=datetime.date(2025, 6, 1))
    assert change.description == "Introduced"


def test_the_jurisdiction_filter_keeps_changes_about_that_jurisdiction():
    california = factories.jurisdiction("US-CA", "California")
    factories.instrument(jurisdiction=california).change_status("adopted", on=datetime.date(2025, 9, 29))
    factories.instrument().change_status("adopted", on=datetime.date(2025, 9, 30))
    assert [change.jurisdiction for change in changes(user=None, jurisdiction="US-CA")] == ["US-CA"]


def test_a_threshold_with_no_challenge_counts_under_its_instruments():
    misuse = factories.challenge("human_misuse")
    law = factories.instrument()
    law.challenges.add(misuse)
    factories.threshold(("training_compute_flop", ">", 1e26), instrument_=law, name="Tagged through its act")
    factories.threshold(("training_compute_flop", ">", 1e25), name="Untagged")
    assert [change.object.name for change in changes(user=None, challenge="human_misuse")] == ["Tagged through its act"]


def test_every_change_has_its_own_key():
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    _lower(threshold, 1e25)
    ThresholdCondition.objects.create(threshold=threshold, metric="training_cost_usd", operator="gt", value=1e8)
    found = changes(user=None)
    assert [change.kind for change in found] == ["loosened", "tightened", "new"]
    assert len({change.key for change in found}) == 3
