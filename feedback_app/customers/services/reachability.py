"""Whether a message and an address reach the customer: a message that failed (the transport
refused it, a bounce, a text the network did not deliver) is recorded once here, and a bounce or
a text that failed for good marks the identity undeliverable (the contact policy then skips it
and staff see it on the profile); the customer using it again makes it usable again."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_noop

from feedback_app.core.phrases import Phrase, Said
from feedback_app.customers.models import Customer, Identity, Message
from feedback_app.customers.services.timeline import timeline_record


def message_failed(
    message: Message, *, reason: str, title: str, now: datetime | None = None
) -> None:
    """Record that a message did not reach the customer: its status and reason, and the
    timeline entry ("<title>: <subject>"; `title` marked with gettext_noop where written)."""
    message.status, message.reason = Message.Status.FAILED, reason[:500]
    message.save(update_fields=["status", "reason"])
    timeline_record(
        customer=message.customer,
        kind="message.failed",
        title=Phrase(
            gettext_noop("%(what)s: %(subject)s"), what=Said(title), subject=message.subject
        ),
        body=message.reason,
        channel=message.channel,
        subject=message,
        occurred_at=now,
    )


def identity_undeliverable(
    *, customer: Customer, kind: str, address: str, reason: str, now: datetime | None = None
) -> int:
    """Mark the customer's identity with this normalised address undeliverable (once)."""
    now = now or timezone.now()
    marked = Identity.objects.filter(
        customer=customer, kind=kind, normalized=address, undeliverable_at__isnull=True
    ).update(undeliverable_at=now, undeliverable_reason=reason[:300])
    if marked:
        timeline_record(
            customer=customer,
            kind="identity.undeliverable",
            title=Phrase(
                gettext_noop("%(kind)s %(address)s no longer reaches them: %(reason)s"),
                kind=Identity.Kind(kind).label,
                address=address,
                reason=reason[:120],
            ),
            data={"kind": kind, "address": address, "reason": reason[:300]},
            occurred_at=now,
        )
    return marked


def identity_usable_again(identity: Identity, actor=None) -> None:
    """The customer used this address again (wrote from it), or staff confirmed it with them
    (`actor`): it reaches them, and messages go there again."""
    if identity.undeliverable_at is not None:
        Identity.objects.filter(pk=identity.pk).update(
            undeliverable_at=None, undeliverable_reason=""
        )
        identity.undeliverable_at, identity.undeliverable_reason = None, ""
        again = (
            gettext_noop("%(kind)s %(address)s reaches them again (confirmed by staff)")
            if actor is not None
            else gettext_noop("%(kind)s %(address)s reaches them again")
        )
        timeline_record(
            customer=identity.customer,
            kind="identity.usable",
            title=Phrase(
                again, kind=Identity.Kind(identity.kind).label, address=identity.normalized
            ),
            actor=actor,
        )
