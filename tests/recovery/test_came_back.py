"""Each ticket keeps how long until its customer came back; the retention report reads it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from recovery.models import Ticket
from recovery.services.retention import came_back_refresh
from recovery.services.tickets import ticket_create
from surveys.services.invitations import event_record
from tests.factories import delivery_survey

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def test_the_earliest_later_activity_counts_whatever_order_it_arrives_in(manager):
    from feedback_app.customers.services.resolve import customer_resolve

    now = timezone.now()
    ann = customer_resolve(email="ann@example.com").customer
    ticket = ticket_create(customer=ann, subject="Late", actor=manager)
    opened = ticket.opened_at
    event_record(event_type="order.placed", email="ann@example.com", occurred_at=opened - DAY)
    ticket.refresh_from_db()
    assert ticket.came_back_after is None  # before the ticket: not coming back

    later = now + 5 * DAY
    event_record(event_type="order.placed", email="ann@example.com", occurred_at=later, now=later)
    event_record(  # an import brings an earlier one afterwards
        event_type="order.delivered",
        email="ann@example.com",
        occurred_at=opened + 2 * DAY,
        now=later,
    )
    ticket.refresh_from_db()
    assert ticket.came_back_after == opened + 2 * DAY - opened

    Ticket.objects.update(came_back_after=None)
    assert came_back_refresh() == 1
    ticket.refresh_from_db()
    assert ticket.came_back_after == 2 * DAY


def test_a_follow_up_answer_is_not_coming_back(manager):
    from feedback_app.customers.services.resolve import customer_resolve
    from surveys.services.responses import response_submit

    ann = customer_resolve(email="ann@example.com").customer
    ticket = ticket_create(customer=ann, subject="Late", actor=manager)
    follow_up = delivery_survey(purpose="recovery_follow_up")
    nps = follow_up.questions.get(kind="nps")
    response_submit(survey=follow_up, customer=ann, channel="web", answers={nps.pk: 9})
    ticket.refresh_from_db()
    assert ticket.came_back_after is None
    assert came_back_refresh() == 0

    survey = delivery_survey()
    nps = survey.questions.get(kind="nps")
    response_submit(survey=survey, customer=ann, channel="web", answers={nps.pk: 9})
    ticket.refresh_from_db()
    assert ticket.came_back_after is not None


def test_a_merge_brings_the_other_profiles_activity(manager):
    from feedback_app.customers.services.merge import customer_merge
    from feedback_app.customers.services.resolve import customer_resolve

    ann = customer_resolve(email="ann@example.com").customer
    ticket = ticket_create(customer=ann, subject="Late", actor=manager)
    later = timezone.now() + 3 * DAY
    event_record(event_type="order.placed", phone="+447700900123", occurred_at=later, now=later)
    other = customer_resolve(phone="+447700900123").customer
    ticket.refresh_from_db()
    assert ticket.came_back_after is None  # a different profile, as far as we knew
    customer_merge(source=other, target=ann, actor=manager, reason="Same person")
    ticket.refresh_from_db()
    assert ticket.came_back_after == later - ticket.opened_at
