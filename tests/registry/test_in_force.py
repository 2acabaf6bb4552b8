"""Whether an instrument is in force is derived from its status and dates, as of a day."""

import datetime

import pytest

from registry.models import CapabilityThreshold, Instrument
from tests import factories

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 26)


def test_an_adopted_act_with_a_future_effective_date_is_not_yet_in_force():
    act = factories.instrument(status="adopted", effective_on=datetime.date(2027, 1, 1))
    assert not act.is_in_force(DAY)
    assert act.is_in_force(datetime.date(2027, 1, 1))
    assert act not in Instrument.objects.in_force(DAY)
    assert act in Instrument.objects.in_force(datetime.date(2027, 1, 1))


def test_a_revoked_order_is_in_force_only_before_its_revocation():
    order = factories.instrument(
        kind="executive_order", status="revoked", effective_on=datetime.date(2023, 10, 30),
        ended_on=datetime.date(2025, 1, 20),
    )  # fmt: skip
    assert not order.is_in_force(DAY)
    assert not Instrument.objects.in_force(DAY).filter(pk=order.pk).exists()


def test_a_vetoed_bill_and_a_proposal_are_never_in_force():
    vetoed = factories.instrument(kind="bill", status="vetoed", effective_on=None, ended_on=datetime.date(2024, 9, 29))
    proposal = factories.instrument(kind="proposal", status="proposed", effective_on=None)
    assert not vetoed.is_in_force(DAY)
    assert not proposal.is_in_force(DAY)


def test_a_current_voluntary_framework_applies():
    framework = factories.instrument(kind="framework", status="voluntary", jurisdiction=None)
    assert framework.is_in_force(DAY)
    assert not framework.is_binding


def test_threshold_queryset_filters_by_instrument_in_force_and_jurisdiction():
    live = factories.threshold(("training_compute_flop", ">", 1e25))
    future = factories.threshold(
        ("training_compute_flop", ">", 1e26),
        instrument_=factories.instrument(
            status="adopted",
            effective_on=datetime.date(2027, 1, 1),
            jurisdiction=factories.jurisdiction("US-NY", "New York"),
        ),
    )
    assert list(CapabilityThreshold.objects.in_force(DAY)) == [live]
    assert list(CapabilityThreshold.objects.for_jurisdiction("US-NY")) == [future]


def test_changing_status_records_it_on_the_timeline():
    bill = factories.instrument(kind="bill", status="proposed", effective_on=None)
    bill.change_status("vetoed", on=datetime.date(2024, 9, 29), note="Vetoed by the governor")
    bill.refresh_from_db()
    assert bill.ended_on == datetime.date(2024, 9, 29)
    assert [(e.date, e.status) for e in bill.timeline.all()] == [(datetime.date(2024, 9, 29), "vetoed")]


def test_an_adopted_act_with_no_known_effective_date_is_not_assumed_in_force():
    treaty = factories.instrument(kind="declaration", status="adopted", effective_on=None)
    assert not treaty.is_in_force(DAY)
    assert not Instrument.objects.in_force(DAY).filter(pk=treaty.pk).exists()
