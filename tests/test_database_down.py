"""With PostgreSQL out of reach, a real server says so plainly: 503 with Retry-After, never a 500."""

import json
import urllib.error
import urllib.request

from tests.gunicorn import Gunicorn, free_port

CLOSED = f"postgresql://postgres@127.0.0.1:{free_port()}/tracker"  # nothing listens there


def _get(server, path):
    try:
        with urllib.request.urlopen(server.url(path), timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_without_its_database_the_server_answers_503_with_retry_after():
    env = {
        "DATABASE_URL": CLOSED,
        "SECRET_KEY": "database-down-test-secret-key-with-enough-characters-0123456789abcdef",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    with Gunicorn(env=env, workers=1, healthy=False) as server:
        status, _, body = _get(server, "/healthz")
        assert status == 503 and json.loads(body)["database"] != "ok"

        status, headers, body = _get(server, "/api/v1/thresholds/")
        assert (status, headers["Retry-After"]) == (503, "30")
        assert json.loads(body) == {"detail": "The database cannot be reached; try again shortly."}

        status, headers, body = _get(server, "/")
        assert (status, headers["Retry-After"]) == (503, "30")
        assert "cannot reach its database" in body
