"""The site's own "Page not found" page, also with DEBUG on (the embedded default of `make run`)."""

from django.http import Http404
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
