"""The one way a message reaches a customer.

`message_send` asks the contact policy, records the message (sent or suppressed, with the
reason) and its timeline entry, and hands delivery to a background task after commit.
`message_deliver` sends it through Django's e-mail backend exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.background import batch_form, queue_item_task
from feedback_app.core.bulk import insert_rows
from feedback_app.core.errors import DomainError
from feedback_app.core.phrases import Phrase
from feedback_app.customers.models import Channel, ContactChannel, Customer, Message
from feedback_app.customers.policy import Decision, contact_decision
from feedback_app.customers.selectors import customer_survivor
from feedback_app.customers.services.reachability import message_failed
from feedback_app.customers.services.texts import text_for, text_send
from feedback_app.customers.services.timeline import timeline_entry, timeline_record

MAX_SUBJECT = 300


class Deferred(Exception):
    """The policy holds the message back for now and will allow it later (`decision.temporary`);
    raised instead of recording a suppressed message when the caller asked to wait."""

    def __init__(self, decision):
        super().__init__(decision.reason)
        self.reason = decision.reason
        self.retry_at = decision.retry_at


def customer_links(customer: Customer) -> dict[str, str]:
    """Absolute links every message carries: the customer's preferences and unsubscribe pages."""
    return {
        "preferences_url": settings.SITE_URL + reverse("preferences", args=[customer.token]),
        "unsubscribe_url": settings.SITE_URL + reverse("unsubscribe", args=[customer.token]),
    }


@dataclass(frozen=True)
class Outgoing:
    """One message to decide and record: what `message_send` is given (`replies_send` takes
    many)."""

    customer: Customer
    kind: str
    purpose: str
    subject: str
    body_text: str
    dedupe_key: str
    body_html: str = ""
    channel: str = ContactChannel.EMAIL
    sms_text: str = ""
    thread: str = ""
    about: models.Model | None = None
    actor: object = None

    def check(self) -> None:
        if self.kind not in Message.Kind.values:
            raise DomainError(f"Unknown kind of message {self.kind!r}.")
        if not self.subject.strip() or not self.body_text.strip():
            raise DomainError(_("A message needs a subject and a text."), field="body_text")

    def arguments(self) -> dict:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def message_send(*, now: datetime | None = None, wait: bool = False, **given) -> Message:
    """Decide and record one message (`Outgoing`'s fields, by name); deliver it after commit if
    the policy allows.

    `channel` is where it should go first: a channel, or PREFERRED (the customer's own choice);
    when the customer cannot be reached there, it goes on the other (`channel_decide`). By text
    message it is `sms_text` (else `body_text`) cut to fit.

    With `wait`, a refusal that will lift by itself (a hold, the quiet period) raises Deferred
    and records nothing, so the caller can try again later; other refusals are recorded as
    suppressed, as always. A solicitation at night where the customer is (QUIET_HOURS) raises
    Deferred whether or not the caller waits: it goes in the morning, never suppressed.

    Idempotent on `dedupe_key`: a second call returns the first message and sends nothing.
    The customer row is locked so two sends to one person are decided one after the other.
    `now` is the moment of the decision (a sweep deciding for a given time passes it).
    """
    outgoing = Outgoing(**given)
    outgoing.check()
    now = now or timezone.now()
    with transaction.atomic():
        customer = customer_survivor(outgoing.customer, lock=True)
        existing = Message.objects.filter(dedupe_key=outgoing.dedupe_key).first()
        if existing is not None:
            return existing
        decided = channel_decide(customer, outgoing.kind, outgoing.channel, outgoing.thread, now)
        decision = decided[2]
        # Night where the customer is never makes a message suppressed: it waits for morning.
        if not decision.allowed and decision.temporary and (wait or decision.night):
            raise Deferred(decision)
        message = _message(outgoing, customer, decided, now)
        message.save()
        timeline_record(**_recorded(message, decided, now))
        if decision.allowed:
            transaction.on_commit(lambda: queue_item_task(deliver_message, message.pk))
    return message


