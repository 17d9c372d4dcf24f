"""API tokens are read once and kept for a few seconds; anything that changes who a token stands
for (revoking it, deactivating the login, taking its role) stops it at once, and a change the
signals cannot see stops it within API_AUTH_CACHE_SECONDS."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from feedback_app.core.api import authentication
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(client):
    user = staff_user("integration", username="shop")
    token = Token.objects.create(user=user)
    return user, {"HTTP_AUTHORIZATION": f"Token {token.key}"}, token


def get(client, headers):
    with CaptureQueriesContext(connection) as captured:
        status = client.get("/api/v1/complaints/", **headers).status_code
    auth = [
        q for q in captured.captured_queries if "authtoken" in q["sql"] or "auth_group" in q["sql"]
    ]
    return status, len(auth)


def test_a_token_is_read_once_then_kept(client, shop):
    _user, headers, _token = shop
    assert get(client, headers) == (200, 2)  # the token with its login, then its groups
    assert get(client, headers) == (200, 0)  # kept


def test_revoking_a_token_stops_it_at_once(client, shop):
    _user, headers, token = shop
    get(client, headers)
    token.delete()
    assert get(client, headers)[0] == 401


def test_deactivating_the_login_stops_it_at_once(client, shop):
    user, headers, _token = shop
    get(client, headers)
    user.is_active = False
    user.save()
    assert get(client, headers)[0] == 401


def test_taking_the_role_stops_it_at_once(client, shop):
    user, headers, _token = shop
    get(client, headers)
    user.groups.clear()
    assert get(client, headers)[0] == 403
    group = Group.objects.get(name="API integration")
    group.user_set.add(user)  # and from the group's side
    assert get(client, headers)[0] == 200
    group.user_set.remove(user)
    assert get(client, headers)[0] == 403
    group.user_set.add(user)
    assert get(client, headers)[0] == 200
    group.user_set.clear()  # emptying the group
    assert get(client, headers)[0] == 403


def test_a_change_the_signals_miss_takes_effect_within_the_window(client, shop, monkeypatch):
    from django.contrib.auth import get_user_model

    _user, headers, _token = shop
    clock = [1_000_000.0]
    monkeypatch.setattr(authentication.time, "time", lambda: clock[0])
    get(client, headers)
    get_user_model().objects.filter(username="shop").update(is_active=False)  # no signal
    assert get(client, headers)[0] == 200  # still kept
    clock[0] += 5.1  # API_AUTH_CACHE_SECONDS later
    assert get(client, headers)[0] == 401
