"""The site's own error pages: "Page not found", also with DEBUG on (the embedded default of `make run`), and a 503
while the database cannot be reached; the Content-Security-Policy header on every response."""

import functools
import logging
import secrets

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


class StyleNonce:
    """A fresh random nonce for one request, made only if a template asks for it (`{{ request.csp_style_nonce }}`)."""

    def __init__(self):
        self.value = None

    def __str__(self):
        if self.value is None:
            self.value = secrets.token_urlsafe(18)
        return self.value


class ContentSecurityPolicy:
    """Every response carries settings.CONTENT_SECURITY_POLICY unless its view set its own: pages load scripts, styles,
    images and fonts from this site only, and no inline script or style runs.

    A page whose third-party code adds <style> elements at run time (Redoc's) renders `request.csp_style_nonce` and
    hands it to that code; its response then allows the styles carrying that nonce, and only those: a nonce is not
    'unsafe-inline', as markup injected into the page cannot know it. A view wrapped in `allowing()` widens the
    policy of its own responses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_style_nonce = nonce = StyleNonce()
        request.csp_sources = {}
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if not policy:
            return response
        sources = dict(request.csp_sources)
        if nonce.value is not None:
            sources["style-src"] = [*sources.get("style-src", []), f"'nonce-{nonce.value}'"]
        for directive, added in sources.items():
            policy = widened(policy, directive, added)
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


def allowing(view, **sources):
    """The view, its responses' policy widened by `sources`: worker_src=["blob:"] adds blob: to worker-src."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        for name, added in sources.items():
            request.csp_sources[name.replace("_", "-")] = added
        return view(request, *args, **kwargs)

    return wrapped


# Where a browser looks when a directive is missing (CSP level 3).
FALLBACKS = {"style-src": ["default-src"], "worker-src": ["child-src", "script-src", "default-src"]}


def widened(policy: str, directive: str, added) -> str:
    """The policy with sources added to one directive; a missing directive starts from the one it falls back to."""
    directives = {part.split()[0].lower(): part.split()[1:] for part in policy.split(";") if part.strip()}
    if directive not in directives:
        fallback = next((name for name in FALLBACKS.get(directive, ["default-src"]) if name in directives), None)
        directives[directive] = list(directives.get(fallback, []))
    directives[directive] = [*directives[directive], *added]
    return "; ".join(" ".join([name, *values]) for name, values in directives.items())
