"""Make sure an admin account exists, with a generated password unless DJANGO_SUPERUSER_PASSWORD is set."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin account if none exists and say how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin"))

    def handle(self, *args, username, **options):
        password_file = settings.VAR_DIR / "admin-password.txt"
        users = get_user_model().objects
        if users.filter(username=username).exists():
            where = f" (password in {password_file})" if password_file.exists() else ""
            self.stdout.write(f"Admin account {username!r} already exists{where}.")
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        if "DJANGO_SUPERUSER_PASSWORD" not in os.environ:
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.touch(mode=0o600)
            password_file.write_text(f"{password}\n", encoding="utf-8")  # just the password: scripts read it whole
            self.stdout.write(f"Wrote the password of {username!r} to {password_file}.")
        self.stdout.write(self.style.SUCCESS(f"Admin account created: user {username!r}, password {password!r}"))
