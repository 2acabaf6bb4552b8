"""The API on the embedded default (SQLite, tasks inline): what `make run` serves a newcomer, seeded and with the
sample documents loaded. Runs manage.py in a fresh directory, as a user's clone would."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
QUERIES = """
import json
from django.test import Client

client = Client(HTTP_HOST="localhost")
paths = {
    "compute": "/api/v1/thresholds/?metric=training_compute_flop&value__lte=1e25&in_force=true",
    "documents": "/api/v1/documents/",
    "search": "/api/v1/documents/?q=frontier",
    "alignment": "/api/v1/documents/?challenge=alignment",
    "evaluate": "/api/v1/evaluate/?training_compute_flop=2e26",
    "csv": "/api/v1/thresholds/?format=csv&jurisdiction=EU",
    "bad": "/api/v1/documents/?published_after=yesterday",
}
answers = {}
for name, path in paths.items():
    response = client.get(path)
    body = response.content.decode()
    answers[name] = {"status": response.status_code, "body": body if name == "csv" else json.loads(body)}
answers["found_texts"] = [
    client.get(f"/api/v1/documents/{d['id']}/").json()["text"] for d in answers["search"]["body"]["results"]
]
print(json.dumps(answers))
"""


def _manage(*args, var_dir):
    ours = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "SECRET_KEY", "DEBUG", "SECURE_SSL_REDIRECT"}
    env = {**{k: v for k, v in os.environ.items() if k not in ours}, "VAR_DIR": str(var_dir)}
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_api_answers_on_the_embedded_default(tmp_path):
    _manage("migrate", "--no-input", "-v", "0", var_dir=tmp_path)
    _manage("seed_registry", var_dir=tmp_path)
    _manage("load_samples", var_dir=tmp_path)
    answers = json.loads(_manage("shell", "--no-imports", "-c", QUERIES, var_dir=tmp_path).splitlines()[-1])

    assert (tmp_path / "db.sqlite3").exists()
    compute = answers["compute"]["body"]["results"]
    assert compute and all(t["in_force"] for t in compute)
    assert all(
        any(c["metric"] == "training_compute_flop" and c["value"] <= 1e25 for c in t["conditions"]) for t in compute
    )
    documents = answers["documents"]["body"]["results"]
    assert documents and all(len(d["tags"]) == 3 for d in documents)
    found = answers["search"]["body"]["results"]
    assert 0 < len(found) < len(documents)
    assert all("frontier" in (d["title"] + text).lower() for d, text in zip(found, answers["found_texts"], strict=True))
    assert all("alignment" in d["labels"] for d in answers["alignment"]["body"]["results"])
    assert any(r["result"] == "triggered" for r in answers["evaluate"]["body"]["results"])
    assert answers["csv"]["body"].splitlines()[0].startswith("id,slug,name")
    assert answers["bad"]["status"] == 400 and "published_after" in answers["bad"]["body"]
