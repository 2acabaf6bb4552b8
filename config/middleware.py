"""The site's own error pages: "Page not found", also with DEBUG on (the embedded default of `make run`), and a 503
while the database cannot be reached; the Content-Security-Policy header on every response."""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.template.response import TemplateResponse
from django.urls import Resolver404, resolve
from django.views.defaults import page_not_found


class NotFoundPage:
    """With DEBUG on, Django answers an unknown address with its debug page, which lists every URL pattern of the
    site. Installed only with DEBUG on (config/settings.py); with it off, Django renders templates/404.html itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404 as error:
            return page_not_found(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        return None


log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 30


class DatabaseUnavailable:
    """A database that cannot be reached (down, restarting, out of connections) is a 503 with Retry-After, JSON under
    /api/ and a page elsewhere, rather than a 500 that reads as a bug. /healthz says the same on its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        log.error("database unavailable for %s: %s", request.path, exception)
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": "The database cannot be reached; try again shortly."}, status=503)
        else:
            response = TemplateResponse(request, "503.html", status=503).render()
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


class ContentSecurityPolicy:
    """Every response carries settings.CONTENT_SECURITY_POLICY unless its view set its own: pages load scripts, styles,
    images and fonts from this site only, and no inline script or style runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
