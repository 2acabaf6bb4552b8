"""Fixtures for tracker tests: a local HTTP server and a switch that lets the fetcher reach it."""

import pytest
from django.core.cache import cache

from tests.httpserver import FixtureServer


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
