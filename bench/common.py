"""What the benchmarks share: Django set up on PostgreSQL, 100,000 synthetic documents loaded with COPY, the app
served by gunicorn on a free local port, and percentiles."""

import contextlib
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WORDS = [
    *("frontier", "model", "evaluation", "deception", "oversight", "safety", "case", "deepfake", "fraud", "export"),
    *("controls", "chips", "biological", "weapons", "uplift", "labour", "market", "displacement", "competition"),
    *("race", "agents", "institutions", "transparency", "audit", "incident", "report", "compute", "threshold"),
    *("developers", "regulator", "consultation", "guidance", "procurement"),
]
SEARCHES = ["deepfake fraud", "frontier model evaluation", "export controls", "labour market", "safety case -fraud"]


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def load(count: int):
    """Synthetic documents, versions and tags, written with COPY (the benchmark measures reading, not loading)."""
    from django.db import connection

    from registry.seeding import seed_registry
    from tracker.models import Document, Source

    seed_registry()
    source, _ = Source.objects.get_or_create(
        kind="rss", url="https://bench.example.org/feed.xml", defaults={"name": "bench source", "active": False}
    )
    have = Document.objects.filter(source=source).count()
    if have >= count:
        return
    rng = random.Random(7)
    # Ordinary words from a large vocabulary, with a few topic words each, so a search matches a realistic share.
    common = [f"w{n:x}" for n in range(4000)]
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY tracker_document (source_id, kind, url, canonical_url, title, summary, text, content_hash, "
            "published_at, first_seen_at, last_seen_at, needs_ocr, extra, process_status, process_attempts, "
            "process_error) FROM STDIN"
        ) as copy:
            for n in range(have, count):
                words = [rng.choice(common) for _ in range(157)] + [rng.choice(WORDS) for _ in range(3)]
                rng.shuffle(words)
                text = " ".join(words)
                title = " ".join([rng.choice(WORDS), *(rng.choice(common) for _ in range(6))]).capitalize()
                day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 09:00:00+00"
                url = f"https://bench.example.org/doc/{n}"
                copy.write_row(
                    (
                        source.pk,
                        "rss",
                        url,
                        url,
                        title,
                        "",
                        text,
                        f"{n:064x}",
                        day,
                        day,
                        day,
                        False,
                        "{}",
                        "done",
                        1,
                        "",
                    )
                )
        cursor.execute(
            "INSERT INTO tracker_documenttag (document_id, category_id, origin, labelled, score, evidence, "
            "tagger_version, note, created_at) "
            "SELECT d.id, c.code, 'machine', (d.id + length(c.code)) %% 3 = 0, "
            "((d.id * 7 + length(c.code)) %% 100) / 100.0, "
            '\'[{"start": 0, "end": 40, "text": "a passage that justifies the tag"}]\'::jsonb, \'bench\', \'\', now() '
            "FROM tracker_document d CROSS JOIN registry_challenge c WHERE d.source_id = %s "
            "AND NOT EXISTS (SELECT 1 FROM tracker_documenttag t WHERE t.document_id = d.id)",
            [source.pk],
        )
        cursor.execute("ANALYZE")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django():
    """Django on the PostgreSQL database in DATABASE_URL, migrated; throttling and HTTPS redirects off."""
    dsn = os.environ.get("DATABASE_URL", "")
    if not dsn.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database: see the module docstring")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ["API_ANON_RATE"] = "10000000/minute"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return dsn


@contextlib.contextmanager
def served(workers: int):
    """gunicorn serving the app on 127.0.0.1 for the duration of the block; yields its port."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(workers), "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1"},
    )  # fmt: skip
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def timed_get(port: int, path: str, headers: dict | None = None) -> float:
    """One GET on a fresh connection, in milliseconds; anything but a 200 stops the benchmark."""
    from http.client import HTTPConnection

    t = time.perf_counter()
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path}: HTTP {response.status}: {body[:200]!r}")
    return (time.perf_counter() - t) * 1000
