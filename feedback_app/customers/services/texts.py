"""Text messages both ways: sending a stored text through the gateway, the gateway's delivery
receipts, and what customers text us (STOP and START keywords, or a reply in their
conversation)."""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from feedback_app.core.errors import DomainError
from feedback_app.core.phrases import Phrase
from feedback_app.customers.identities import normalize_phone
from feedback_app.customers.models import ContactChannel, ContactPreference, Identity, Message
from feedback_app.customers.selectors import customer_survivor
from feedback_app.customers.services.conversation import inbound_receive
from feedback_app.customers.services.profile import preference_set
from feedback_app.customers.services.reachability import (
    identity_undeliverable,
    identity_usable_again,
    message_failed,
)
from feedback_app.customers.services.timeline import timeline_record
from feedback_app.customers.sms import GatewayError, gateway, sms_fit

# The opt-out and opt-in words carriers and gateways honour (the whole text, any case), with
# the ones French, German and Spanish speakers send.
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ARRET", "STOPP", "BAJA"}
START_WORDS = {"START", "UNSTOP"}
FAILED_RECEIPTS = {"failed", "undelivered"}


def keyword(body: str) -> str:
    word = re.sub(r"[^\w]", "", (body or "").strip().upper())
    return word.replace("Ê", "E")


def text_send(message: Message) -> str:
    """Hand a claimed text to the gateway; returns why it failed ("" when it went). A refusal
    that says the number cannot take texts marks it undeliverable."""
    sender = gateway()
    if sender is None:
        return "no text message gateway is configured (SMS_BACKEND)"
    try:
        sent = sender.send(to=message.to_address, body=message.body_text, reference=str(message.pk))
    except GatewayError as exc:
        if exc.permanent:
            identity_undeliverable(
                customer=message.customer,
                kind=Identity.Kind.PHONE,
                address=message.to_address,
                reason=str(exc),
            )
        return str(exc)
    Message.objects.filter(pk=message.pk).update(provider_id=sent.provider_id[:64])
    return ""


def text_receipt(
    *, provider_id: str, status: str, error_code: str = "", now=None
) -> Message | None:
    """What the gateway says became of a text: delivered (noted), or failed or undelivered
    (the message failed, and the number is marked undeliverable). Other states are on the way.
    Receipts that come twice or late change nothing more."""
    now = now or timezone.now()
    message = (
        Message.objects.filter(provider_id=provider_id, channel=ContactChannel.SMS)
        .select_related("customer")
        .first()
        if provider_id
        else None
    )
    if message is None:
        return None
    if status == "delivered" and message.delivered_at is None:
        message.delivered_at = now
        message.save(update_fields=["delivered_at"])
    elif status in FAILED_RECEIPTS and message.status != Message.Status.FAILED:
        code = f", code {error_code}" if error_code else ""
        why = f"the network did not deliver it ({status}{code})"
        message_failed(message, reason=why, title=gettext_noop("Text not delivered"), now=now)
        identity_undeliverable(
            customer=message.customer,
            kind=Identity.Kind.PHONE,
            address=message.to_address,
            reason=why,
            now=now,
        )
    return message


def text_incoming(
    *, sender: str, body: str, provider_id: str, received_at: datetime | None = None
) -> str:
    """A text from a customer. STOP (and its kin) stops every text to them, START allows texts
    again; anything else joins the conversation of the last text we sent them. Returns what
    was done, in words (the gateway's log keeps it)."""
    try:
        phone = normalize_phone(sender)
    except DomainError:
        return "not a phone number"
    identity = (
        Identity.objects.filter(kind=Identity.Kind.PHONE, normalized=phone)
        .select_related("customer")
        .first()
    )
    if identity is None:
        return "no customer has this number"
    customer = customer_survivor(identity.customer)
    identity_usable_again(identity)
    word = keyword(body)
    if word in STOP_WORDS or word in START_WORDS:
        allow = word in START_WORDS
        preference_set(
            customer=customer,
            channel=ContactChannel.SMS,
            allow_contact=allow,
            allow_solicitations=allow,
            source=ContactPreference.Source.TEXT_KEYWORD,
        )
        return "texts allowed again" if allow else "texts stopped"
    last = (
        Message.objects.filter(customer=customer, channel=ContactChannel.SMS)
        .exclude(thread="")
        .exclude(status__in=[Message.Status.SUPPRESSED, Message.Status.QUEUED])
        .order_by("-created_at", "-id")
        .first()
    )
    if last is None:
        timeline_record(
            customer=customer,
            kind="message.received",
            title=Phrase(gettext_noop("Texted us outside any conversation")),
            body=body[:2000],
            channel=ContactChannel.SMS,
        )
        return "kept on the timeline (no conversation)"
    inbound_receive(
        customer=customer,
        thread=last.thread,
        channel=ContactChannel.SMS,
        key=f"sms:{provider_id or phone + ':' + body[:50]}",
        body=body,
        sender=phone,
        in_reply_to=last,
        received_at=received_at,
    )
    return "added to the conversation"


LINK = re.compile(r"https?://\S+")


def text_for(body_text: str) -> str:
    """What a message becomes on SMS: its text in at most SMS_MAX_SEGMENTS parts; when it must
    be cut, its last link (the case page, the survey) is kept whole at the end."""
    links = LINK.findall(body_text)
    whole = sms_fit(body_text, settings.SMS_MAX_SEGMENTS)
    if not links or links[-1] in whole:
        return whole
    head, _link, rest = body_text.rpartition(links[-1])
    return sms_fit(f"{head} {rest}", settings.SMS_MAX_SEGMENTS, tail=links[-1])
