"""The database refuses rows that break the registry's invariants."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from registry.models import AIModel, Instrument, StatusEvent, ThresholdCondition
from tests import factories

pytestmark = pytest.mark.django_db


def _refused(name, make):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        make()
    assert name in str(error.value)


def test_it_refuses_an_unknown_metric():
    threshold = factories.threshold()
    _refused(
        "condition_metric_known",
        lambda: ThresholdCondition.objects.create(threshold=threshold, metric="vibes", operator="gt", value=1),
    )


def test_it_refuses_a_negative_figure():
    threshold = factories.threshold()
    _refused(
        "condition_value_not_negative",
        lambda: ThresholdCondition.objects.create(
            threshold=threshold, metric="training_compute_flop", operator="gt", value=-1
        ),
    )


def test_it_refuses_a_capability_level_without_a_label():
    threshold = factories.threshold()
    _refused(
        "condition_capability_level_has_rank_and_label",
        lambda: ThresholdCondition.objects.create(
            threshold=threshold, metric="capability_level", operator="gte", value=3
        ),
    )


def test_it_refuses_two_conditions_on_the_same_metric_and_operator():
    threshold = factories.threshold(("training_compute_flop", ">", 1e26))
    _refused(
        "condition_unique_per_threshold",
        lambda: ThresholdCondition.objects.create(
            threshold=threshold, metric="training_compute_flop", operator="gt", value=1e25
        ),
    )


def test_it_refuses_an_approval_without_a_time():
    _refused(
        "threshold_decision_has_time",
        lambda: factories.threshold(review_status="approved", reviewed_at=None),
    )


def test_it_refuses_a_revoked_instrument_without_an_end_date():
    _refused("instrument_ended_has_date", lambda: factories.instrument(status="revoked"))


def test_it_refuses_an_end_date_on_an_instrument_in_force():
    _refused(
        "instrument_end_date_only_when_ended",
        lambda: factories.instrument(status="in_force", ended_on=datetime.date(2025, 1, 1)),
    )


def test_it_refuses_an_instrument_that_supersedes_itself():
    instrument = factories.instrument()
    instrument.supersedes_id = instrument.pk
    _refused("instrument_does_not_supersede_itself", instrument.save)


def test_it_refuses_an_unknown_instrument_status():
    _refused("instrument_status_known", lambda: factories.instrument(status="pending"))


def test_it_refuses_two_identical_timeline_events():
    instrument = factories.instrument()
    StatusEvent.objects.create(instrument=instrument, date=datetime.date(2024, 8, 1), status="in_force")
    _refused(
        "status_event_unique_per_day",
        lambda: StatusEvent.objects.create(instrument=instrument, date=datetime.date(2024, 8, 1), status="in_force"),
    )


def test_it_refuses_a_model_with_zero_compute():
    _refused("model_compute_positive", lambda: AIModel.objects.create(name="Nothing", training_compute_flop=0))


def test_instrument_slugs_are_unique():
    factories.instrument(slug="eu-ai-act")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.instrument(slug="eu-ai-act")
    assert Instrument.objects.filter(slug="eu-ai-act").count() == 1
