"""The API token admin: a staff user who may change tokens can rename or revoke one, nothing more."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from api.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_keeper(django_user_model, client):
    user = django_user_model.objects.create_user("keeper", password="pw-keeper-1", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_apitoken", "change_apitoken"]))
    client.force_login(user)
    return user


def _save(client, token, **fields):
    later = timezone.now() + datetime.timedelta(days=3000)
    data = {"name": "renamed", "expires_at_0": f"{later:%Y-%m-%d}", "expires_at_1": "00:00:00", "_save": "Save"}
    return client.post(f"/admin/api/apitoken/{token.pk}/change/", {**data, **fields})


def test_a_token_cannot_be_handed_to_another_user(client, token_keeper, django_user_model):
    boss = django_user_model.objects.create_superuser("boss", password="pw-boss-1")
    token, _ = ApiToken.issue(user=token_keeper, name="script", days=30)
    response = _save(client, token, user=boss.pk)
    assert response.status_code == 302
    token.refresh_from_db()
    assert (token.name, token.user, token.expires_at.date()) == (
        "renamed",
        token_keeper,
        (token.created_at + datetime.timedelta(days=30)).date(),
    )


def test_a_revoked_token_stays_revoked(client, token_keeper):
    token, key = ApiToken.issue(user=token_keeper, name="script", days=30)
    _save(client, token, revoked="on")
    assert ApiToken.objects.get(pk=token.pk).revoked
    _save(client, token)  # the box unticked
    assert ApiToken.objects.get(pk=token.pk).revoked
    assert ApiToken.find(key) is None


def test_tokens_are_not_made_in_the_admin(client, token_keeper):
    token_keeper.user_permissions.add(Permission.objects.get(codename="add_apitoken"))
    assert client.get("/admin/api/apitoken/add/").status_code == 403
