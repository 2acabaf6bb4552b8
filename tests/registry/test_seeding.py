"""Seeding loads the registry idempotently; a changed figure updates its row and leaves history."""

import datetime
import io
import textwrap

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registry.history import TIGHTENED, condition_changes
from registry.models import AIModel, CapabilityThreshold, Instrument
from registry.seeding import seed_registry
from tests import factories
from tests.forms import form_data

pytestmark = pytest.mark.django_db

REGISTRY = textwrap.dedent(
    """
    version: 1
    reviewed_on: 2026-11-26
    jurisdictions:
      - {code: US-CA, name: California}
    instruments:
      - slug: test-bill
        kind: bill
        title: A test frontier bill
        short_name: Test Bill
        issuer: A test legislature
        jurisdiction: US-CA
        status: vetoed
        introduced_on: 2024-02-07
        adopted_on: null
        effective_on: null
        ended_on: 2024-09-29
        source_url: https://example.org/bill
        summary: A bill written for this test.
        challenges: [alignment, human_misuse]
        supersedes: null
        confidence: verified
        timeline:
          - {date: 2024-02-07, status: proposed, note: Introduced}
          - {date: 2024-09-29, status: vetoed, note: Vetoed}
        thresholds:
          - slug: test-bill-covered-model
            name: Covered model
            domain: general
            locator: Sec. 3
            source_url: https://example.org/bill#3
            obligations: Publish a safety plan.
            challenges: [alignment]
            confidence: verified
            notes: ''
            conditions:
              - {metric: training_compute_flop, operator: '>', value: 1.0e+26, unit: FLOP}
              - {metric: training_cost_usd, operator: '>', value: 100000000, unit: USD}
          - slug: test-bill-unsure
            name: A figure nobody has checked
            domain: general
            confidence: uncertain
            conditions:
              - {metric: developer_revenue_usd, operator: '>', value: 5.0e+8, unit: USD}
    """
)
MODELS = "name,developer,released,parameters,training_compute_flop,confidence,country,source_url\n" + (
    "Test Model,Test Lab,2024-07-23,405000000000,3.8e+25,Confident,United States,https://example.org/m\n"
)


@pytest.fixture
def seed_dir(tmp_path):
    (tmp_path / "registry.yaml").write_text(REGISTRY)
    (tmp_path / "models.csv").write_text(MODELS)
    return tmp_path


def test_seeding_loads_instruments_thresholds_conditions_and_models(seed_dir):
    seed_registry(seed_dir=seed_dir)
    bill = Instrument.objects.get(slug="test-bill")
    assert bill.status == "vetoed"
    assert not bill.in_force_today
    assert [e.status for e in bill.timeline.all()] == ["proposed", "vetoed"]
    covered = CapabilityThreshold.objects.get(slug="test-bill-covered-model")
    assert (
        covered.conditions_display()
        == "more than 10^26 FLOP of training compute AND more than $100 million of training compute cost"
    )
    assert sorted(covered.challenges.values_list("code", flat=True)) == ["alignment"]
    assert AIModel.objects.get(name="Test Model").confidence == "confident"


def test_verified_thresholds_arrive_approved_by_the_seed_data_and_uncertain_ones_wait(seed_dir):
    seed_registry(seed_dir=seed_dir)
    covered = CapabilityThreshold.objects.get(slug="test-bill-covered-model")
    assert covered.review_status == "approved"
    assert covered.reviewed_at.date() == datetime.date(2026, 11, 26)
    assert "seed data" in covered.review_note
    assert CapabilityThreshold.objects.get(slug="test-bill-unsure").review_status == "in_review"


def test_seeding_twice_changes_nothing(seed_dir):
    seed_registry(seed_dir=seed_dir)
    history_rows = CapabilityThreshold.history.count() + Instrument.history.count()
    report = seed_registry(seed_dir=seed_dir)
    assert not report.changed
    assert CapabilityThreshold.history.count() + Instrument.history.count() == history_rows
    out = io.StringIO()
    call_command("seed_registry", "--seed-dir", str(seed_dir), stdout=out)
    assert "already up to date" in out.getvalue()


