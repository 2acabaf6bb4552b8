"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Load the URLconf, and with it every view, now rather than on the first request; then take everything loaded so
# far out of the garbage collector's sight. Those objects live as long as the process, and each full collection
# walked all of them: pauses of 100 to 175 ms, which were the API's slowest requests (17 to 40 ms once frozen).
get_resolver().url_patterns  # noqa: B018
gc.freeze()
