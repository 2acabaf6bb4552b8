"""Fixtures for tracker tests: a local HTTP server and a switch that lets the fetcher reach it, and a local SMTP
server that receives what the tracker sends."""

import pytest
from django.core.cache import cache

from tests.httpserver import FixtureServer
from tests.smtp import SMTPServer


@pytest.fixture
def http_server():
    with FixtureServer() as server:
        yield server


@pytest.fixture
def allow_private(settings):
    """The fetcher refuses loopback addresses unless told otherwise; the local server lives on 127.0.0.1."""
    settings.TRACKER_FETCH_ALLOW_PRIVATE = True


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Host backoff and robots.txt verdicts live in the cache: no test inherits another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1, and the settings that send mail to it; links point at an https site."""
    with SMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
        settings.SITE_URL = "https://tracker.example.org"
        yield server