def test_a_changed_figure_updates_the_row_and_leaves_history(seed_dir):
    seed_registry(seed_dir=seed_dir)
    covered = CapabilityThreshold.objects.get(slug="test-bill-covered-model")
    factories.backdate_history(covered)
    (seed_dir / "registry.yaml").write_text(REGISTRY.replace("value: 1.0e+26", "value: 1.0e+25"))
    report = seed_registry(seed_dir=seed_dir)
    assert report["conditions updated"] == 1
    assert covered.conditions.get(metric="training_compute_flop").value == 1e25
    [change] = condition_changes(covered)
    assert (change.before, change.after, change.direction) == (
        "more than 10^26 FLOP of training compute",
        "more than 10^25 FLOP of training compute",
        TIGHTENED,
    )
    assert change.reason == "seed data"


def test_seeding_keeps_a_persons_review_decision(seed_dir, reviewer):
    from registry import reviewing

    seed_registry(seed_dir=seed_dir)
    unsure = CapabilityThreshold.objects.get(slug="test-bill-unsure")
    reviewing.reject(threshold=unsure, reviewer=reviewer, note="Not in the enacted text.")
    seed_registry(seed_dir=seed_dir)
    unsure.refresh_from_db()
    assert unsure.review_status == "rejected"


def test_seeding_keeps_a_threshold_a_person_edited_in_the_admin(seed_dir, admin_client, admin_user):
    seed_registry(seed_dir=seed_dir)
    covered = CapabilityThreshold.objects.get(slug="test-bill-covered-model")
    url = f"/admin/registry/capabilitythreshold/{covered.pk}/change/"
    data = form_data(admin_client.get(url).content.decode())
    [index] = [
        name.split("-")[1]
        for name, value in data.items()
        if name.endswith("-metric") and value == ["training_cost_usd"]
    ]
    data[f"conditions-{index}-value"] = ["50000000"]
    assert admin_client.post(url, data).status_code == 302

    out = io.StringIO()
    call_command("seed_registry", "--seed-dir", str(seed_dir), stdout=out)

    assert out.getvalue().strip() == (
        "Registry already up to date: conditions: 1 unchanged; instruments: 1 unchanged; jurisdictions: 1 unchanged;"
        " models: 1 unchanged; thresholds: 1 unchanged; timeline: 2 unchanged; kept 1 threshold edited by a person"
    )
    assert covered.conditions_display() == (
        "more than 10^26 FLOP of training compute AND more than $50 million of training compute cost"
    )
    [change] = condition_changes(covered)
    assert (change.user, change.direction) == (str(admin_user), TIGHTENED)


def test_seeding_still_updates_a_threshold_whose_only_change_was_a_review_decision(seed_dir, reviewer):
    from registry import reviewing

    seed_registry(seed_dir=seed_dir)
    unsure = CapabilityThreshold.objects.get(slug="test-bill-unsure")
    reviewing.reject(threshold=unsure, reviewer=reviewer, note="Not in the enacted text.")
    (seed_dir / "registry.yaml").write_text(REGISTRY.replace("value: 5.0e+8", "value: 6.0e+8"))

    report = seed_registry(seed_dir=seed_dir)

    assert report["conditions updated"] == 1
    assert "kept" not in report.summary()
    assert unsure.conditions.get().value == 6e8


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (("metric: training_cost_usd", "metric: training_vibes"), "metric 'training_vibes' is not one of"),
        (("status: vetoed\n", "status: pending\n"), "status 'pending' is not one of"),
        (("operator: '>', value: 100000000", "operator: '~', value: 100000000"), "operator '~'"),
        (("2024-02-07, status: proposed", "someday, status: proposed"), "is not a YYYY-MM-DD date"),
    ],
)
def test_bad_seed_data_names_the_entry_and_changes_nothing(seed_dir, broken, message):
    (seed_dir / "registry.yaml").write_text(REGISTRY.replace(*broken))
    with pytest.raises(CommandError, match=message):
        call_command("seed_registry", "--seed-dir", str(seed_dir))
    assert not Instrument.objects.exists()


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (("status: vetoed\n", "status: proposed\n"), "is not its timeline's last step"),
        (("ended_on: 2024-09-29", "ended_on: 2024-09-30"), "is not the date its timeline ends"),
    ],
)
def test_a_status_its_timeline_contradicts_is_refused(seed_dir, broken, message):
    (seed_dir / "registry.yaml").write_text(REGISTRY.replace(*broken))
    with pytest.raises(CommandError, match=message):
        call_command("seed_registry", "--seed-dir", str(seed_dir))
    assert not Instrument.objects.exists()
