"""Fixtures for API tests: a small registry and tracker built in each test's database."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.test import APIClient

from registry.models import AIModel
from tests import factories
from tests.tracker import factories as tracker_factories
from tracker.ingesting import upsert_item
from tracker.processing import process_now


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache."""
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def staff_api(reviewer):
    """A reviewer who may also correct tags and see sources, as the admin asks of staff."""
    codenames = ["add_documenttag", "change_documenttag", "view_source"]
    reviewer.user_permissions.add(*Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))
    client = APIClient()
    client.force_authenticate(reviewer)
    return client


@pytest.fixture
def registry():
    eu = factories.instrument(slug="eu-act", short_name="EU Act")
    ca = factories.instrument(
        slug="ca-bill",
        short_name="CA Bill",
        kind="bill",
        status="vetoed",
        effective_on=None,
        ended_on=datetime.date(2024, 9, 29),
        jurisdiction=factories.jurisdiction("US-CA", "California"),
    )
    eu.challenges.set(["alignment", "human_misuse"])
    thresholds = {
        "eu": factories.threshold(("training_compute_flop", ">", 1e25), instrument_=eu, slug="eu-compute"),
        "ca": factories.threshold(
            ("training_compute_flop", ">", 1e26), ("training_cost_usd", ">", 1e8), instrument_=ca, slug="ca-covered"
        ),
        "revenue": factories.threshold(("developer_revenue_usd", ">", 5e8), instrument_=eu, slug="eu-revenue"),
        "candidate": factories.threshold(
            ("training_compute_flop", ">", 5e24), review_status="candidate", slug="found-5e24", instrument_=None
        ),
    }
    thresholds["eu"].challenges.set(["alignment"])
    eu.change_status("in_force", on=datetime.date(2024, 8, 1), note="Entered into force")
    AIModel.objects.create(
        name="Model A", developer="Lab A", released=datetime.date(2024, 7, 23), training_compute_flop=3.8e25
    )
    return thresholds


@pytest.fixture
def documents():
    source = tracker_factories.source(name="Agency feed")
    made = []
    for external_id, title, text in [
        ("eval", "Institute tests frontier model for deception", tracker_factories.LONG_TEXT),
        (
            "fraud",
            "Deepfake voice fraud hits banks",
            "Criminals used cloned voices of executives to authorise payments; banks must verify requests through a "
            "second channel and providers of voice models must watermark their output to fight fraud. " * 3,
        ),
    ]:
        made.append(upsert_item(source=source, item=tracker_factories.item(external_id, title=title, text=text))[0])
    process_now(document_ids=[d.pk for d in made])
    return made
