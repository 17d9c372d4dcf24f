"""Quiet hours: at night where the customer is, only replies to their own case go out;
surveys and notices wait for their morning instead of being suppressed."""

from datetime import UTC, datetime, time, timedelta

import pytest

from feedback_app.customers.models import Message
from feedback_app.customers.outbox import Deferred, message_send
from feedback_app.customers.policy import night_until
from feedback_app.customers.services.profile import customer_update
from feedback_app.customers.services.resolve import customer_resolve
from tests.factories import TriggerRuleFactory, delivery_survey

pytestmark = pytest.mark.django_db
PARIS_EVENING = datetime(2026, 11, 30, 21, 30, tzinfo=UTC)  # 22:30 in Paris
PARIS_MORNING = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 08:00 in Paris


@pytest.fixture(autouse=True)
def nights(settings):
    settings.QUIET_HOURS = (time(21, 0), time(8, 0))


@pytest.fixture
def claire(db):
    found = customer_resolve(email="claire@example.fr", full_name="Claire Martin").customer
    return customer_update(customer=found, time_zone="Europe/Paris")


@pytest.mark.parametrize(
    "zone, now, expected",
    [
        ("Europe/Paris", PARIS_EVENING, "2026-12-01 08:00+01:00"),
        ("Europe/Paris", datetime(2026, 12, 1, 6, 0, tzinfo=UTC), "2026-12-01 08:00+01:00"),
        ("Europe/Paris", datetime(2026, 12, 1, 12, 0, tzinfo=UTC), None),
        ("America/New_York", datetime(2026, 12, 1, 2, 0, tzinfo=UTC), "2026-12-01 08:00-05:00"),
        ("America/New_York", PARIS_EVENING, None),  # 16:30 in New York
        ("", PARIS_EVENING, "2026-12-01 08:00+00:00"),  # unknown: the shop's (UTC here)
    ],
)
def test_night_is_counted_in_the_customers_own_time_zone(claire, zone, now, expected):
    claire.time_zone = zone
    morning = night_until(claire, now)
    assert (morning.isoformat(" ", "minutes") if morning else None) == expected


def solicit(customer, now, key="s-1"):
    return message_send(
        customer=customer,
        kind=Message.Kind.SOLICITATION,
        purpose="survey.invitation",
        subject="How did we do?",
        body_text="Tell us.",
        dedupe_key=key,
        now=now,
    )


def test_a_survey_waits_for_the_morning_and_a_reply_goes_at_once(claire):
    with pytest.raises(Deferred) as held:
        solicit(claire, PARIS_EVENING)
    assert held.value.retry_at == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert held.value.reason == "night where they are: waits until 08:00 (Europe/Paris)"
    assert not Message.objects.exists()  # nothing recorded as suppressed
    reply = message_send(
        customer=claire,
        kind=Message.Kind.REPLY,
        purpose="ticket.apology",
        subject="About your order",
        body_text="We are sorry.",
        dedupe_key="r-1",
        now=PARIS_EVENING,
    )
    assert reply.status == "queued"
    assert solicit(claire, PARIS_MORNING, key="s-2").status == "queued"


def test_an_invitation_due_at_night_goes_in_the_customers_morning(claire):
    from surveys.services.invitations import event_record, invitation_send

    survey = delivery_survey()
    TriggerRuleFactory(survey=survey, delay=timedelta(0))
    invitation = event_record(
        event_type="order.delivered",
        occurred_at=PARIS_EVENING,
        email="claire@example.fr",
        now=PARIS_EVENING,
    ).invitations[0]
    invitation = invitation_send(invitation_id=invitation.pk, now=PARIS_EVENING)
    assert invitation.status == "scheduled"
    assert invitation.scheduled_for == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    invitation = invitation_send(invitation_id=invitation.pk, now=PARIS_MORNING)
    assert invitation.status == "sent"


def test_a_time_zone_that_does_not_exist_is_refused(api_client, manager, claire):
    api_client.force_authenticate(manager)
    answer = api_client.patch(
        f"/api/v1/customers/{claire.pk}/", {"time_zone": "Europe/Atlantis"}, format="json"
    )
    assert answer.status_code == 400 and "time_zone" in answer.json()
    answer = api_client.patch(
        f"/api/v1/customers/{claire.pk}/", {"time_zone": "Europe/Berlin"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["time_zone"] == "Europe/Berlin"
