"""Webhook endpoints through the API, for managers: register, change, pause, a test event, a
new secret, the recent deliveries, delete; agents and integrations are refused."""

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from feedback_app.webhooks.models import Webhook
from tests.factories import staff_user

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/"


def test_a_manager_registers_an_endpoint_tests_it_and_reads_its_deliveries(
    api_client, manager, receiver, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(manager)
    body = {"name": "CRM", "url": receiver.url, "events": ["ticket.opened", "ticket.opened"]}
    created = api_client.post(URL, body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["events"] == ["ticket.opened"] and data["secret"].startswith("whsec_")
    hook = f"{URL}{data['id']}/"
    with django_capture_on_commit_callbacks(execute=True):
        tested = api_client.post(f"{hook}test/")
    assert tested.status_code == 202 and tested.json()["event"] == "webhook.test"
    assert receiver.types() == ["webhook.test"]
    request = receiver.received[-1]
    Verifier(data["secret"]).verify(request["body"], request["headers"])  # signed with it
    deliveries = api_client.get(f"{hook}deliveries/").json()
    assert [d["status"] for d in deliveries] == ["delivered"]
    rotated = api_client.post(f"{hook}rotate-secret/").json()
    assert rotated["secret"] != data["secret"]
    paused = api_client.patch(hook, {"active": False}, format="json").json()
    assert paused["active"] is False and paused["events"] == ["ticket.opened"]
    assert api_client.delete(hook).status_code == 204 and not Webhook.objects.exists()


def test_bad_endpoints_are_refused_clearly(api_client, manager, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    api_client.force_authenticate(manager)
    for body, field in (
        ({"name": "X", "url": "https://10.0.0.5/hook", "events": ["ticket.opened"]}, "url"),
        ({"name": "X", "url": "https://crm.example.com/h", "events": []}, "events"),
        ({"name": "X", "url": "https://crm.example.com/h", "events": ["nope"]}, "events"),
        ({"name": "X", "url": "https://crm.example.com/h", "events": "ticket.opened"}, "events"),
    ):
        answer = api_client.post(URL, body, format="json")
        assert answer.status_code == 400 and field in answer.json(), (body, answer.json())
    assert not Webhook.objects.exists()


def test_only_managers_reach_webhooks_through_the_api(api_client):
    for role in ("agent", "integration"):
        api_client.force_authenticate(staff_user(role))
        assert api_client.get(URL).status_code == 403
        body = {"name": "X", "url": "https://crm.example.com/h", "events": ["ticket.opened"]}
        assert api_client.post(URL, body, format="json").status_code == 403
    assert not Webhook.objects.exists()
