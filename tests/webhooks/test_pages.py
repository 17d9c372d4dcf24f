"""Managers' webhook pages: adding an endpoint, its refusals, the test event, a replay, the
secret's rotation, deleting; the log shows what receivers answered."""

import pytest
from django.urls import reverse

from feedback_app.webhooks.models import Delivery, Webhook

pytestmark = pytest.mark.django_db


def test_a_manager_adds_an_endpoint_and_sends_it_a_test_event(
    manager_client, receiver, django_capture_on_commit_callbacks
):
    page = manager_client.get(reverse("webhooks:list"))
    assert b"No endpoint yet" in page.content
    answer = manager_client.post(
        reverse("webhooks:create"),
        {
            "name": "CRM",
            "url": receiver.url,
            "events": ["ticket.opened"],
            "format": "json",
            "active": "on",
        },
    )
    webhook = Webhook.objects.get()
    assert answer.status_code == 302 and answer.url == webhook.get_absolute_url()
    assert webhook.events == ["ticket.opened"] and webhook.secret.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(webhook.get_absolute_url(), {"do": "test"})
    assert receiver.types() == ["webhook.test"]
    page = manager_client.get(webhook.get_absolute_url())
    assert b"Test event" in page.content and b"200" in page.content
    assert webhook.secret.encode() in page.content


def test_refusals_are_shown_on_the_form(manager_client, settings):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    answer = manager_client.post(
        reverse("webhooks:create"),
        {
            "name": "Inside",
            "url": "https://127.0.0.1/x",
            "events": ["ticket.opened"],
            "format": "json",
        },
    )
    assert answer.status_code == 400
    assert "private or local network" in answer.content.decode()
    answer = manager_client.post(
        reverse("webhooks:create"),
        {
            "name": "Plain",
            "url": "http://example.com/x",
            "events": ["ticket.opened"],
            "format": "json",
        },
    )
    assert "Use an https:// address" in answer.content.decode()
    answer = manager_client.post(
        reverse("webhooks:create"),
        {"name": "None", "url": "https://example.com/x", "format": "json"},
    )
    assert answer.status_code == 400 and Webhook.objects.count() == 0


def test_rotate_replay_and_delete(
    manager_client, hook, receiver, django_capture_on_commit_callbacks
):
    url = hook.get_absolute_url()
    old = hook.secret
    manager_client.post(url, {"do": "rotate"})
    hook.refresh_from_db()
    assert hook.secret != old and hook.previous_secret == old
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(url, {"do": "test"})
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(url, {"do": "replay", "delivery": delivery.pk})
    assert Delivery.objects.filter(replay_of=delivery, status="delivered").exists()
    assert manager_client.post(url, {"do": "replay", "delivery": "99999"}).status_code == 404
    answer = manager_client.post(url, {"do": "delete"})
    assert answer.url == reverse("webhooks:list") and not Webhook.objects.exists()


def test_agents_are_refused(agent_client, hook):
    assert agent_client.get(reverse("webhooks:list")).status_code == 403
    assert agent_client.post(hook.get_absolute_url(), {"do": "test"}).status_code == 403


def test_a_paused_endpoint_still_gets_a_test_event_and_nothing_else(
    manager_client, hook, receiver, django_capture_on_commit_callbacks
):
    from tests.factories import open_ticket

    data = {"name": "CRM", "url": receiver.url, "events": ["ticket.opened"], "format": "json"}
    manager_client.post(hook.get_absolute_url(), {"do": "save", **data})  # unticked: paused
    hook.refresh_from_db()
    assert not hook.active
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
        manager_client.post(hook.get_absolute_url(), {"do": "test"})
    assert receiver.types() == ["webhook.test"]
