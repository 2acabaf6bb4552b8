"""Ingest benchmark: serves generated feeds on 127.0.0.1, pulls them with a real Celery worker on Redis into
PostgreSQL, and prints `docs_per_second` (first pull, fetched to processed) and `repull_fraction` (an unchanged
re-pull's time over the first's).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tracker_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/9 \\
        python bench/ingest.py --items 5000
"""

import argparse
import datetime
import hashlib
import os
import subprocess
import sys
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOPICS = [
    "The institute evaluated the frontier model for deception, self-replication and attempts to evade oversight "
    "before deployment, and asks developers to keep a safety case against loss of control.",
    "The notice warns that voice-cloning tools are used for fraud against banks and that model weights must be "
    "protected from theft; export controls on advanced chips are extended.",
    "The report finds that firms racing to deploy AI agents are displacing clerical jobs faster than workers can "
    "retrain, and that market concentration among a few developers is growing.",
    "The office updated its procurement rules for office software and data-retention schedules.",
]


def make_feeds(feeds: int, per_feed: int) -> dict[str, bytes]:
    published = format_datetime(datetime.datetime(2026, 11, 2, tzinfo=datetime.UTC))
    out = {}
    for f in range(feeds):
        items = []
        for i in range(per_feed):
            n = f * per_feed + i
            body = " ".join(TOPICS[(n + k) % len(TOPICS)] for k in range(3))
            items.append(
                f"<item><guid>bench-{n}</guid><title>Bench notice {n} on AI policy</title>"
                f"<link>https://bench.example.org/notice/{n}</link><pubDate>{published}</pubDate>"
                f"<description>Notice {n}. {body} The threshold is {n % 9 + 1} × 10^25 operations.</description></item>"
            )
        out[f"/feed-{f}.xml"] = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench feed</title>'
            f"<link>https://bench.example.org/</link>{''.join(items)}</channel></rss>"
        ).encode()
    return out


def serve(feeds: dict[str, bytes]) -> ThreadingHTTPServer:
    etags = {path: '"' + hashlib.sha256(body).hexdigest()[:16] + '"' for path, body in feeds.items()}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = feeds.get(self.path)
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.send_header("ETag", etags[self.path])
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("ETag", etags[self.path])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait(condition, timeout: float) -> float:
    start = time.perf_counter()
    while not condition():
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"timed out after {timeout}s")
        time.sleep(0.05)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    for name in ("DATABASE_URL", "CELERY_BROKER_URL"):
        if not os.environ.get(name, "").startswith(("postgres", "redis")):
            raise SystemExit(f"set {name} (PostgreSQL and Redis): see the module docstring")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DEBUG", "0")
    os.environ["TRACKER_FETCH_ALLOW_PRIVATE"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"

    import django

    django.setup()
    import redis
    from django.core.cache import cache
    from django.core.management import call_command

    from tracker import tasks
    from tracker.models import Document, FetchRun, Source

    call_command("migrate", verbosity=0)
    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()
    cache.clear()
    bench = Source.objects.filter(name__startswith="bench feed ")
    Document.objects.filter(source__in=bench).delete()
    bench.delete()

    per_feed = max(1, args.items // args.feeds)
    server = serve(make_feeds(args.feeds, per_feed))
    total = per_feed * args.feeds
    sources = [
        Source.objects.create(
            name=f"bench feed {f}", kind="rss", url=f"http://127.0.0.1:{server.server_port}/feed-{f}.xml"
        )
        for f in range(args.feeds)
    ]
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            str(args.concurrency),
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        time.sleep(3)  # let the worker connect
        ids = [source.pk for source in sources]
        done = Document.objects.filter(source_id__in=ids, process_status="done")
        for pk in ids:
            tasks.pull_source.delay(pk)
        first = wait(lambda: done.count() >= total, timeout=1800)
        runs = FetchRun.objects.filter(source_id__in=ids, status="not_modified")
        for pk in ids:
            tasks.pull_source.delay(pk)
        again = wait(lambda: runs.count() >= len(ids), timeout=600)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        server.shutdown()
    print(f"documents: {total}")
    print(f"docs_per_second: {total / first:.1f}")
    print(f"repull_fraction: {again / first:.4f}")


if __name__ == "__main__":
    main()
