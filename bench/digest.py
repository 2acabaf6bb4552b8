"""Digest benchmark: makes subscribers and a week of news (documents with tags, thresholds approved and changed,
status changes, effective dates) in PostgreSQL, sends the week's digests through the real sending path to a local
SMTP sink (aiosmtpd on 127.0.0.1, in its own process, counting), and prints `digests_per_second` and
`queries_per_digest`. Its rows are its own (bench-digest-*), removed before and after.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/tracker_digest python bench/digest.py --subscribers 10000
"""

import argparse
import datetime
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PERIOD = "2025-W10"  # a week of its own, far from real data
PREFIX = "bench-digest"
CHALLENGES = ["alignment", "human_misuse", "natural_selection"]
JURISDICTIONS = ["EU", "US", "US-CA", "GB", "CN"]
SENTENCES = [
    "Developers must run dangerous-capability evaluations for deception and loss of control before release.",
    "Criminals used cloned voices of company executives to authorise fraudulent payments.",
    "Firms racing to deploy AI agents are replacing clerical teams faster than workers can retrain.",
    "The agency will require reports on training runs above 10^26 operations and on the safety case kept.",
    "Export controls on advanced chips and model weights are extended to cloud providers' customers.",
]


def sink(port_queue, count, stop):
    """An SMTP server that accepts and counts every message (runs in a child process)."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            with count.get_lock():
                count.value += 1
            return "250 OK"

    class AnyPort(Controller):
        def _trigger_server(self):
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    controller = AnyPort(Counter(), hostname="127.0.0.1", port=0)
    controller.start()
    port_queue.put(controller.port)
    stop.wait()
    controller.stop()


def clean():
    from registry.models import CapabilityThreshold, Instrument, ThresholdCondition
    from tracker.models import Document, Source, Subscriber

    Subscriber.objects.filter(email__startswith=f"{PREFIX}-").delete()
    Document.objects.filter(source__name__startswith=PREFIX).delete()
    Source.objects.filter(name__startswith=PREFIX).delete()
    thresholds = list(CapabilityThreshold.objects.filter(slug__startswith=PREFIX).values_list("pk", flat=True))
    CapabilityThreshold.objects.filter(pk__in=thresholds).delete()
    ThresholdCondition.history.filter(threshold_id__in=thresholds).delete()
    CapabilityThreshold.history.filter(id__in=thresholds).delete()
    instruments = Instrument.objects.filter(slug__startswith=PREFIX)
    Instrument.history.filter(id__in=list(instruments.values_list("pk", flat=True))).delete()
    instruments.delete()


def make_news(start: datetime.datetime, rng: random.Random) -> list:
    """A busy week: 60 tagged documents, 8 thresholds approved, 6 changed, 5 status changes, 5 dates coming up."""
    from registry.models import CapabilityThreshold, Instrument, Jurisdiction, ThresholdCondition
    from tracker.models import Document, DocumentTag, Source

    places = [Jurisdiction.objects.get_or_create(code=code, defaults={"name": code})[0] for code in JURISDICTIONS]
    source = Source.objects.create(name=f"{PREFIX} source", kind="rss", url="https://bench.example.org/feed.xml")
    documents = Document.objects.bulk_create(
        Document(
            source=source,
            kind="rss",
            url=f"https://bench.example.org/notice/{n}",
            title=f"Bench notice {n} on frontier AI oversight",
            text=" ".join(SENTENCES),
            content_hash=f"{PREFIX}-{n}",
            jurisdiction=places[n % len(places)] if n % 7 else None,
            published_at=start + datetime.timedelta(hours=2 * n),
            first_seen_at=start + datetime.timedelta(hours=2 * n),
            process_status="done",
        )
        for n in range(60)
    )
    DocumentTag.objects.bulk_create(
        DocumentTag(
            document=document,
            category_id=category,
            labelled=True,
            score=0.8,
            evidence=[{"start": 0, "end": 90, "text": rng.choice(SENTENCES)}],
            tagger_version="bench",
        )
        for n, document in enumerate(documents)
        for category in CHALLENGES[: 1 + n % 2]
    )
    instruments = []
    for n in range(12):
        instrument = Instrument.objects.create(
            slug=f"{PREFIX}-instrument-{n}",
            kind="law",
            title=f"Bench act {n}",
            short_name=f"Bench act {n}",
            issuer="A bench legislature",
            jurisdiction=places[n % len(places)],
            status="proposed",
            source_url="https://bench.example.org/act",
            summary="A bench instrument.",
        )
        instrument.challenges.set(CHALLENGES[n % 3 : n % 3 + 1])
        instruments.append(instrument)
    for n, instrument in enumerate(instruments[:5]):
        instrument.record_status(on=(start - datetime.timedelta(days=200)).date())
        instrument.change_status("adopted", on=(start + datetime.timedelta(days=n % 7)).date())
    for n, instrument in enumerate(instruments[5:10]):
        instrument.status, instrument.effective_on = "adopted", (start + datetime.timedelta(days=10 + 9 * n)).date()
        instrument.save()
    long_ago = start - datetime.timedelta(days=120)
    for n in range(14):
        threshold = CapabilityThreshold.objects.create(
            instrument=instruments[n % len(instruments)],
            slug=f"{PREFIX}-threshold-{n}",
            name=f"Bench threshold {n}",
            review_status="approved",
            reviewed_at=start + datetime.timedelta(days=n % 7) if n < 8 else long_ago,
        )
        threshold.challenges.set(CHALLENGES[n % 3 : n % 3 + 1])
        condition = ThresholdCondition.objects.create(
            threshold=threshold, metric="training_compute_flop", operator="gt", value=10.0 ** (24 + n % 3)
        )
        if n >= 8:
            threshold.history.update(history_date=long_ago)
            ThresholdCondition.history.filter(threshold_id=threshold.pk).update(history_date=long_ago)
            condition.value *= 10 if n % 2 else 0.1
            condition.save()
            ThresholdCondition.history.filter(threshold_id=threshold.pk, history_type="~").update(
                history_date=start + datetime.timedelta(days=n % 7)
            )
    return places + instruments


def make_subscribers(count: int, rows: list, rng: random.Random):
    from registry.models import Instrument, Jurisdiction
    from tracker.models import Subscriber

    confirmed = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    subscribers = Subscriber.objects.bulk_create(
        (Subscriber(email=f"{PREFIX}-{n}@bench.example.org", confirmed_at=confirmed) for n in range(count)),
        batch_size=2000,
    )
    places = [row for row in rows if isinstance(row, Jurisdiction)]
    instruments = [row for row in rows if isinstance(row, Instrument)]
    follows = {"challenges": [], "jurisdictions": [], "instruments": []}
    for subscriber in subscribers:
        for code in rng.sample(CHALLENGES, rng.choice([0, 1, 1, 2])):
            follows["challenges"].append(Subscriber.challenges.through(subscriber=subscriber, challenge_id=code))
        for place in rng.sample(places, rng.choice([0, 0, 1, 2])):
            follows["jurisdictions"].append(Subscriber.jurisdictions.through(subscriber=subscriber, jurisdiction=place))
        if rng.random() < 0.1:
            instrument = rng.choice(instruments)
            follows["instruments"].append(Subscriber.instruments.through(subscriber=subscriber, instrument=instrument))
    for name, through_rows in follows.items():
        getattr(Subscriber, name).through.objects.bulk_create(through_rows, batch_size=5000)


def configure(smtp_port: int):
    os.environ.update(
        {
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "SITE_URL": "https://tracker.example.org",
            "DIGEST_WEEKDAY": "monday",
            "DIGEST_HOUR": "8",
            "DIGEST_TIME_ZONE": "UTC",
            "DIGEST_SEND_EMPTY": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("CELERY_BROKER_URL", "memory://")
    import django

    django.setup()


def sender(smtp_port, ready, go, results):
    """One worker process: what a Celery worker runs for each chunk, counting its database queries."""
    configure(smtp_port)
    from django.db import connection

    from tracker import digests

    queries = 0

    def counting(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    connection.ensure_connection()
    ready.release()
    go.wait()
    now = digests.send_moment(PERIOD) + datetime.timedelta(minutes=1)
    with connection.execute_wrapper(counting):
        report = digests.send_due_digests(now=now)
    results.put((report.sent, report.failed, queries, time.perf_counter()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=2, help="Sending processes, as a Celery worker's concurrency.")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database: see the module docstring")

    spawn = multiprocessing.get_context("spawn")
    port_queue, count, stop = spawn.Queue(), spawn.Value("i", 0), spawn.Event()
    server = spawn.Process(target=sink, args=(port_queue, count, stop), daemon=True)
    server.start()
    smtp_port = port_queue.get(timeout=30)
    configure(smtp_port)
    from django.core.management import call_command
    from django.db import connection

    from tracker import digests
    from tracker.models import DigestDelivery

    call_command("migrate", verbosity=0)
    clean()
    try:
        rng = random.Random(48)
        start, _end = digests.period_bounds(PERIOD)
        make_subscribers(args.subscribers, make_news(start, rng), rng)
        connection.close()
        ready, go, results = spawn.Semaphore(0), spawn.Event(), spawn.Queue()
        workers = [spawn.Process(target=sender, args=(smtp_port, ready, go, results)) for _ in range(args.workers)]
        for worker in workers:
            worker.start()
        for _ in workers:
            ready.acquire(timeout=60)
        began = time.perf_counter()
        go.set()
        outcomes = [results.get(timeout=3600) for _ in workers]
        elapsed = max(finished for *_counts, finished in outcomes) - began
        for worker in workers:
            worker.join(timeout=30)
        sent, failed, queries = (sum(outcome[i] for outcome in outcomes) for i in range(3))
        recorded = DigestDelivery.objects.filter(
            period=PERIOD, subscriber__email__startswith=f"{PREFIX}-", status="sent"
        ).count()
        if failed or sent != args.subscribers or recorded != sent or count.value != sent:
            raise SystemExit(f"expected {args.subscribers} digests: sent {sent}, failed {failed}, sink {count.value}")
        print(f"subscribers: {args.subscribers}")
        print(f"workers: {args.workers}")
        print(f"seconds: {elapsed:.2f}")
        print(f"digests_per_second: {args.subscribers / elapsed:.1f}")
        print(f"queries_per_digest: {queries / args.subscribers:.3f}")
    finally:
        clean()
        stop.set()
        server.join(timeout=10)


if __name__ == "__main__":
    main()
