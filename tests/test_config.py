"""Settings come from the environment and fail loudly; the health check reports database and broker."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from config.env import env_database, env_rate

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DATABASE_URL": "postgresql://tracker:secret@db:5432/tracker",
    "CELERY_BROKER_URL": "redis://redis:6379/0",
    "SECRET_KEY": "a-long-random-production-secret-key-with-enough-entropy-0123456789",
    "ALLOWED_HOSTS": "tracker.example.org",
    "DEBUG": "0",
    "SECURE_HSTS_PRELOAD": "1",
}


def _manage(*args, env):
    ours = {*PRODUCTION, "VAR_DIR", "SECURE_SSL_REDIRECT", "REDIS_URL"}
    clean = {key: value for key, value in os.environ.items() if key not in ours}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    done = _manage("check", env={**PRODUCTION, "SECRET_KEY": ""})
    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in done.stderr


def test_it_refuses_a_malformed_boolean():
    done = _manage("check", env={**PRODUCTION, "DEBUG": "maybe"})
    assert done.returncode != 0
    assert "DEBUG must be a boolean" in done.stderr


def test_it_refuses_an_unsupported_database_url():
    done = _manage("check", env={**PRODUCTION, "DATABASE_URL": "mysql://db/tracker"})
    assert done.returncode != 0
    assert "DATABASE_URL must be a postgresql:// or sqlite:/// URL" in done.stderr


def test_it_refuses_a_request_rate_it_cannot_read(monkeypatch):
    done = _manage("check", env={**PRODUCTION, "API_ANON_RATE": "lots"})
    assert done.returncode != 0
    assert "API_ANON_RATE must be a count per period, like 120/minute" in done.stderr
    for rate in ("120/minute", "1000/days", "10/s", "5/hours"):
        monkeypatch.setenv("API_ANON_RATE", rate)
        assert env_rate("API_ANON_RATE", "1/s") == rate


def test_postgresql_connections_turn_jit_off_and_keep_the_url_options(monkeypatch):
    url = "postgresql://u@db:5432/tracker?options=-c%20statement_timeout%3D5000"
    monkeypatch.setenv("DATABASE_URL", url)
    assert env_database("DATABASE_URL", "")["OPTIONS"]["options"] == "-c statement_timeout=5000 -c jit=off"
    monkeypatch.setenv("DATABASE_JIT", "1")  # e.g. behind a pooler that refuses startup options
    assert (
        "options" not in env_database("DATABASE_URL", "").get("OPTIONS", {})
        or "jit" not in env_database("DATABASE_URL", "")["OPTIONS"]["options"]
    )


def test_the_documented_production_environment_passes_check_deploy():
    done = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert done.returncode == 0, done.stderr
    assert "no issues" in done.stdout


def test_the_embedded_default_needs_no_environment(tmp_path):
    done = _manage(
        "shell", "--no-imports", "-c",
        "from django.conf import settings as s; import json; print(json.dumps([s.DATABASES['default']['ENGINE'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG, s.ALLOWED_HOSTS, s.EMAIL_BACKEND]))",
        env={"VAR_DIR": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    engine, eager, debug, hosts, email = json.loads(done.stdout)
    assert engine == "django.db.backends.sqlite3"
    assert eager is True
    assert debug is True
    assert hosts == ["localhost", "127.0.0.1", "[::1]"]
    assert email.endswith("console.EmailBackend")


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["database"] == "ok"


@pytest.mark.django_db
def test_postgresql_connections_run_without_jit():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_it_refuses_the_example_secret_key_from_env_example():
    example = dict(
        line.split("=", 1)
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and line[0] != "#"
    )
    done = _manage("check", env={**PRODUCTION, "SECRET_KEY": example["SECRET_KEY"]})
    assert done.returncode != 0
    assert "SECRET_KEY is still the placeholder from .env.example" in done.stderr


@pytest.mark.django_db
def test_healthz_answers_plain_http_while_other_pages_redirect_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    page = client.get("/api/v1/jurisdictions/")
    assert page.status_code == 301
    assert page["Location"] == "https://testserver/api/v1/jurisdictions/"


def test_the_compose_file_starts_services_in_order_and_keeps_mail_local():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["worker"]["depends_on"]["web"]["condition"] == "service_healthy"  # web migrates first
    assert services["beat"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert all("healthcheck" in service for service in services.values())
    assert all(port.startswith("127.0.0.1:") for port in services["mail"]["ports"])
    assert "-c config/gunicorn.py" in services["web"]["command"]


def test_the_embedded_default_answers_an_unknown_address_with_the_sites_own_page(tmp_path):
    done = _manage(
        "shell", "--no-imports", "-c",
        "from django.test import Client; import json; client = Client(HTTP_HOST='127.0.0.1'); "
        "missing = client.get('/no-such-page/'); slash = client.get('/subscriptions'); "
        "print(json.dumps([missing.status_code, missing.content.decode(), slash.status_code, slash['Location']]))",
        env={"VAR_DIR": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    status, page, slash_status, slash_location = json.loads(done.stdout)
    assert status == 404
    assert "Page not found" in page and "/no-such-page/" in page
    assert "URL patterns" not in page and "api/schema/" not in page
    assert (slash_status, slash_location) == (301, "/subscriptions/")  # APPEND_SLASH still redirects


@pytest.mark.django_db
def test_an_unknown_address_gets_the_sites_own_page_in_production(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
