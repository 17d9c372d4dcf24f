"""Webhook deliveries against a real receiver on loopback: signed (checked with the Standard
Webhooks library a receiver would use), once each, in order per ticket, retried with back-off,
given up after three days, stopped by 410 Gone, taken back from a worker that died."""

from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook as Verifier

from feedback_app.webhooks.models import Attempt, Delivery, Event
from feedback_app.webhooks.services import (
    GIVE_UP_AFTER,
    deliveries_retry,
    deliveries_send,
    delivery_replay,
    webhook_rotate_secret,
    webhook_save,
    webhook_send_test,
)
from recovery.services.workflow import ticket_apologise
from tests.factories import open_ticket
from tests.recovery.test_workflow import do

pytestmark = pytest.mark.django_db
MESSAGE = {"subject": "About your order", "body": "We are sorry."}


def recover(ticket, actor):
    """Apology, reassurance and a refund within the limit: three steps, one of them a grant."""
    for step in ("apologise", "reassure", "offer_restitution"):
        ticket = do(step, ticket, actor)


def verified(receiver, secret):
    """Every body the receiver got, after checking its signature as a receiver would."""
    return [Verifier(secret).verify(item["body"], item["headers"]) for item in receiver.received]


def test_each_event_arrives_once_signed_and_in_order_per_ticket(
    hook, receiver, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        recover(ticket, manager)

    events = verified(receiver, hook.secret)
    assert [e["type"] for e in events] == [
        "ticket.opened",
        "ticket.step_taken",
        "ticket.step_taken",
        "ticket.step_taken",
        "restitution.granted",
    ]
    assert [e["data"]["step"]["kind"] for e in events[1:4]] == [
        "apologised",
        "reassured",
        "restitution_offered",
    ]
    assert len({e["id"] for e in events}) == 5
    assert {e["data"]["ticket"]["id"] for e in events} == {ticket.pk}
    assert events[0]["data"]["customer"]["name"] == "Ann Lee"
    assert events[4]["data"]["restitution"]["amount"] == "10.00"
    assert (
        events[4]["summary"] == f"Ticket #{ticket.pk}: Voucher of 10.00 GBP granted to a customer"
    )
    assert events[0]["url"].endswith(f"/staff/recovery/tickets/{ticket.pk}/")
    headers = receiver.received[0]["headers"]
    assert headers["webhook-id"] == events[0]["id"]
    assert headers["Content-Type"] == "application/json"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert Attempt.objects.filter(status_code=200, response_body="ok").count() == 5


def test_a_wrong_secret_does_not_verify(hook, receiver, django_capture_on_commit_callbacks):
    from standardwebhooks.webhooks import WebhookVerificationError

    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
    item = receiver.received[0]
    with pytest.raises(WebhookVerificationError):
        Verifier("whsec_" + "A" * 43 + "=").verify(item["body"], item["headers"])


def test_only_subscribed_events_are_recorded(receiver, db, django_capture_on_commit_callbacks):
    webhook_save(actor=None, name="Opened only", url=receiver.url, events=["ticket.opened"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_apologise(ticket=ticket, actor=None, **MESSAGE)
    assert receiver.types() == ["ticket.opened"]
    assert Delivery.objects.count() == 1


def test_publishing_costs_no_query_while_nobody_listens(db, django_assert_num_queries):
    from recovery.services.announce import ticket_events_announce

    ticket = open_ticket()
    events = list(ticket.events.all())
    ticket_events_announce(events)  # the subscriber table is now in the cache
    with django_assert_num_queries(0):
        ticket_events_announce(events)


def test_the_same_log_entry_announced_twice_is_delivered_once(hook, receiver):
    from recovery.services.announce import ticket_events_announce

    ticket = open_ticket()
    ticket_events_announce(list(ticket.events.all()))
    assert Delivery.objects.filter(event="ticket.opened").count() == 1
    deliveries_send(webhook_id=hook.pk, order_key=f"ticket:{ticket.pk}")
    assert receiver.types() == ["ticket.opened"]


def test_a_failing_receiver_is_retried_with_back_off_and_order_holds(
    hook, receiver, manager, django_capture_on_commit_callbacks
):
    receiver.status, receiver.answer = 500, "database down"
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_apologise(ticket=ticket, actor=manager, **MESSAGE)

    # Only the first was tried: the apology waits behind it, for the same minute.
    assert receiver.types() == ["ticket.opened"]
    first, second = Delivery.objects.order_by("id")
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    wait = first.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    assert second.attempts == 0 and second.next_attempt_at == first.next_attempt_at
    assert first.tries.get().response_body == "database down"

    # Not due yet: the sweep queues nothing.
    assert deliveries_retry() == 0
    assert deliveries_retry(now=timezone.now() + timedelta(minutes=2)) == 1
    Delivery.objects.update(next_attempt_at=timezone.now())  # the minute has passed
    receiver.status = 500
    deliveries_retry()
    first.refresh_from_db()
    assert first.attempts == 2
    assert timedelta(minutes=4) < first.next_attempt_at - timezone.now() <= timedelta(minutes=5)

    receiver.status = 204
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert deliveries_retry() == 1
    assert receiver.types()[-2:] == ["ticket.opened", "ticket.step_taken"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}
    assert Attempt.objects.count() == 4


def test_a_delivery_failing_for_three_days_is_given_up_and_the_next_goes(
    hook, receiver, manager, django_capture_on_commit_callbacks
):
    receiver.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_apologise(ticket=ticket, actor=manager, **MESSAGE)
    assert len(receiver.received) == 1
    first = Delivery.objects.order_by("id").first()
    Delivery.objects.filter(pk=first.pk).update(created_at=timezone.now() - GIVE_UP_AFTER)
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliveries_retry()
    first, second = Delivery.objects.order_by("id")
    assert first.status == "failed"
    # The one behind it went on its own first try (the receiver failed it too: it waits).
    assert second.attempts == 1 and second.status == "pending"


def test_410_gone_switches_the_endpoint_off_and_cancels_what_waits(
    hook, receiver, manager, django_capture_on_commit_callbacks
):
    receiver.status = 410
    with django_capture_on_commit_callbacks(execute=True):
        ticket = open_ticket()
    hook.refresh_from_db()
    assert not hook.active
    assert hook.disabled_reason.startswith("The receiver answered 410 Gone")
    assert Delivery.objects.get().status == "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        ticket_apologise(ticket=ticket, actor=manager, **MESSAGE)
    assert Delivery.objects.count() == 1
    assert len(receiver.received) == 1


def test_a_slow_receiver_times_out_and_holds_up_no_other_endpoint(
    hook, receiver, second_receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT = 0.5
    receiver.delay = 2
    other = webhook_save(
        actor=None, name="Team chat", url=second_receiver.url, events=["ticket.opened"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
    slow = Delivery.objects.get(webhook=hook)
    assert slow.status == "pending" and slow.last_error == "No answer within 0.5 s."
    assert Delivery.objects.get(webhook=other).status == "delivered"
    assert second_receiver.types() == ["ticket.opened"]


def test_a_slow_receiver_within_the_limit_is_delivered(
    hook, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_TIMEOUT = 3
    receiver.delay = 0.3
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered"
    assert delivery.tries.get().duration_ms >= 300


def test_a_delivery_held_by_a_worker_that_died_is_sent_by_the_sweep(hook, receiver):
    ticket = open_ticket()  # its sending was never queued (no commit): as if the worker died
    Delivery.objects.update(
        status="sending", attempts=1, claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert deliveries_retry() == 0  # still held
    Delivery.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert deliveries_retry() == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert receiver.events()[0]["data"]["ticket"]["id"] == ticket.pk


def test_two_workers_never_send_the_same_delivery(hook, receiver):
    from feedback_app.webhooks.services import _claim_head

    ticket = open_ticket()
    key, now = f"ticket:{ticket.pk}", timezone.now()
    assert _claim_head(hook.pk, key, now) is not None
    assert _claim_head(hook.pk, key, now) is None


def test_a_replay_sends_the_same_event_again(
    hook, receiver, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        open_ticket()
    original = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        copy = delivery_replay(delivery=original, actor=manager)
    copy.refresh_from_db()
    assert copy.replay_of == original and copy.status == "delivered"
    ids = [item["headers"]["webhook-id"] for item in receiver.received]
    assert ids == [original.event_id, original.event_id]


def test_a_delivery_still_being_sent_is_not_replayed(hook, manager):
    from feedback_app.core.errors import Conflict

    open_ticket()
    with pytest.raises(Conflict):
        delivery_replay(delivery=Delivery.objects.get(), actor=manager)


def test_after_a_rotation_both_secrets_sign_for_a_day(
    hook, receiver, manager, django_capture_on_commit_callbacks
):
    old = hook.secret
    webhook_rotate_secret(webhook=hook, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_send_test(webhook=hook, actor=manager)
    assert verified(receiver, old)[0]["type"] == Event.TEST
    assert verified(receiver, hook.secret)[0]["data"]["sent_by"] == "manager"
    assert len(receiver.received[0]["headers"]["webhook-signature"].split(" ")) == 2


@pytest.mark.django_db(transaction=True)
def test_workers_sending_one_ticket_at_once_keep_its_order_and_send_each_once(receiver, manager):
    from recovery.models import ApprovalLimit
    from tests.concurrency import at_once

    # A test with real transactions starts from an empty database, without the starting limits.
    ApprovalLimit.objects.get_or_create(currency="GBP", defaults={"agent_limit": 100})
    hook = webhook_save(
        actor=None, name="CRM", url=receiver.url, events=["ticket.opened", "ticket.step_taken"]
    )
    ticket = open_ticket()  # committed (no test transaction): the sending tasks ran already
    recover(ticket, manager)
    assert (
        receiver.types() == ["ticket.opened", "ticket.step_taken"] * 1 + ["ticket.step_taken"] * 2
    )
    receiver.received.clear()
    Delivery.objects.update(status="pending", attempts=0, next_attempt_at=timezone.now())
    receiver.delay = 0.1
    key = f"ticket:{ticket.pk}"
    sent = at_once(*[lambda: deliveries_send(webhook_id=hook.pk, order_key=key)] * 3)
    assert sum(sent) == 4
    steps = [event["data"].get("step", {}).get("kind") for event in receiver.events()]
    assert steps == [None, "apologised", "reassured", "restitution_offered"]
