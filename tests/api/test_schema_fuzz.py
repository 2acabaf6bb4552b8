"""schemathesis against the OpenAPI schema, on PostgreSQL, exactly as `schemathesis run --checks all` runs it: every
check (no server error, documented status codes, content types, headers and bodies, invalid input refused and valid
input accepted, credentials honoured) in the examples, coverage, fuzzing and stateful phases, through schemathesis's
own engine. A bounded profile runs in the test suite; `make fuzz` runs longer (SCHEMATHESIS_MAX_EXAMPLES)."""

import os

import pytest
import schemathesis
from django.db import connection
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from api.throttling import AnonRateThrottle, SignUpThrottle

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "8"))
PHASES = ["examples", "coverage", "fuzzing", "stateful"]


@pytest.fixture
def _data(registry, documents, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "100000/minute"})
    monkeypatch.setattr(SignUpThrottle, "THROTTLE_RATES", {"subscriptions": "100000/hour"})
    yield
    # The engine's threads keep their connections (its WSGI client never closes a response, so Django's
    # request_finished never fires): end them, or the test database cannot be dropped after the run.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


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


# Committed rows: the engine calls the application from its own threads, each with its own connection. Serialized
# rollback, like the other tests that commit, so the next one finds the content types as it expects.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="runs on PostgreSQL, as the API does")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_keeps_its_contract(_data):
    from config.wsgi import application

    problems = _run(application)
    assert problems == [], "\n\n".join(problems)
