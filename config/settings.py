"""Django settings, read from the environment; with no environment at all it runs on the embedded default."""

import os
import zoneinfo
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_database, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

# The embedded default: no DATABASE_URL means SQLite under var/, tasks inline, debug on, localhost only.
EMBEDDED = not os.environ.get("DATABASE_URL")
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DEBUG = env_bool("DEBUG", default=EMBEDDED)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README, Configuration).")
    SECRET_KEY = "insecure-debug-only-key"
# .env.example's placeholders start with "change-me": a deployment copied from it must not run on a published key.
if SECRET_KEY.startswith("change-me"):
    raise ImproperlyConfigured(
        "SECRET_KEY is still the placeholder from .env.example: set it to 50 or more random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

# The embedded default answers on localhost only; a deployment names its hosts.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
INTERNAL_IPS = ["127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "registry",
    "tracker",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET (from the body), so a client polling an unchanged list or object gets a 304.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.DatabaseUnavailable",
    "config.middleware.ContentSecurityPolicy",
]
if DEBUG:  # instead of Django's debug 404, which lists every URL pattern
    MIDDLEWARE.append("config.middleware.NotFoundPage")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))  # collectstatic writes here
STATICFILES_DIRS = [BASE_DIR / "config" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security: strict unless running on the embedded default or with DEBUG on.
_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=_SECURE)
# The container health check asks for /healthz over plain HTTP from inside; redirecting it to https failed it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=_SECURE)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
# No inline script or style anywhere, nothing from another site; data: images for the admin's and Redoc's icons.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
X_FRAME_OPTIONS = "DENY"

