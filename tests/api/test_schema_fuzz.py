"""schemathesis against the OpenAPI schema, on PostgreSQL, exactly as `schemathesis run --checks all` runs it: every
check (no server error, documented status codes, content types, headers and bodies, invalid input refused and valid
input accepted, credentials honoured) in the examples, coverage, fuzzing and stateful phases, through schemathesis's
own engine. A bounded profile runs in the test suite; `make fuzz` runs longer (SCHEMATHESIS_MAX_EXAMPLES)."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import connections
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from api.throttling import AnonRateThrottle, SignUpThrottle

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
PHASES = ["examples", "coverage", "fuzzing", "stateful"]


@pytest.fixture
def _data(transactional_db, registry, documents, monkeypatch):
    """Committed rows: the engine calls the application from its own threads, each with its own connection."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute"})
    monkeypatch.setattr(SignUpThrottle, "THROTTLE_RATES", {"subscriptions": "100000/hour"})
    # Each request closes its thread's connection: none is left open on the test database when it is dropped.
    signals.request_finished.connect(_close_connections)
    yield
    signals.request_finished.disconnect(_close_connections)


def _close_connections(**kwargs):
    connections.close_all()


def _run(application) -> list:
    config = SchemathesisConfig()
    project = config.projects.override
    project.checks.update(included_check_names=["all"])
    project.phases.update(phases=PHASES)
    project.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
    project.update(workers=1)
    # Loaded once the test's rows exist: the schema lists the reference models and jurisdictions it accepts.
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config)
    problems = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.NonFatalError | events.FatalError):
            problems.append(f"error: {getattr(event, 'value', None) or event.exception!r}")
        elif isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            problems += [
                f"{event.recorder.label}: {check.failure_info.failure.title}: {check.failure_info.failure.message}\n"
                f"{check.failure_info.code_sample}"
                for checks in event.recorder.checks.values()
                for check in checks
                if check.failure_info is not None
            ]
        elif isinstance(event, events.EngineFinished) and event.stop_reason != "completed":
            problems.append(f"stopped: {event.stop_reason}")
    return problems


def test_the_api_keeps_its_contract(_data):
    from config.wsgi import application

    problems = _run(application)
    assert problems == [], "\n\n".join(problems)
