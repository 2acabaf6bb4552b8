"""The bundled registry data loads and says what the public record says, as of 2026-11-26."""

import datetime

import pytest

from registry.evaluation import ModelProfile, evaluate
from registry.models import AIModel, CapabilityThreshold, Instrument
from registry.seeding import seed_registry

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 26)


@pytest.fixture
def seeded():
    seed_registry()


def _conditions(slug):
    return {(c.metric, c.operator, c.value) for c in CapabilityThreshold.objects.get(slug=slug).conditions.all()}


def test_the_eu_ai_act_presumes_systemic_risk_above_ten_to_the_twenty_five_flop(seeded):
    threshold = CapabilityThreshold.objects.get(slug="eu-ai-act-gpai-systemic-risk-compute")
    assert _conditions(threshold.slug) == {("training_compute_flop", "gt", 1e25)}
    assert threshold.review_status == "approved"
    assert threshold.instrument.jurisdiction.code == "EU"
    assert threshold.instrument.is_in_force(DAY)


def test_sb_1047_keeps_both_conditions_and_is_vetoed(seeded):
    assert _conditions("ca-sb1047-covered-model") == {
        ("training_compute_flop", "gt", 1e26),
        ("training_cost_usd", "gt", 1e8),
    }
    bill = Instrument.objects.get(slug="ca-sb-1047")
    assert bill.status == "vetoed"
    assert not bill.is_in_force(DAY)


def test_statuses_are_as_of_today(seeded):
    eo = Instrument.objects.get(slug="us-eo-14110")
    assert (eo.status, eo.ended_on) == ("revoked", datetime.date(2025, 1, 20))
    assert not eo.is_in_force(DAY)
    sb53 = Instrument.objects.get(slug="ca-sb-53")
    assert sb53.effective_on == datetime.date(2026, 1, 1)
    assert sb53.is_in_force(DAY)
    raise_act = Instrument.objects.get(slug="ny-raise-act")
    assert (raise_act.status, raise_act.effective_on) == ("adopted", datetime.date(2027, 1, 1))
    assert not raise_act.is_in_force(DAY)


def test_lab_capability_levels_are_ranked_thresholds(seeded):
    [condition] = CapabilityThreshold.objects.get(slug="anthropic-rsp-cbrn-3").conditions.all()
    assert (condition.metric, condition.value, condition.level) == ("capability_level", 3, "CBRN-3")
    assert CapabilityThreshold.objects.get(slug="anthropic-rsp-cbrn-3").instrument.jurisdiction is None


def test_uncertain_entries_wait_in_review_and_verified_ones_are_approved(seeded):
    uncertain = CapabilityThreshold.objects.filter(confidence="uncertain")
    assert uncertain.exists()
    assert set(uncertain.values_list("review_status", flat=True)) == {"in_review"}
    assert set(CapabilityThreshold.objects.filter(confidence="verified").values_list("review_status", flat=True)) == {
        "approved"
    }


def test_every_instrument_has_a_timeline_a_summary_and_a_source(seeded):
    for instrument in Instrument.objects.prefetch_related("timeline"):
        assert instrument.summary and instrument.source_url.startswith("http"), instrument.slug
        events = list(instrument.timeline.all())
        assert events, instrument.slug
        assert events[-1].status == instrument.status, instrument.slug


def test_reference_models_come_with_compute_and_a_source(seeded):
    llama = AIModel.objects.get(name="Llama 3.1-405B")
    assert llama.training_compute_flop == 3.8e25
    assert llama.source_url == "https://epoch.ai/data/notable-ai-models"
    assert AIModel.objects.count() > 100


def test_a_llama_sized_model_triggers_the_eu_line_but_not_the_us_state_lines(seeded):
    results = {r.threshold.slug: r.result for r in evaluate(ModelProfile(training_compute_flop=3.8e25), on=DAY)}
    assert results["eu-ai-act-gpai-systemic-risk-compute"] == "triggered"
    assert results["ca-sb53-frontier-model"] == "not_triggered"
    assert results["ca-sb1047-covered-model"] == "not_triggered"


def test_seeding_the_bundled_data_twice_is_a_no_op(seeded):
    assert not seed_registry().changed


def test_a_pre_trained_frontier_model_is_not_read_as_a_fine_tune_or_a_distillation(seeded):
    assert _conditions("ca-sb1047-fine-tuned-covered-model") == {
        ("modification_compute_flop", "gte", 3e25),
        ("modification_cost_usd", "gt", 1e7),
    }
    assert _conditions("ny-raise-2025-distilled-model") == {("distillation_cost_usd", "gt", 5e6)}
    unsaid = {e.threshold.slug: e for e in evaluate(ModelProfile(training_compute_flop=2e26, training_cost_usd=3e8))}
    assert unsaid["ca-sb1047-covered-model"].result == "triggered"
    fine_tune = unsaid["ca-sb1047-fine-tuned-covered-model"]
    assert (fine_tune.result, fine_tune.missing) == (
        "undetermined",
        ["modification_compute_flop", "modification_cost_usd"],
    )
    assert unsaid["ny-raise-2025-distilled-model"].result == "undetermined"
    pretrained = ModelProfile(training_compute_flop=2e26, training_cost_usd=3e8, made_by="pretrained")
    results = {e.threshold.slug: e.result for e in evaluate(pretrained)}
    assert results["ca-sb1047-fine-tuned-covered-model"] == "not_triggered"
    assert results["ny-raise-2025-distilled-model"] == "not_triggered"


def test_a_fine_tune_is_judged_on_what_the_fine_tuning_took(seeded):
    fine_tune = ModelProfile(
        training_compute_flop=1.5e26, made_by="fine_tuned", modification_compute_flop=4e25, modification_cost_usd=2e7
    )
    results = {e.threshold.slug: e.result for e in evaluate(fine_tune)}
    assert results["ca-sb1047-fine-tuned-covered-model"] == "triggered"
    assert results["ny-raise-2025-distilled-model"] == "not_triggered"
