"""Project-wide views: the health check, and the 400 page (JSON under /api/)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.http import require_GET
from kombu import Connection


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as error:
        return False, f"error: {type(error).__name__}"


def _broker_ok() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "inline"
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as error:
        return False, f"error: {type(error).__name__}"


@require_GET
def healthz(request):
    database_ok, database = _database_ok()
    broker_ok, broker = _broker_ok()
    healthy = database_ok and broker_ok
    return JsonResponse(
        {"status": "ok" if healthy else "error", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )


def bad_request(request, exception):
    """Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE or too many parameters before any view runs; under
    /api/ the answer is JSON like every other API error, and says which limit was passed."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return JsonResponse({"detail": f"The request body is too large: at most {limit:,} bytes."}, status=413)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return JsonResponse({"detail": f"Too many parameters: at most {limit:,}."}, status=400)
    return JsonResponse({"detail": "Bad request."}, status=400)
