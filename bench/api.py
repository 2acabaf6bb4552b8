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
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from queue import Empty

from common import SEARCHES, load, percentile, served, setup_django, timed_get


def drive(port: int, dsn: str, requests_per_endpoint: int, concurrency: int, queue):
    """Runs in its own process: concurrent requests per endpoint, latencies in ms; then the documents list and
    the same page read with psycopg, one after the other, for the ratio. The client is the standard library's
    http.client (a connection a request, as gunicorn's sync workers close them): on two cores the load generator
    competes with the server for CPU, and httpx spent two to three times as much of it a request."""
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
            return timed_get(port, path(i), {"Accept": "application/json"})

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
    dsn = setup_django()
    started = time.perf_counter()
    load(args.documents)
    print(f"load_seconds: {time.perf_counter() - started:.1f}", file=sys.stderr)

    with served(args.workers) as port:
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
