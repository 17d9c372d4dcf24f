"""API tokens are read once and kept for a few seconds; a change in the admin to who a token
stands for (revoking it, deactivating the login, taking its role) stops it at once, and a change
made elsewhere stops it within API_AUTH_CACHE_SECONDS."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
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


def login_form(admin_client, user) -> dict:
    """The admin's change form of a login, as it would be sent back unchanged."""
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {}
    for name in form.fields:
        value = form.initial.get(name)
        if name in ("password", "last_login") or value is None:
            continue
        if name == "date_joined":
            data["date_joined_0"], data["date_joined_1"] = value.strftime(
                "%Y-%m-%d %H:%M:%S"
            ).split()
        elif name in ("groups", "user_permissions"):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is True:
            data[name] = "on"
        elif value is not False:
            data[name] = value
    return data


def save_login(admin_client, user, **changes):
    data = {**login_form(admin_client, user), **changes}
    data = {k: v for k, v in data.items() if v is not None}
    response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def test_revoking_a_token_in_the_admin_stops_it_at_once(client, admin_client, shop):
    user, headers, _token = shop
    get(client, headers)
    deleted = admin_client.post(
        reverse("admin:authtoken_tokenproxy_delete", args=[user.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302 and not Token.objects.exists()
    assert get(client, headers)[0] == 401


def test_deactivating_the_login_in_the_admin_stops_it_at_once(client, admin_client, shop):
    user, headers, _token = shop
    get(client, headers)
    save_login(admin_client, user, is_active=None)  # the box unticked
    assert get(client, headers)[0] == 401


def test_taking_the_role_in_the_admin_stops_it_at_once(client, admin_client, shop):
    user, headers, _token = shop
    get(client, headers)
    save_login(admin_client, user, groups=[])
    assert get(client, headers)[0] == 403
    group = Group.objects.get(name="API integration")
    save_login(admin_client, user, groups=[group.pk])
    assert get(client, headers)[0] == 200
    deleted = admin_client.post(
        reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert get(client, headers)[0] == 403


def test_a_change_outside_the_admin_takes_effect_within_the_window(client, shop, monkeypatch):
    from django.contrib.auth import get_user_model

    _user, headers, _token = shop
    clock = [1_000_000.0]
    monkeypatch.setattr(authentication.time, "time", lambda: clock[0])
    get(client, headers)
    get_user_model().objects.filter(username="shop").update(is_active=False)  # not the admin
    assert get(client, headers)[0] == 200  # still kept
    clock[0] += 5.1  # API_AUTH_CACHE_SECONDS later
    assert get(client, headers)[0] == 401


def test_a_complaint_from_a_known_customer_takes_at_most_eight_statements(
    client, shop, monkeypatch, django_capture_on_commit_callbacks
):
    """The whole call as in production (tasks queued to the broker, not run here):
    authentication kept, no lookup of the key before writing, nothing read back; the triage
    task is queued after the commit, and only when none is waiting (one per burst)."""
    from django_q.conf import Conf
    from django_q.models import OrmQ

    from feedback_app.customers.services.resolve import customer_resolve

    _user, headers, _token = shop
    customer_resolve(email="ann@example.com")
    body = {"customer": {"email": "ann@example.com"}, "text": "The parcel never arrived."}
    client.post("/api/v1/complaints/", body, content_type="application/json", **headers)
    monkeypatch.setattr(Conf, "SYNC", False)
    queued = OrmQ.objects.count()

    def post(key: str):
        # the statements counted are the request's; its commit hooks run once it is done
        with (
            django_capture_on_commit_callbacks(execute=True) as hooks,
            CaptureQueriesContext(connection) as captured,
        ):
            response = client.post(
                "/api/v1/complaints/",
                {**body, "idempotency_key": key},
                content_type="application/json",
                **headers,
            )
        return response, [q["sql"].split()[0] for q in captured.captured_queries], hooks

    response, statements, hooks = post("k-2")
    assert response.status_code == 201 and response.json()["topics"] == []
    assert len(statements) <= 8, statements
    assert len(hooks) == 1  # the triage task, queued once the complaint is committed
    # (with Redis as the broker the task is not a row here)
    assert OrmQ.objects.count() == queued + (1 if Conf.ORM else 0)
    replay, _statements, hooks = post("k-2")
    assert replay.status_code == 200 and replay.json()["id"] == response.json()["id"]
    assert hooks == []
    again, _statements, hooks = post("k-3")
    assert again.status_code == 201 and len(hooks) == 1
    # the first task has not started: it will triage this one too, so none more is queued
    assert OrmQ.objects.count() == queued + (1 if Conf.ORM else 0)