# Celery: the embedded default runs tasks inline; CELERY_BROKER_URL switches to a real broker.
REDIS_URL = env_str("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "memory://" if EMBEDDED else REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360, minimum=1)
if CELERY_TASK_TIME_LIMIT <= CELERY_TASK_SOFT_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_TIME_LIMIT must be longer than CELERY_TASK_SOFT_TIME_LIMIT")
# A message is acknowledged only after its task finishes, so a worker that dies mid-task leaves it to be
# redelivered; Redis redelivers after the visibility timeout, which must outlast the longest task.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task running when the broker goes away finishes (tasks are idempotent; if Redis kept the message, it is delivered
# again later and changes nothing): cancelling it left its work undone, and a Redis that restarts empty had lost
# the message that would have redone it.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_TIMEOUT = 5
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Losing Redis mid-task stopped the worker instead of reconnecting (config/broker.py has why and the fix).
if CELERY_BROKER_URL.startswith("redis://"):
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT * 10, minimum=1)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must be longer than CELERY_TASK_TIME_LIMIT")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # How often a worker looks for messages whose worker died unacknowledged, to deliver them again.
    "unacked_restore_interval": max(1, min(60, CELERY_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
    "socket_timeout": 10,
    "socket_connect_timeout": 5,
    "retry_on_timeout": True,
    "health_check_interval": 30,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# The cache holds per-host fetch backoff and robots.txt; Redis outside the embedded default.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if EMBEDDED
    else {"BACKEND": "config.cache.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "tracker"}
}

# The tracker's one safe fetcher (tracker/fetching.py).
TRACKER_FETCH_ALLOW_PRIVATE = env_bool("TRACKER_FETCH_ALLOW_PRIVATE", default=False)
TRACKER_FETCH_MAX_BYTES = env_int("TRACKER_FETCH_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
TRACKER_FETCH_MAX_DECOMPRESSED_BYTES = env_int("TRACKER_FETCH_MAX_DECOMPRESSED_BYTES", 60 * 1024 * 1024, minimum=1024)
TRACKER_FETCH_CONNECT_TIMEOUT = env_int("TRACKER_FETCH_CONNECT_TIMEOUT", 10, minimum=1)
TRACKER_FETCH_READ_TIMEOUT = env_int("TRACKER_FETCH_READ_TIMEOUT", 30, minimum=1)
TRACKER_FETCH_DEADLINE = env_int("TRACKER_FETCH_DEADLINE", 90, minimum=1)
# Text kept from one parsed response: per item (text and summary each), and over all its items.
TRACKER_PARSE_MAX_ITEM_CHARS = env_int("TRACKER_PARSE_MAX_ITEM_CHARS", 2_000_000, minimum=1000)
TRACKER_PARSE_MAX_CHARS = env_int("TRACKER_PARSE_MAX_CHARS", 10_000_000, minimum=1000)
# A source's fetch runs are kept while among its latest KEEP or younger than KEEP_DAYS; prune_fetch_runs (daily).
TRACKER_FETCH_RUNS_KEEP = env_int("TRACKER_FETCH_RUNS_KEEP", 100, minimum=1)
TRACKER_FETCH_RUNS_KEEP_DAYS = env_int("TRACKER_FETCH_RUNS_KEEP_DAYS", 30, minimum=0)
TRACKER_USER_AGENT = env_str(
    "TRACKER_USER_AGENT",
    "AIGovernanceTracker/0.1 (open-source AI-policy research tracker; contact via DEFAULT_FROM_EMAIL)",
)

# Email: the embedded default prints mail to the console; EMAIL_HOST switches to SMTP.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
# However many clients ask, one address gets at most this many confirmation or reminder emails a day.
SUBSCRIPTION_EMAILS_PER_DAY = env_int("SUBSCRIPTION_EMAILS_PER_DAY", 3, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AI Governance Tracker <tracker@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    # The token scheme first, so a missing or bad credential answers 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    # JSON bodies only: form encodings read an empty or "null" field as a value, unlike the JSON the schema describes.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_RENDERER_CLASSES": [
        "api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "api.renderers.CSVRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonRateThrottle",
        "api.throttling.UserRateThrottle",
    ],
    # A client is its connecting address, or the one the last of this many proxies in front put in X-Forwarded-For.
    "NUM_PROXIES": env_int("TRUSTED_PROXY_COUNT", 0, minimum=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_ANON_RATE", "120/minute"),
        "user": env_rate("API_USER_RATE", "1200/minute"),
        "subscriptions": env_rate("API_SUBSCRIPTION_RATE", "5/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Governance Tracker API",
    "DESCRIPTION": (
        "Capability thresholds, the instruments that define them, reference models, and AI-policy documents "
        "tagged against alignment, human misuse and natural selection. Anonymous users read approved, public data; "
        "writes and review need a staff session or an API token (`Authorization: Bearer <key>`)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # A deep link makes each operation's path a link inside its button, which screen readers cannot reach.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ConfidenceEnum": "registry.vocabulary.Confidence.choices",
        "EstimateConfidenceEnum": "registry.vocabulary.EstimateConfidence.choices",
        "InstrumentKindEnum": "registry.vocabulary.InstrumentKind.choices",
        "SourceKindEnum": "tracker.models.SourceKind.choices",
        "ChallengeEnum": "registry.vocabulary.ChallengeCode.choices",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO; the fetcher records what matters on the source and its runs.
    "loggers": {"django.db.backends": {"level": "INFO"}, "httpx": {"level": "WARNING"}},
}

# The weekly digest (tracker/digests/): it covers one ISO week (Monday to Monday in DIGEST_TIME_ZONE) and goes
# out on DIGEST_WEEKDAY at DIGEST_HOUR after it. SITE_URL is the absolute base of every link in an email.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}")
DIGEST_WEEKDAY = env_str("DIGEST_WEEKDAY", "monday").strip().lower()
if DIGEST_WEEKDAY not in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
    raise ImproperlyConfigured(f"DIGEST_WEEKDAY must be a day of the week (monday … sunday), not {DIGEST_WEEKDAY!r}")
DIGEST_HOUR = env_int("DIGEST_HOUR", 8, minimum=0)
if DIGEST_HOUR > 23:
    raise ImproperlyConfigured(f"DIGEST_HOUR must be an hour from 0 to 23, not {DIGEST_HOUR}")
DIGEST_TIME_ZONE = env_str("DIGEST_TIME_ZONE", TIME_ZONE)
try:
    zoneinfo.ZoneInfo(DIGEST_TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"DIGEST_TIME_ZONE must be a zone like Europe/Paris, not {DIGEST_TIME_ZONE!r}") from None
DIGEST_SEND_EMPTY = env_bool("DIGEST_SEND_EMPTY", default=True)
