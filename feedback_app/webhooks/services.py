"""Telling other systems: what is published goes to every endpoint subscribed to it, each
delivery signed, sent outside any database transaction, logged with the receiver's answer,
retried with back-off, and in the order it happened for one ticket (one `order_key`).

The apps above publish through `events_publish` inside the transaction that made the change, so
a rolled-back change tells nobody; sending starts when it commits (a django-q2 task per endpoint
and key), and the every-minute sweep retries what is due and takes back what a killed worker held.
Receivers may see an event twice (a timeout after the receiver acted, a replay): each carries its
id in `webhook-id` for them to drop repeats.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_app.core.background import queue_item_task, queue_item_task_on_commit
from feedback_app.core.errors import Conflict, DomainError, NotAllowed
from feedback_app.webhooks.models import SUBSCRIBABLE, Attempt, Delivery, Event, Webhook, new_secret
from feedback_app.webhooks.sending import Answer, address_refusal, post

SUBSCRIBERS_KEY = "webhooks:subscribers"
# Wait before the next try, by the number of tries so far; the last one repeats.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=12),
)
# A delivery still failing this long after its event is given up (and logged as such): those
# queued behind it for the same ticket then go, and each can be replayed by hand.
GIVE_UP_AFTER = timedelta(days=3)
SWEEP_LIMIT = 500


def _claim_time() -> timedelta:
    """How long a worker holds a delivery it sends: the request's limit and a margin."""
    return timedelta(seconds=float(settings.WEBHOOK_TIMEOUT) * 2 + 30)


@dataclass(frozen=True)
class Announcement:
    """Something that happened, as the publishing app describes it. `summary` is one line a
    person reads (the Slack format sends it); `data` is the event's structured body."""

    event: str
    summary: str
    data: dict
    order_key: str
    dedupe_key: str
    url: str = ""
    occurred_at: datetime = field(default_factory=timezone.now)


def _subscribers() -> dict[str, list[int]]:
    """Event type → ids of the active endpoints that receive it, kept in the cache (forgotten
    whenever an endpoint changes), so publishing costs no query while nobody listens. Read once
    per publication: with the file cache each read is a file read."""
    table = cache.get(SUBSCRIBERS_KEY)
    if table is None:
        table = {}
        for pk, events in Webhook.objects.filter(active=True).values_list("pk", "events"):
            for name in events:
                table.setdefault(name, []).append(pk)
        cache.set(SUBSCRIBERS_KEY, table, 300)
    return table


def subscribers_forget() -> None:
    transaction.on_commit(lambda: cache.delete(SUBSCRIBERS_KEY))
    cache.delete(SUBSCRIBERS_KEY)


def listened(*events: str) -> bool:
    table = _subscribers()
    return any(table.get(event) for event in events)


def _payload(announcement: Announcement, event_id: str) -> dict:
    return {
        "id": event_id,
        "type": announcement.event,
        "occurred_at": announcement.occurred_at.isoformat(),
        "summary": announcement.summary,
        "url": announcement.url,
        "data": announcement.data,
    }


def events_publish(announcements: list[Announcement], *, only: int | None = None) -> int:
    """Record one delivery of each announcement for every endpoint subscribed to it (or for the
    endpoint `only`), in the caller's transaction; sending is queued for when it commits. The
    same `dedupe_key` published again adds nothing (the database drops it). Returns how many
    deliveries were offered."""
    rows = []
    table = _subscribers() if only is None else {}
    for announcement in announcements:
        targets = [only] if only is not None else table.get(announcement.event, [])
        if not targets:
            continue
        event_id = f"evt_{uuid.uuid4().hex}"
        payload = _payload(announcement, event_id)
        rows += [
            Delivery(
                webhook_id=webhook_id,
                event=announcement.event,
                event_id=event_id,
                dedupe_key=announcement.dedupe_key[:100],
                order_key=announcement.order_key[:60],
                payload=payload,
            )
            for webhook_id in targets
        ]
    if not rows:
        return 0
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    for webhook_id, order_key in sorted({(row.webhook_id, row.order_key) for row in rows}):
        queue_item_task_on_commit(send_waiting, webhook_id, order_key)
    return len(rows)