def replies_send(outgoing: list[Outgoing], now: datetime | None = None) -> list[Message]:
    """`message_send` for many replies at once, in the same order: the customers locked in one
    statement, the earlier messages of the same keys found in one, the new messages and their
    timeline entries written in one each. Replies are never deferred (holds, the quiet period
    and the night are for solicitations), so there is nothing to wait for; each still gets the
    contact policy's own decision and channel."""
    for one in outgoing:
        one.check()
        if one.kind != Message.Kind.REPLY:
            raise DomainError(f"replies_send sends replies, not {one.kind!r}.")
    now = now or timezone.now()
    with transaction.atomic():
        # Locked in one order, so two batches wait for each other rather than deadlock.
        # With what each decision reads (addresses, preferences): two statements, not two each.
        locked = (
            Customer.objects.select_for_update()
            .filter(pk__in={one.customer.pk for one in outgoing})
            .prefetch_related("identities", "preferences")
        )
        customers = {customer.pk: customer for customer in locked.order_by("pk")}
        existing = {
            message.dedupe_key: message
            for message in Message.objects.filter(
                dedupe_key__in=[one.dedupe_key for one in outgoing]
            )
        }
        made, new = [], []
        for one in outgoing:
            customer = customers[one.customer.pk]
            if one.dedupe_key in existing:
                made.append(existing[one.dedupe_key])
            elif customer.merged_into_id:  # rare: the one-at-a-time path follows the merge
                made.append(message_send(now=now, **one.arguments()))
            else:
                decided = channel_decide(customer, one.kind, one.channel, one.thread, now)
                message = _message(one, customer, decided, now)
                existing[one.dedupe_key] = message  # the same key twice: one message
                made.append(message)
                new.append((message, decided))
        Message.objects.bulk_create([message for message, _decided in new])
        insert_rows([timeline_entry(**_recorded(m, decided, now)) for m, decided in new])
        allowed = [message.pk for message, decided in new if decided[2].allowed]

        def deliver_all() -> None:
            for pk in allowed:
                queue_item_task(deliver_message, pk)

        if allowed:
            transaction.on_commit(deliver_all)
    return made


def _message(outgoing: Outgoing, customer: Customer, decided: tuple, now: datetime) -> Message:
    """The message as decided (not yet saved): by text message it is stored as it is sent, cut
    to fit and without HTML."""
    channel, channel_reason, decision = decided
    body_text, body_html = outgoing.body_text, outgoing.body_html
    if channel == ContactChannel.SMS:
        body_text, body_html = text_for(outgoing.sms_text or body_text), ""
    message = Message(
        customer=customer,
        kind=outgoing.kind,
        purpose=outgoing.purpose,
        channel=channel,
        to_address=decision.address,
        subject=" ".join(outgoing.subject.split())[:MAX_SUBJECT],
        body_text=body_text,
        body_html=body_html,
        status=Message.Status.QUEUED if decision.allowed else Message.Status.SUPPRESSED,
        reason=decision.reason,
        channel_reason=channel_reason[:300],
        thread=outgoing.thread,
        dedupe_key=outgoing.dedupe_key,
        actor=outgoing.actor,
        created_at=now,
        message_id=message_id_for(outgoing.thread),
    )
    if outgoing.about is not None:
        message.about_type = ContentType.objects.get_for_model(outgoing.about)
        message.about_id = outgoing.about.pk
    return message


def _recorded(message: Message, decided: tuple, now: datetime) -> dict:
    """The message's timeline entry; one that could not go the first way says why."""
    channel, channel_reason, decision = decided
    return {
        "customer": message.customer,
        "kind": "message.queued" if decision.allowed else "message.suppressed",
        "title": _queued_title(decision, channel, channel_reason, message.subject),
        "body": message.body_text if decision.allowed else "",
        "channel": channel if channel in Channel.values else "",
        "actor": message.actor,
        "subject": message,
        "data": {
            "purpose": message.purpose,
            "message": message.pk,
            "channel_reason": channel_reason,
        },
        "occurred_at": now,
    }


PREFERRED = "preferred"
# The channels a written message can take, in the order tried after the first choice.
WRITTEN = (ContactChannel.EMAIL, ContactChannel.SMS)


def channel_decide(
    customer: Customer, kind: str, first: str, thread: str, now: datetime
) -> tuple[str, str, Decision]:
    """The channel a message takes, why, and the contact policy's decision there. The first
    choice (PREFERRED: the customer's own) unless it cannot reach them (no address, an address
    that bounced, contact refused there); then the other written channel if that one can.
    Consent to surveys and notices is not a reason to switch: a customer who opted out by
    e-mail is not texted instead."""
    wanted = customer.preferred_channel if first == PREFERRED else first
    if wanted not in WRITTEN:  # a phone call is not a message we send
        wanted = ContactChannel.EMAIL
    because = "their preferred channel" if first == PREFERRED else ""

    def decide(channel: str) -> Decision:
        return contact_decision(
            customer=customer, kind=kind, channel=channel, thread=thread, now=now
        )

    decision = decide(wanted)
    if decision.allowed or not decision.unreachable:
        return wanted, because, decision
    for other in WRITTEN:
        if other != wanted and not (there := decide(other)).unreachable:
            label = ContactChannel(wanted).label.lower()
            return other, f"not by {label}: {decision.reason}", there
    return wanted, because, decision


