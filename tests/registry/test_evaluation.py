"""The evaluator's truth table: triggered, not triggered, undetermined with what is missing."""

import datetime

import pytest

from registry.evaluation import ModelProfile, evaluate
from tests import factories

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 26)


def _result(threshold, profile):
    return threshold.evaluation_for(profile)


def test_a_model_above_a_compute_threshold_triggers_it():
    eu = factories.threshold(("training_compute_flop", ">", 1e25))
    result = _result(eu, ModelProfile(training_compute_flop=3.8e25))
    assert result.result == "triggered"
    assert result.missing == []
    assert result.margin_oom == pytest.approx(0.58, abs=0.01)


def test_a_model_exactly_at_a_strict_threshold_does_not_trigger_it():
    eu = factories.threshold(("training_compute_flop", ">", 1e25))
    assert _result(eu, ModelProfile(training_compute_flop=1e25)).result == "not_triggered"
    inclusive = factories.threshold(("training_compute_flop", ">=", 1e25))
    assert _result(inclusive, ModelProfile(training_compute_flop=1e25)).result == "triggered"


def test_a_model_below_reports_a_negative_margin():
    us = factories.threshold(("training_compute_flop", ">", 1e26))
    result = _result(us, ModelProfile(training_compute_flop=1e25))
    assert result.result == "not_triggered"
    assert result.margin_oom == pytest.approx(-1.0)


def test_unknown_compute_is_undetermined_and_names_what_is_missing():
    eu = factories.threshold(("training_compute_flop", ">", 1e25))
    result = _result(eu, ModelProfile(parameters=1e12))
    assert result.result == "undetermined"
    assert result.missing == ["training_compute_flop"]
    assert result.margin_oom is None


def test_a_conjunction_needs_every_condition():
    sb1047 = factories.threshold(("training_compute_flop", ">", 1e26), ("training_cost_usd", ">", 1e8))
    both = ModelProfile(training_compute_flop=2e26, training_cost_usd=3e8)
    assert _result(sb1047, both).result == "triggered"
    cheap = ModelProfile(training_compute_flop=2e26, training_cost_usd=5e7)
    assert _result(sb1047, cheap).result == "not_triggered"


def test_a_conjunction_with_one_known_failing_condition_is_not_triggered_not_undetermined():
    sb1047 = factories.threshold(("training_compute_flop", ">", 1e26), ("training_cost_usd", ">", 1e8))
    result = _result(sb1047, ModelProfile(training_compute_flop=1e25))
    assert result.result == "not_triggered"
    assert result.missing == ["training_cost_usd"]


def test_a_conjunction_with_one_met_and_one_unknown_condition_is_undetermined():
    sb1047 = factories.threshold(("training_compute_flop", ">", 1e26), ("training_cost_usd", ">", 1e8))
    result = _result(sb1047, ModelProfile(training_compute_flop=2e26))
    assert result.result == "undetermined"
    assert result.missing == ["training_cost_usd"]


def test_the_biological_sequence_flag_is_a_condition_of_its_own():
    bio = factories.threshold(("training_compute_flop", ">", 1e23), ("bio_sequence_data", "=", 1))
    assert _result(bio, ModelProfile(training_compute_flop=5e23, bio_sequence_data=True)).result == "triggered"
    assert _result(bio, ModelProfile(training_compute_flop=5e23, bio_sequence_data=False)).result == "not_triggered"
    assert _result(bio, ModelProfile(training_compute_flop=5e23)).missing == ["bio_sequence_data"]


def test_reaching_a_capability_level_implies_the_lower_levels_of_the_same_framework():
    framework = factories.instrument(kind="framework", status="voluntary", jurisdiction=None)
    level3 = factories.threshold(("capability_level", ">=", 3, "CBRN-3"), instrument_=framework, domain="cbrn")
    level4 = factories.threshold(("capability_level", ">=", 4, "CBRN-4"), instrument_=framework, domain="cbrn")
    found4 = {r.threshold: r.result for r in evaluate(ModelProfile(capability_findings={level4.slug: True}), on=DAY)}
    assert found4 == {level3: "triggered", level4: "triggered"}
    ruled_out3 = evaluate(ModelProfile(capability_findings={level3.slug: False}), on=DAY)
    assert {r.threshold: r.result for r in ruled_out3} == {level3: "not_triggered", level4: "not_triggered"}
    nothing = evaluate(ModelProfile(), on=DAY)
    assert {r.result for r in nothing} == {"undetermined"}
    assert nothing[0].missing == ["capability_level"]


def test_a_domain_ruled_out_rules_out_its_capability_levels():
    framework = factories.instrument(kind="framework", status="voluntary", jurisdiction=None)
    cyber = factories.threshold(("capability_level", ">=", 1, "High"), instrument_=framework, domain="cyber")
    assert _result(cyber, ModelProfile(capability_findings={"cyber": False})).result == "not_triggered"


def test_evaluate_covers_approved_thresholds_only_and_reports_whether_each_is_in_force():
    approved = factories.threshold(("training_compute_flop", ">", 1e25))
    factories.threshold(("training_compute_flop", ">", 1e20), review_status="candidate")
    factories.threshold(("training_compute_flop", ">", 1e20), review_status="rejected")
    revoked = factories.threshold(
        ("training_compute_flop", ">", 1e26),
        instrument_=factories.instrument(kind="executive_order", status="revoked", ended_on=datetime.date(2025, 1, 20)),
    )
    results = {r.threshold: r for r in evaluate(ModelProfile(training_compute_flop=3e26), on=DAY)}
    assert set(results) == {approved, revoked}
    assert results[approved].in_force is True
    assert results[revoked].result == "triggered"
    assert results[revoked].in_force is False
    assert results[revoked].as_dict()["instrument_status"] == "revoked"


def test_harm_severity_definitions_are_not_judged_as_model_thresholds():
    factories.threshold(("fatalities", ">", 50))
    assert evaluate(ModelProfile(training_compute_flop=1e27), on=DAY) == []


def test_a_negative_figure_is_refused():
    with pytest.raises(ValueError, match="training_compute_flop"):
        ModelProfile(training_compute_flop=-1)


def test_evaluate_runs_a_constant_number_of_queries(django_assert_max_num_queries):
    for exponent in range(20, 30):
        factories.threshold(("training_compute_flop", ">", 10.0**exponent), ("training_cost_usd", ">", 1e6))
    with django_assert_max_num_queries(3):
        results = evaluate(ModelProfile(training_compute_flop=1e25), on=DAY)
        [r.as_dict() for r in results]
    assert len(results) == 10
