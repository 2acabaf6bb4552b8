"""Shared fixtures."""

import pytest
from django.contrib.auth.models import Permission


@pytest.fixture
def reviewer(django_user_model):
    user = django_user_model.objects.create_user("reviewer", password="pw-reviewer-1", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="review_capabilitythreshold"),
        Permission.objects.get(codename="view_capabilitythreshold"),
        Permission.objects.get(codename="change_capabilitythreshold"),
    )
    return user


@pytest.fixture
def editor(django_user_model):
    """Staff who may edit thresholds but not approve or reject them."""
    user = django_user_model.objects.create_user("editor", password="pw-editor-1", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_capabilitythreshold"),
        Permission.objects.get(codename="change_capabilitythreshold"),
    )
    return user


@pytest.fixture
def inline_tasks(monkeypatch):
    """Celery tasks run inline, as on the embedded default."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests render pages without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(items):
    """The browser tests (those on pytest-django's live server) run last. They commit through the live server's own
    database connection, and when they ran in the middle, the next test with serialized_rollback found content types
    already in place and could not put its saved rows back. The other site tests keep pytest-django's order: moved
    after the transactional tests, they found the tables those had emptied (permissions, the three challenges)."""
    items.sort(key=lambda item: "live_server" in getattr(item, "fixturenames", ()))
