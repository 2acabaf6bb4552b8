"""Issue an API token for a staff user; the key is printed once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.models import ApiToken


class Command(BaseCommand):
    help = "Create an expiring API token for USERNAME and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="script")
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, username, name, days, **options):
        if not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        token, key = ApiToken.issue(user=user, name=name, days=days)
        self.stderr.write(f"Token {token.prefix}… for {username}, expires {token.expires_at:%Y-%m-%d}. Keep it secret:")
        self.stdout.write(key)
