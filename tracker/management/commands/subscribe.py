"""Subscribe an address to the weekly digest (staff): with --confirmed, at once and without an email."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker.digests import subscriptions


class Command(BaseCommand):
    help = "Subscribe EMAIL to the weekly digest; without --confirmed it gets a confirmation email first."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--challenge", action="append", dest="challenges", default=[], metavar="CODE")
        parser.add_argument("--jurisdiction", action="append", dest="jurisdictions", default=[], metavar="CODE")
        parser.add_argument("--instrument", action="append", dest="instruments", default=[], metavar="SLUG")
        parser.add_argument("--confirmed", action="store_true", help="Subscribe at once, with no confirmation email.")

    def handle(self, *args, email, challenges, jurisdictions, instruments, confirmed, **options):
        try:
            subscriber = subscriptions.subscribe(
                email=email,
                challenges=challenges,
                jurisdictions=jurisdictions,
                instruments=instruments,
                confirmed=confirmed,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        follows = [
            ", ".join(sorted(c.code for c in subscriber.challenges.all())) or "all challenges",
            ", ".join(sorted(j.code for j in subscriber.jurisdictions.all())) or "all jurisdictions",
        ]
        if subscriber.instruments.exists():
            follows.append(", ".join(sorted(i.slug for i in subscriber.instruments.all())))
        state = "subscribed" if confirmed else f"{subscriber.state} (a confirmation email was sent if due)"
        self.stdout.write(f"{subscriber.email}: {state}, following {'; '.join(follows)}")
