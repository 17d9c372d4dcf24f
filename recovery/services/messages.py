"""What we write to a customer about their ticket. Every message is a reply to their own case
(it reaches customers who opted out of surveys), belongs to the ticket's conversation (its
thread), and ends with the case's reference and the link to their case page, where they see
where it stands and can answer. What is sent is stored as sent."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from feedback_app.core.errors import DomainError
from feedback_app.customers.languages import in_language_of
from feedback_app.customers.models import Message
from feedback_app.customers.outbox import PREFERRED, Outgoing, message_send
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
    """The e-mail's last lines, in the customer's language."""
    with in_language_of(ticket.customer):
        lines = [
            _("Your reference: %(number)s") % {"number": ticket.case_number},
            _("See where your case stands, or write to us: %(url)s") % {"url": case_url(ticket)},
            _("You can also simply reply to this e-mail."),
        ]
    return "\n\n-- \n" + "\n".join(lines)


def case_line(ticket: Ticket) -> str:
    """A text message's last words: the case's reference and link, in the customer's
    language."""
    with in_language_of(ticket.customer):
        return _("Case %(number)s: %(url)s") % {
            "number": ticket.case_number,
            "url": case_url(ticket),
        }


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
    outgoing = ticket_outgoing(ticket, step, actor, subject, body, key, sms_body=sms_body)
    message = message_send(**outgoing.arguments())
    uploads = list(uploads)
    if uploads and not message.attachments.exists():
        attachments_store(
            customer=ticket.customer, uploads=uploads, message=message, uploaded_by=actor
        )
    return message


def ticket_outgoing(
    ticket: Ticket, step: str, actor, subject: str, body: str, key: str, sms_body: str = ""
) -> Outgoing:
    """A message about the ticket as `customer_message` sends it (for `replies_send`, which
    sends many)."""
    return worded_outgoing(ticket, step, actor, key, ticket_words(ticket, subject, body, sms_body))


def ticket_words(ticket: Ticket, subject: str, body: str, sms_body: str = "") -> tuple:
    """A message's subject, e-mail text (with the case footer) and text message (with the case
    line), as `ticket_outgoing` sends them. None of it names the ticket's id, so the words of a
    ticket not yet written can be made ahead (`worded_outgoing` then takes them)."""
    if not (subject or "").strip():
        raise DomainError(_("The message needs a subject."), field="subject")
    if not (body or "").strip():
        raise DomainError(_("The message to the customer is empty."), field="body")
    return (
        subject.strip(),
        body.strip() + case_footer(ticket),
        f"{(sms_body or body).strip()} {case_line(ticket)}",
    )


def worded_outgoing(ticket: Ticket, step: str, actor, key: str, words: tuple) -> Outgoing:
    """The message about the (written) ticket with words made by `ticket_words`."""
    subject, body_text, sms_text = words
    return Outgoing(
        customer=ticket.customer,
        kind=Message.Kind.REPLY,
        purpose=PURPOSE[step],
        subject=subject,
        body_text=body_text,
        sms_text=sms_text,
        channel=PREFERRED,
        thread=ticket.hold_reference,
        dedupe_key=f"{ticket.hold_reference}:{key}",
        about=ticket,
        actor=actor,
    )


def sent_payload(message: Message) -> dict:
    return {
        "message": message.pk,
        "subject": message.subject,
        "body": message.body_text,
        "delivery": message.status,
        "reason": message.reason,
    }
