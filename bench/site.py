"""Site benchmark: the public pages served by gunicorn over the synthetic documents of bench/common.py (100,000 by
default, on PostgreSQL in DATABASE_URL), N requests per page after a warm-up, from a separate process on 127.0.0.1.
Prints `site_<page>_p50_ms` and `site_<page>_p99_ms` lines.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tracker_sitebench python bench/site.py --documents 100000
"""

import argparse
import multiprocessing
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Empty
from urllib.parse import quote

from common import SEARCHES, load, percentile, served, setup_django, timed_get


def pages(document_pk: int) -> dict:
    """Each page's name and a function of the request's number answering its address."""
    return {
        "home": lambda i: "/",
        "thresholds": lambda i: "/thresholds/",
        "instruments": lambda i: "/instruments/",
        "documents": lambda i: "/documents/",
        "documents_search": lambda i: f"/documents/?q={quote(SEARCHES[i % len(SEARCHES)])}",
        "documents_filtered": lambda i: "/documents/?challenge=human_misuse&jurisdiction=EU",
        "document": lambda i: f"/documents/{document_pk}/",
        "changes": lambda i: "/changes/",
        "challenges": lambda i: "/challenges/",
        "comment_periods": lambda i: "/comment-periods/",
        "chart": lambda i: "/chart/",
        "evaluate": lambda i: f"/evaluate/?training_compute_flop={1 + i % 9}e25",
        "feed_documents": lambda i: "/feeds/documents.atom",
    }


def drive(port: int, document_pk: int, requests_per_page: int, concurrency: int, queue):
    """Runs in its own process: answers each page's latencies in ms (anything but a 200 stops the run)."""

    def one(path: str) -> float:
        return timed_get(port, path)

    results = {}
    for name, path in pages(document_pk).items():
        with ThreadPoolExecutor(concurrency) as pool:
            # Warm-up, not measured: each worker's first requests open its database connection and load templates.
            list(pool.map(one, map(path, range(concurrency * 10))))
            results[name] = list(pool.map(one, map(path, range(requests_per_page))))
    queue.put(results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200, help="Requests per page.")
    parser.add_argument("--concurrency", type=int, default=2, help="Clients at once (one per core by default).")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    # Pages name their stylesheet through the static files' manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    started = time.perf_counter()
    load(args.documents)
    print(f"load_seconds: {time.perf_counter() - started:.1f}", file=sys.stderr)
    from tracker.models import Document

    document_pk = Document.objects.latest("published_at", "pk").pk

    with served(args.workers) as port:
        queue = multiprocessing.Queue()
        client = multiprocessing.Process(target=drive, args=(port, document_pk, args.requests, args.concurrency, queue))
        client.start()
        while True:
            try:
                results = queue.get(timeout=5)
                break
            except Empty:
                if not client.is_alive():
                    raise SystemExit("the client process failed: see its error above") from None
        client.join()
    print(f"documents: {args.documents}")
    for name, latencies in results.items():
        print(f"site_{name}_p50_ms: {percentile(latencies, 0.5):.1f}")
        print(f"site_{name}_p99_ms: {percentile(latencies, 0.99):.1f}")


if __name__ == "__main__":
    main()