def _can_manage(actor) -> None:
    if actor is not None and not actor.has_perm("webhooks.change_webhook"):
        raise NotAllowed(_("Only a manager can change webhooks."))


def webhook_save(
    *,
    actor,
    webhook: Webhook | None = None,
    name: str,
    url: str,
    events: list[str],
    format: str = Webhook.Format.JSON,
    active: bool = True,
) -> Webhook:
    """Register an endpoint or change one. Turning an endpoint on again clears why it stopped."""
    _can_manage(actor)
    known = {value for value, _label in SUBSCRIBABLE}
    events = [event for event in dict.fromkeys(events) if event]
    if not events:
        raise DomainError(_("Choose at least one event to send."), field="events")
    if unknown := [event for event in events if event not in known]:
        raise DomainError(f"Unknown event {unknown[0]!r}.", field="events")
    if format not in Webhook.Format.values:
        raise DomainError(f"Unknown format {format!r}.", field="format")
    url = (url or "").strip()
    if refusal := address_refusal(url):
        raise DomainError(refusal, field="url")
    webhook = webhook or Webhook(created_by=actor)
    webhook.name, webhook.url, webhook.events = (name or "").strip()[:100], url, events
    webhook.format, webhook.active = format, bool(active)
    if not webhook.name:
        raise DomainError(_("Give the endpoint a name."), field="name")
    if webhook.active:
        webhook.disabled_reason = ""
    webhook.save()
    subscribers_forget()
    return webhook


def webhook_rotate_secret(*, webhook: Webhook, actor) -> Webhook:
    """A new signing secret; the old one still signs beside it for a day."""
    _can_manage(actor)
    webhook.previous_secret, webhook.secret = webhook.secret, new_secret()
    webhook.rotated_at = timezone.now()
    webhook.save(update_fields=["previous_secret", "secret", "rotated_at"])
    return webhook


def webhook_delete(*, webhook: Webhook, actor) -> None:
    _can_manage(actor)
    webhook.delete()
    subscribers_forget()


def webhook_send_test(*, webhook: Webhook, actor) -> Delivery:
    """Send a test event to this endpoint alone (paused or not, so a fix can be checked)."""
    _can_manage(actor)
    stamp = timezone.now()
    who = getattr(actor, "username", "") or "the system"
    announcement = Announcement(
        event=Event.TEST,
        summary=f"Test event for “{webhook.name}”, sent by {who}.",
        data={"webhook": webhook.pk, "sent_by": who},
        order_key=f"test:{webhook.pk}",
        dedupe_key=f"test:{uuid.uuid4().hex}",
        occurred_at=stamp,
    )
    events_publish([announcement], only=webhook.pk)
    return Delivery.objects.filter(webhook=webhook, event=Event.TEST).order_by("-id").first()


def delivery_replay(*, delivery: Delivery, actor) -> Delivery:
    """Send a finished delivery again, as a new delivery of the same event (same id, so a
    receiver that has it already can drop it), behind whatever waits for the same ticket."""
    _can_manage(actor)
    if delivery.status in (Delivery.Status.PENDING, Delivery.Status.SENDING):
        raise Conflict(_("It is still being delivered; replay it once it has finished."))
    if not Delivery.objects.filter(pk=delivery.pk).exists():
        raise Conflict(_("This delivery no longer exists."))
    with transaction.atomic():
        copy = Delivery.objects.create(
            webhook_id=delivery.webhook_id,
            event=delivery.event,
            event_id=delivery.event_id,
            dedupe_key=f"replay:{delivery.pk}:{uuid.uuid4().hex[:12]}",
            order_key=delivery.order_key,
            payload=delivery.payload,
            replay_of=delivery,
        )
        queue_item_task_on_commit(send_waiting, copy.webhook_id, copy.order_key)
    return copy


