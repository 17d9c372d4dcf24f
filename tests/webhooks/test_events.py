"""What is announced, and how it reads: a detractor once (the team channel's Slack message), an
improvement shipped, and the address checks that keep a registered URL out of our network."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback_app.customers.models import Customer
from feedback_app.webhooks.models import Delivery, Webhook
from feedback_app.webhooks.sending import address_refusal, body_for
from feedback_app.webhooks.services import webhook_save
from recovery.services.improvements import improvement_save, improvement_ship
from surveys.services.triage import retriage
from tests.factories import delivery_survey
from tests.surveys.test_triage_pipeline import answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def team_channel(db, receiver):
    return webhook_save(
        actor=None,
        name="#care",
        url=receiver.url,
        events=["feedback.detractor", "improvement.shipped"],
        format=Webhook.Format.SLACK,
    )


def test_a_detractor_reaches_the_team_channel_once_as_a_slack_message(
    team_channel, receiver, django_capture_on_commit_callbacks
):
    from feedback_app.customers.services.resolve import customer_resolve

    survey = delivery_survey(name="After delivery")
    ann = customer_resolve(email="ann@example.com", full_name="Ann Lee").customer
    Customer.objects.filter(pk=ann.pk).update(value_tier="gold")
    response = answer(
        django_capture_on_commit_callbacks, survey, 3, text="Late again & the box <was> crushed."
    )
    answer(django_capture_on_commit_callbacks, survey, 9, email="bob@example.com")
    assert len(receiver.received) == 1
    text = json.loads(receiver.received[0]["body"])["text"]
    assert text == (
        "Detractor from a Gold customer: “Late again &amp; the box &lt;was&gt; crushed.” "
        "(NPS 3, After delivery) "
        f"<http://127.0.0.1:8000/staff/surveys/responses/{response.pk}/|Open>"
    )
    # Triaged again (the vocabulary changed), it tells nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        retriage(response.submitted_at - timedelta(minutes=1), timezone.now())
    assert len(receiver.received) == 1
    assert Delivery.objects.get().payload["data"]["response"]["nps"] == 3


def test_the_slack_text_names_the_customers_tier():
    webhook = Webhook(format=Webhook.Format.SLACK)
    payload = {"summary": "Detractor from a Gold customer: “Late”", "url": ""}
    assert json.loads(body_for(webhook, payload)) == {
        "text": "Detractor from a Gold customer: “Late”"
    }


def test_an_improvement_shipped_is_announced(
    team_channel, receiver, manager, django_capture_on_commit_callbacks
):
    improvement = improvement_save(
        actor=manager, title="Photo proof of delivery", customer_text="Drivers photograph it."
    )
    with django_capture_on_commit_callbacks(execute=True):
        improvement_ship(improvement=improvement, actor=manager)
    text = json.loads(receiver.received[0]["body"])["text"]
    assert text.startswith("Shipped: Photo proof of delivery (0 customers who asked will be told)")
    payload = Delivery.objects.get().payload
    assert payload["type"] == "improvement.shipped"
    assert payload["data"]["improvement"]["customer_text"] == "Drivers photograph it."


@pytest.mark.parametrize(
    "url, refusal",
    [
        ("ftp://example.com/x", "Give a full web address"),
        ("https:///nohost", "Give a full web address"),
        ("http://example.com/hook", "Use an https:// address"),
        ("https://127.0.0.1/hook", "private or local network (127.0.0.1)"),
        ("https://localhost:8443/hook", "private or local network"),
        ("https://10.1.2.3/hook", "private or local network (10.1.2.3)"),
        ("https://169.254.169.254/latest/meta-data", "private or local network"),
        ("https://[::1]/hook", "private or local network (::1)"),
        ("https://no-such-host.invalid/hook", "cannot be found"),
        ("https://93.184.215.14/hook", ""),
    ],
)
def test_only_public_https_addresses_are_called(settings, url, refusal):
    settings.WEBHOOKS_ALLOW_LOCAL = False
    found = address_refusal(url)
    assert (refusal in found) if refusal else found == ""


def test_an_endpoint_that_came_to_point_inside_is_not_called(
    hook, receiver, settings, django_capture_on_commit_callbacks
):
    from tests.factories import open_ticket

    settings.WEBHOOKS_ALLOW_LOCAL = False
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
    delivery = Delivery.objects.get()
    assert receiver.received == []
    assert delivery.status == "pending" and "Use an https:// address" in delivery.last_error


def test_other_systems_read_english_whatever_language_the_agent_works_in(hook, manager):
    """A German-speaking agent's step: the payload's labels and summary are the same words a
    receiver always gets (its parsers match on them)."""
    from django.utils import translation

    from recovery.services.workflow import ticket_apologise
    from tests.factories import open_ticket

    with translation.override("de"):
        ticket = open_ticket(priority=3)
        ticket_apologise(ticket=ticket, actor=manager, subject="Sorry", body="Sorry.")
    payloads = [d.payload for d in Delivery.objects.order_by("pk")]
    assert payloads and {p["data"]["ticket"]["priority"] for p in payloads} == {"High"}
