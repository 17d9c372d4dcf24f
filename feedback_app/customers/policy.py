"""The one contact policy: may we send this customer this kind of message on this channel now?

Called when a message is about to go out (not when it was planned), so a customer who opted out,
was put on hold or heard from us meanwhile is respected. It reads consent, holds and the message
record of the customer layer only; it knows nothing of surveys or tickets.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format

from feedback_app.customers.models import (
    ContactChannel,
    Customer,
    Identity,
    Message,
)
from feedback_app.customers.selectors import customer_contact_addresses


@dataclass(frozen=True)
class Decision:
    """`temporary`: the refusal will lift by itself (an open hold, the quiet period), at
    `retry_at` when that is known; a solicitation the customer asked for may wait for it."""

    allowed: bool
    reason: str = ""
    address: str = ""
    temporary: bool = False
    retry_at: datetime | None = None
    # Held back only because it is night where the customer is: it goes in the morning.
    night: bool = False
    # Refused because this channel cannot reach them (no usable address, contact refused on
    # it): the outbox may try the other channel; other refusals hold on every channel.
    unreachable: bool = False


def quiet_period() -> timedelta:
    return timedelta(days=settings.CONTACT_QUIET_PERIOD_DAYS)


def customer_zone(customer: Customer) -> ZoneInfo:
    """The customer's own time zone, or the shop's when we do not know it."""
    try:
        return ZoneInfo(customer.time_zone) if customer.time_zone else _shop_zone()
    except (ZoneInfoNotFoundError, ValueError):
        return _shop_zone()


def _shop_zone():
    return timezone.get_default_timezone()


def night_until(customer: Customer, now: datetime) -> datetime | None:
    """When the customer's quiet hours (QUIET_HOURS, in their time zone) end, if `now` falls
    in them; None in the day."""
    if settings.QUIET_HOURS is None:
        return None
    start, end = settings.QUIET_HOURS
    local = now.astimezone(customer_zone(customer))
    clock = local.time()
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return None
    morning = datetime.combine(local.date(), end, tzinfo=local.tzinfo)
    if morning <= local:
        morning += timedelta(days=1)
    return morning


def contact_decision(
    *, customer: Customer, kind: str, channel: str, thread: str = "", now: datetime | None = None
) -> Decision:
    """Decide one message. Replies need an address and a channel the customer allows;
    solicitations also need consent to solicitations, no open hold, no other solicitation
    within the quiet period (queued or sent, on any channel), and daytime where the customer
    is (outside QUIET_HOURS in their time zone)."""
    now = now or timezone.now()
    label = ContactChannel(channel).label.lower() if channel in ContactChannel.values else channel
    if customer.merged_into_id:
        return Decision(False, f"profile was merged into #{customer.merged_into_id}")
    address = customer_contact_addresses(customer=customer).get(channel)
    if not address:
        return _unreachable(customer, channel, label)
    # Through the relation, so a batch that prefetched the customers' preferences reads none.
    preference = next((p for p in customer.preferences.all() if p.channel == channel), None)
    if preference is not None and not preference.allow_contact:
        return Decision(False, f"customer refuses contact by {label}", unreachable=True)
    if kind == Message.Kind.REPLY:
        return Decision(True, address=address)

    if preference is not None and not preference.allow_solicitations:
        return Decision(False, f"customer opted out of surveys and notices by {label}")
    hold = customer.holds.filter(released_at__isnull=True).order_by("placed_at").first()
    if hold is not None:
        return Decision(False, f"on hold: {hold.reason}", temporary=True)
    recent = _recent_solicitation(customer, thread, now)
    if recent is not None:
        when = date_format(timezone.localtime(recent.created_at), "j M Y")
        return Decision(
            False,
            f"quiet period: \u201c{recent.subject}\u201d went out on {when} "
            f"(at most one every {settings.CONTACT_QUIET_PERIOD_DAYS} days)",
            temporary=True,
            retry_at=recent.created_at + quiet_period(),
        )
    morning = night_until(customer, now)
    if morning is not None:
        return Decision(
            False,
            f"night where they are: waits until {morning:%H:%M} ({morning.tzinfo})",
            temporary=True,
            retry_at=morning,
            night=True,
        )
    return Decision(True, address=address)


def _unreachable(customer: Customer, channel: str, label: str) -> Decision:
    """No usable address on the channel: none given, or the one given no longer works."""
    dead = [i for i in customer.identities.all() if i.undeliverable_at is not None]
    dead = [i for i in dead if (i.kind == Identity.Kind.EMAIL) == (channel == "email")]
    if dead:
        why = dead[0].undeliverable_reason
        return Decision(False, f"{label} address no longer reaches them: {why}", unreachable=True)
    return Decision(False, f"no {label} address on file", unreachable=True)


def _recent_solicitation(customer: Customer, thread: str, now: datetime) -> Message | None:
    """The latest solicitation within the quiet period, counted from the moment each was
    decided, whether delivered yet or not; suppressed and failed messages never reached the
    customer and do not count, nor do those of the same thread (its reminder, say)."""
    recent = Message.objects.filter(
        customer=customer,
        kind=Message.Kind.SOLICITATION,
        status__in=[Message.Status.QUEUED, Message.Status.SENDING, Message.Status.SENT],
        created_at__gte=now - quiet_period(),
        created_at__lte=now,
    )
    if thread:
        recent = recent.exclude(thread=thread)
    return recent.order_by("-created_at").first()
