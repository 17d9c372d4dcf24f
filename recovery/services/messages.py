"""What we write to a customer about their ticket. Every message is a reply to their own case
(it reaches customers who opted out of surveys), belongs to the ticket's conversation (its
thread), and ends with the case's reference and the link to their case page, where they see
where it stands and can answer. What is sent is stored as sent."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse

from feedback_app.core.errors import DomainError
from feedback_app.customers.models import Message
from feedback_app.customers.outbox import PREFERRED, message_send
from feedback_app.customers.services.conversation import Upload, attachments_store
from recovery.models import Ticket

PURPOSE = {
    "apologise": "ticket.apology",
    "reassure": "ticket.reassurance",
    "offer_restitution": "ticket.restitution",
    "reply": "ticket.reply",
    "acknowledge": "ticket.acknowledgement",
}


def case_url(ticket: Ticket) -> str:
    return settings.SITE_URL + reverse("case", args=[ticket.case_token])


def case_footer(ticket: Ticket) -> str:
    return (
        f"\n\n-- \nYour reference: {ticket.case_number}\n"
        f"See where your case stands, or write to us: {case_url(ticket)}\n"
        "You can also simply reply to this e-mail."
    )


def customer_message(
    ticket: Ticket,
    step: str,
    actor,
    subject: str,
    body: str,
    key: str,
    uploads: Iterable[Upload] = (),
    sms_body: str = "",
) -> Message:
    """Send one message about the ticket (once per `key`) on the customer's preferred channel,
    with the case footer and any files the agent attached. By text message it is `sms_body`
    (else `body`) and the case's reference and link."""
    if not (subject or "").strip():
        raise DomainError("The message needs a subject.", field="subject")
    if not (body or "").strip():
        raise DomainError("The message to the customer is empty.", field="body")
    message = message_send(
        customer=ticket.customer,
        kind=Message.Kind.REPLY,
        purpose=PURPOSE[step],
        subject=subject.strip(),
        body_text=body.strip() + case_footer(ticket),
        sms_text=(sms_body or body).strip() + f" Case {ticket.case_number}: {case_url(ticket)}",
        channel=PREFERRED,
        thread=ticket.hold_reference,
        dedupe_key=f"{ticket.hold_reference}:{key}",
        about=ticket,
        actor=actor,
    )
    uploads = list(uploads)
    if uploads and not message.attachments.exists():
        attachments_store(
            customer=ticket.customer, uploads=uploads, message=message, uploaded_by=actor
        )
    return message


def sent_payload(message: Message) -> dict:
    return {
        "message": message.pk,
        "subject": message.subject,
        "body": message.body_text,
        "delivery": message.status,
        "reason": message.reason,
    }