def _claim_head(webhook_id: int, order_key: str, now: datetime) -> Delivery | None:
    """The oldest delivery waiting under this key, claimed for this worker; None when there is
    none, when it waits for its retry time, or when another worker holds it."""
    head = (
        Delivery.objects.filter(
            webhook_id=webhook_id,
            order_key=order_key,
            status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING],
        )
        .select_related("webhook")
        .order_by("id")
        .first()
    )
    # A paused or stopped endpoint gets nothing but the test events a manager sends by hand.
    if head is None or not (head.webhook.active or head.event == Event.TEST):
        return None
    if head.status == Delivery.Status.SENDING and head.claimed_until > now:
        return None
    if head.status == Delivery.Status.PENDING and head.next_attempt_at > now:
        _wait_behind(head, head.next_attempt_at)
        return None
    # The attempt count is the claim's version: of two workers, one moves it.
    claimed = Delivery.objects.filter(
        pk=head.pk, status=head.status, attempts=head.attempts
    ).update(
        status=Delivery.Status.SENDING,
        claimed_until=now + _claim_time(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    head.attempts += 1
    return head


def _record(delivery: Delivery, answer: Answer, now: datetime) -> bool:
    """Log the attempt and move the delivery on. True when the deliveries behind it may go."""
    Attempt.objects.create(
        delivery=delivery,
        status_code=answer.status_code,
        response_body=answer.body,
        error=answer.error,
        duration_ms=answer.duration_ms,
    )
    result = {
        "last_status_code": answer.status_code,
        "last_error": answer.error,
        "claimed_until": None,
    }
    if answer.ok:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DELIVERED, delivered_at=now, **result
        )
        return True
    if answer.status_code == 410:
        _webhook_gone(delivery.webhook, now)
        return False
    if now - delivery.created_at >= GIVE_UP_AFTER:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, **result)
        return True
    retry_at = now + RETRY_DELAYS[min(delivery.attempts, len(RETRY_DELAYS)) - 1]
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.PENDING, next_attempt_at=retry_at, **result
        )
        _wait_behind(delivery, retry_at)
    return False


def _wait_behind(head: Delivery, until: datetime) -> None:
    """Those queued behind a delivery that waits for its retry wait with it, so the sweep
    finds only keys that can move."""
    Delivery.objects.filter(
        webhook_id=head.webhook_id,
        order_key=head.order_key,
        status=Delivery.Status.PENDING,
        id__gt=head.pk,
        next_attempt_at__lt=until,
    ).update(next_attempt_at=until)


def _webhook_gone(webhook: Webhook, now: datetime) -> None:
    """The receiver answered 410 Gone: it asks us to stop. The endpoint is switched off (a
    manager sees why) and what waited for it is cancelled."""
    with transaction.atomic():
        reason = f"The receiver answered 410 Gone on {timezone.localtime(now):%d %b %Y %H:%M}."
        Webhook.objects.filter(pk=webhook.pk).update(active=False, disabled_reason=reason)
        Delivery.objects.filter(
            webhook_id=webhook.pk, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
        ).update(status=Delivery.Status.CANCELLED, claimed_until=None)
        subscribers_forget()


def deliveries_send(*, webhook_id: int, order_key: str) -> int:
    """Send what waits for one endpoint under one key, oldest first, until none is left, one
    must wait for its retry, or another worker holds the key. No transaction is open while a
    receiver is asked (a slow one must not hold the database). Returns how many were
    delivered."""
    delivered = 0
    while delivery := _claim_head(webhook_id, order_key, timezone.now()):
        answer = post(delivery.webhook, delivery.payload, delivery.event_id)
        delivered += answer.ok
        if not _record(delivery, answer, timezone.now()):
            break
    return delivered


def send_waiting(webhook_id: int, order_key: str) -> int:
    """The item task queued for each endpoint and key when something is published."""
    return deliveries_send(webhook_id=webhook_id, order_key=order_key)


def deliveries_retry(*, now: datetime | None = None) -> int:
    """The every-minute sweep: queue the sending of every key whose first waiting delivery is
    due, or was held by a worker that stopped. Returns how many keys were queued."""
    now = now or timezone.now()
    due = (
        Delivery.objects.filter(
            Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=Delivery.Status.SENDING, claimed_until__lt=now),
            webhook__active=True,
        )
        .values_list("webhook_id", "order_key")
        .distinct()
        .order_by()[:SWEEP_LIMIT]
    )
    keys = list(due)
    for webhook_id, order_key in keys:
        queue_item_task(send_waiting, webhook_id, order_key)
    return len(keys)
