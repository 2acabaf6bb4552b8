"""API benchmark: loads synthetic documents and tags into PostgreSQL (DATABASE_URL), serves the API with gunicorn,
drives concurrent requests from a separate process on 127.0.0.1, and prints `name: value` lines.

Latencies (`*_p50_ms`, `*_p99_ms`) are measured with `--concurrency` clients at once (one per core by default),
after a warm-up. `ratio_vs_raw_sql` is the documents list's median latency over the median time to read the same
page with psycopg and write it with the json module, both timed alternately from one client, so that they see
the machine in the same state (`documents_page_alone_ms` and `raw_sql_page_ms`).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tracker_apibench python bench/api.py --documents 100000
"""

import argparse
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from queue import Empty

ROOT = Path(__file__).resolve().parent.parent
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


def drive(port: int, dsn: str, requests_per_endpoint: int, concurrency: int, queue):
    """Runs in its own process: concurrent requests per endpoint, latencies in ms; then the documents list and
    the same page read with psycopg, one after the other, for the ratio. The client is the standard library's
    http.client (a connection a request, as gunicorn's sync workers close them): on two cores the load generator
    competes with the server for CPU, and httpx spent two to three times as much of it a request."""
    from http.client import HTTPConnection
    from urllib.parse import quote

    endpoints = {
        "thresholds_list": lambda i: "/api/v1/thresholds/?metric=training_compute_flop&value__lte=1e26",
        "documents_list": lambda i: "/api/v1/documents/",
        "documents_challenge": lambda i: "/api/v1/documents/?challenge=human_misuse&min_score=0.5",
        "documents_search": lambda i: f"/api/v1/documents/?q={quote(SEARCHES[i % len(SEARCHES)])}",
        "evaluate": lambda i: f"/api/v1/evaluate/?training_compute_flop={1 + i % 9}e25&training_cost_usd=2e8",
    }
    results, elapsed, total = {}, 0.0, 0
    for name, path in endpoints.items():

        def one(i, path=path):
            t = time.perf_counter()
            connection = HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                connection.request("GET", path(i), headers={"Accept": "application/json"})
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
            if response.status != 200:
                raise RuntimeError(f"{path(i)}: HTTP {response.status}: {body[:200]!r}")
            return (time.perf_counter() - t) * 1000

        if name == "documents_list":
            one_documents_page = one
        with ThreadPoolExecutor(concurrency) as pool:
            # Warm-up, not measured: every gunicorn worker's first requests to an endpoint open its database
            # connection and import what the view needs.
            list(pool.map(one, range(concurrency * 10)))
            started = time.perf_counter()
            results[name] = list(pool.map(one, range(requests_per_endpoint)))
            elapsed += time.perf_counter() - started
        total += requests_per_endpoint
    rps = total / elapsed

    # The ratio: the plain documents list and the same page read with psycopg, alternately and one at a time, so
    # that both are timed on the machine as it is at that moment and neither waits behind other requests.
    read_raw = raw_page_reader(dsn)
    api, raw = [], []
    for i in range(requests_per_endpoint + 20):
        api_ms, raw_ms = one_documents_page(i), read_raw()
        if i >= 20:  # warm-up
            api.append(api_ms)
            raw.append(raw_ms)
    queue.put((results, rps, statistics.median(api), statistics.median(raw)))


def raw_page_reader(dsn: str):
    """The documents list's first page fetched with psycopg and serialised with json, as a floor to compare to:
    returns a function that reads it once and answers the time it took, in ms."""
    import psycopg

    conn = psycopg.connect(dsn, autocommit=True)

    def read() -> float:
        t = time.perf_counter()
        rows = conn.execute(
            "SELECT d.id, d.title, d.url, d.kind, s.id, s.name, s.kind, s.publisher, j.code, d.published_at, "
            "d.summary FROM tracker_document d JOIN tracker_source s ON s.id = d.source_id "
            "LEFT JOIN registry_jurisdiction j ON j.id = d.jurisdiction_id "
            "ORDER BY d.published_at DESC, d.id DESC LIMIT 50"
        ).fetchall()
        tags = conn.execute(
            "SELECT document_id, category_id, labelled, score, origin, evidence, tagger_version, note "
            "FROM tracker_documenttag WHERE document_id = ANY(%s)",
            [[row[0] for row in rows]],
        ).fetchall()
        json.dumps({"rows": rows, "tags": tags}, default=str)
        return (time.perf_counter() - t) * 1000

    return read


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="Requests per endpoint.")
    parser.add_argument("--concurrency", type=int, default=2, help="Clients at once (one per core by default).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    args = parser.parse_args()
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
    started = time.perf_counter()
    load(args.documents)
    print(f"load_seconds: {time.perf_counter() - started:.1f}", file=sys.stderr)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers",
         str(args.workers), "--log-level", "warning"],
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
        queue = multiprocessing.Queue()
        client = multiprocessing.Process(target=drive, args=(port, dsn, args.requests, args.concurrency, queue))
        client.start()
        while True:
            try:
                results, rps, api_page_ms, raw_page_ms = queue.get(timeout=5)
                break
            except Empty:
                if not client.is_alive():
                    raise SystemExit("the client process failed: see its error above") from None
        client.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"documents: {args.documents}")
    print(f"thresholds_list_p50_ms: {percentile(results['thresholds_list'], 0.5):.1f}")
    print(f"thresholds_list_p99_ms: {percentile(results['thresholds_list'], 0.99):.1f}")
    print(f"documents_list_p50_ms: {percentile(results['documents_list'], 0.5):.1f}")
    print(f"documents_list_p99_ms: {percentile(results['documents_list'], 0.99):.1f}")
    print(f"documents_challenge_p99_ms: {percentile(results['documents_challenge'], 0.99):.1f}")
    print(f"documents_search_p99_ms: {percentile(results['documents_search'], 0.99):.1f}")
    print(f"evaluate_p99_ms: {percentile(results['evaluate'], 0.99):.1f}")
    print(f"requests_per_second: {rps:.1f}")
    print(f"documents_page_alone_ms: {api_page_ms:.1f}")
    print(f"raw_sql_page_ms: {raw_page_ms:.1f}")
    print(f"ratio_vs_raw_sql: {api_page_ms / raw_page_ms:.2f}")


if __name__ == "__main__":
    main()