def reply_address(message: Message) -> str:
    """Where an answer to this message goes: REPLY_ADDRESS with the message's key, or ""."""
    if not settings.REPLY_ADDRESS:
        return ""
    local, domain = settings.REPLY_ADDRESS.rsplit("@", 1)
    return f"{local}+{message.reply_key}@{domain}"


def _email(message: Message) -> EmailMultiAlternatives:
    headers = {"X-Feedback-Message": str(message.pk)}
    if message.message_id:
        headers["Message-ID"] = message.message_id
    if message.kind == Message.Kind.SOLICITATION:
        # RFC 8058 one-click unsubscribe: mail programs POST to this address.
        headers["List-Unsubscribe"] = f"<{customer_links(message.customer)['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        headers=headers,
        reply_to=[reply_address(message)] if settings.REPLY_ADDRESS else None,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as stored:
            email.attach(attachment.name, stored.read(), attachment.content_type)
    return email


def message_id_for(thread: str) -> str:
    """A new Message-ID in our own domain (the reply address's, else the sender's)."""
    domain = (settings.REPLY_ADDRESS or settings.DEFAULT_FROM_EMAIL).rsplit("@", 1)[-1]
    return make_msgid(idstring=thread.replace(":", ".")[:40] or None, domain=domain.strip("<> "))


def message_deliver(*, message_id: int) -> Message:
    """Send a queued message once. Safe to call again: only a queued message is sent.

    The message is claimed (queued → sending) in a short transaction before the slow network
    call, so a retried or duplicated task finds it claimed and does nothing. A worker that dies
    mid-send leaves it in "sending": unknown, but never sent twice.
    """
    delivered = messages_deliver([message_id])
    if not delivered:
        raise Message.DoesNotExist(f"No message #{message_id}.")
    return delivered[0]


def messages_deliver(message_ids: list[int]) -> list[Message]:
    """message_deliver for many, each as it is now, in the order given (ids of no message
    left out): those still queued claimed in one short transaction, sent one by one, and those
    that went marked sent in one statement (each failure recorded on its own)."""
    with transaction.atomic():
        claimed = set(
            Message.objects.select_for_update()
            .filter(pk__in=message_ids, status=Message.Status.QUEUED)
            .values_list("pk", flat=True)
        )
        Message.objects.filter(pk__in=claimed).update(
            status=Message.Status.SENDING, attempts=models.F("attempts") + 1
        )
    messages = {
        message.pk: message
        for message in Message.objects.select_related("customer")
        .prefetch_related("attachments")
        .filter(pk__in=message_ids)
    }
    sent = []
    for pk in sorted(claimed):
        message = messages[pk]
        failure = _send(message)
        if failure:
            message_failed(message, reason=failure, title=gettext_noop("Delivery failed"))
        else:
            sent.append(message)
    now = timezone.now()
    Message.objects.filter(pk__in=[message.pk for message in sent]).update(
        status=Message.Status.SENT, sent_at=now
    )
    for message in sent:
        message.status, message.sent_at = Message.Status.SENT, now
    return [messages[pk] for pk in message_ids if pk in messages]


def _send(message: Message) -> str:
    """Hand a claimed message to its channel's transport; why it failed, or "" when it went."""
    if message.channel == ContactChannel.EMAIL:
        try:
            _email(message).send(fail_silently=False)
        except Exception as exc:  # any transport error: recorded for staff, never raised
            return f"{type(exc).__name__}: {exc}"
        return ""
    if message.channel == ContactChannel.SMS:
        return text_send(message)
    return f"no gateway for {message.get_channel_display()} is configured"


def deliver_messages(message_ids: list[int]) -> int:
    """The batch form of deliver_message (a batch of replies, one background task)."""
    return len(messages_deliver(message_ids))


@batch_form(deliver_messages)
def deliver_message(message_id: int) -> str:
    """The task (queued by function object after commit): deliver one stored message."""
    return message_deliver(message_id=message_id).status


def _queued_title(decision, channel: str, channel_reason: str, subject: str) -> Phrase:
    """The timeline's line for a message queued (by which channel, and why when it could not
    go the first way) or refused (and why)."""
    if not decision.allowed:
        return Phrase(
            gettext_noop("Not sent (%(reason)s): %(subject)s"),
            reason=decision.reason,
            subject=subject,
        )
    if channel_reason.startswith("not by"):
        return Phrase(
            gettext_noop("%(channel)s (%(why)s): %(subject)s"),
            channel=ContactChannel(channel).label,
            why=channel_reason,
            subject=subject,
        )
    return Phrase(
        gettext_noop("%(channel)s: %(subject)s"),
        channel=ContactChannel(channel).label,
        subject=subject,
    )
