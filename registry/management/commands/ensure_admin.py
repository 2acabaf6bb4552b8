"""Make sure an admin account exists, with a generated password unless DJANGO_SUPERUSER_PASSWORD is set."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils.text import slugify


def password_file(database_name=None):
    """var/admin-password.txt for the embedded default's database; a file named after any other database, so an admin
    made on PostgreSQL does not overwrite the password of the embedded default's admin."""
    name = str(database_name or settings.DATABASES["default"]["NAME"])
    if name == str(settings.VAR_DIR / "db.sqlite3"):
        return settings.VAR_DIR / "admin-password.txt"
    return settings.VAR_DIR / f"admin-password-{slugify(name.rsplit('/', 1)[-1])}.txt"


class Command(BaseCommand):
    help = "Create the admin account if none exists and say how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin"))

    def handle(self, *args, username, **options):
        path = password_file()
        users = get_user_model().objects
        if users.filter(username=username).exists():
            where = f" (password in {path})" if path.exists() else ""
            self.stdout.write(f"Admin account {username!r} already exists{where}.")
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        users.create_superuser(username=username, email="", password=password)
        if "DJANGO_SUPERUSER_PASSWORD" not in os.environ:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(f"{password}\n", encoding="utf-8")  # just the password: scripts read it whole
            self.stdout.write(f"Wrote the password of {username!r} to {path}.")
        self.stdout.write(self.style.SUCCESS(f"Admin account created: user {username!r}, password {password!r}"))
