"""Small typed readers of environment variables that fail loudly on a bad value."""

import os
import re

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_rate(name: str, default: str) -> str:
    """A request rate as DRF reads it: a count, a slash and a period (`120/minute`, `5/hour`, `10/s`)."""
    raw = os.environ.get(name, default).strip()
    if not re.fullmatch(r"[0-9]+/[smhd][a-z]*", raw):  # DRF reads the period's first letter
        raise ImproperlyConfigured(f"{name} must be a count per period, like 120/minute or 5/hour, not {raw!r}")
    return raw


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false, yes/no, on/off), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict:
    """Parse a database URL (postgres://, postgresql://, sqlite:///path) into Django's DATABASES entry."""
    import dj_database_url

    raw = os.environ.get(name) or default
    if not raw.startswith(("postgres://", "postgresql://", "pgsql://", "sqlite://")):
        raise ImproperlyConfigured(f"{name} must be a postgresql:// or sqlite:/// URL, not {raw.split('://')[0]!r}")
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {error}") from None
    if config["ENGINE"] == "django.db.backends.postgresql" and not env_bool("DATABASE_JIT", default=False):
        # No JIT: PostgreSQL compiles a query to machine code once its estimated cost passes jit_above_cost, which
        # took 230 ms of a 320 ms count over 300,000 tags. A web request's queries never earn that back.
        # DATABASE_JIT=1 sends nothing (a pooler such as PgBouncer may refuse startup options).
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        if config["NAME"] not in ("", ":memory:"):
            os.makedirs(os.path.dirname(os.path.abspath(config["NAME"])), exist_ok=True)
    return config
