"""Send the weekly digest now (or preview it with --dry-run) for one period, to everyone or to one subscriber."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker import digests
from tracker.models import Subscriber


class Command(BaseCommand):
    help = (
        "Send the digest of a period (default: the last complete week) to confirmed subscribers who have not had it; "
        "--dry-run prints each digest's text instead of sending or recording anything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print the digests; send and record nothing.")
        parser.add_argument("--period", help="An ISO week such as 2026-W48 (default: the last complete week).")
        parser.add_argument("--to", metavar="EMAIL", help="Only this subscriber.")

    def handle(self, *args, dry_run, period, to, **options):
        now = timezone.now()
        try:
            period = digests.parse_period(period) if period else digests.previous_period(now)
        except ValueError as error:
            raise CommandError(str(error)) from None
        subscriber = None
        if to:
            subscriber = Subscriber.objects.with_email(to).first()
            if subscriber is None:
                raise CommandError(f"no subscriber with the address {to}")
            if not subscriber.is_active and not dry_run:
                raise CommandError(f"{subscriber.email} is {subscriber.state}: it gets no digest")
        if dry_run:
            chosen = [subscriber] if subscriber else Subscriber.objects.active().order_by("pk")
            previews = digests.previews(period=period, subscribers=chosen)
            for _content, message in previews:
                self.stdout.write(f"To: {message.to[0]}\nSubject: {message.subject}\n\n{message.body}\n")
            empty = sum(1 for content, _message in previews if content["is_empty"])
            self.stdout.write(f"{period}: {len(previews)} digest(s) previewed, {empty} with nothing new; nothing sent")
            return
        report = digests.send_digests(period=period, now=now, subscriber=subscriber)
        self.stdout.write(report.summary())
        if report.failed and not report.sent:
            raise CommandError(f"every send failed: {report.errors[0]}")
