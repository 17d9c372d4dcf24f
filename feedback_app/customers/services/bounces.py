"""E-mail bounces: a delivery status notification (RFC 3464, `multipart/report;
report-type=delivery-status`) read by the mail intake says a message could not be delivered. A
permanent failure (Action: failed, Status 5.x.x) fails our message and marks the address
undeliverable; a delay (4.x.x) changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import HeaderParser

from django.utils.translation import gettext_noop

from feedback_app.core.errors import DomainError
from feedback_app.customers.identities import normalize_email
from feedback_app.customers.models import ContactChannel, Identity, Message
from feedback_app.customers.services.reachability import identity_undeliverable, message_failed


@dataclass(frozen=True)
class Bounce:
    address: str
    status: str
    diagnostic: str

    @property
    def reason(self) -> str:
        return (
            f"bounced ({self.status}): {self.diagnostic}"[:300]
            if self.diagnostic
            else (f"bounced ({self.status})")
        )


def is_report(message: EmailMessage) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and message.get_param("report-type", "").lower() == "delivery-status"
    )


def _value(block, name: str) -> str:
    raw = str(block.get(name, "") or "")
    return raw.split(";", 1)[-1].strip() if ";" in raw else raw.strip()


def bounces_in(message: EmailMessage) -> list[Bounce]:
    """The permanent failures a report lists, one per recipient."""
    found = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload():
            action, status = _value(block, "Action").lower(), _value(block, "Status")
            if action != "failed" or not status.startswith("5"):
                continue
            recipient = _value(block, "Final-Recipient") or _value(block, "Original-Recipient")
            try:
                address = normalize_email(recipient)
            except DomainError:
                continue
            found.append(
                Bounce(address, status, " ".join(_value(block, "Diagnostic-Code").split()))
            )
    return found


def _ours(message: EmailMessage) -> Message | None:
    """Our message the report returns, named by its X-Feedback-Message header."""
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            headers = inner[0] if isinstance(inner, list) and inner else None
        elif kind == "text/rfc822-headers":
            headers = HeaderParser().parsestr(part.get_content())
        else:
            continue
        number = str(headers.get("X-Feedback-Message", "") if headers is not None else "")
        if number.strip().isascii() and number.strip().isdigit():
            return Message.objects.filter(pk=int(number), channel=ContactChannel.EMAIL).first()
    return None


def bounce_record(message: EmailMessage) -> int:
    """Record what a delivery report says; returns how many addresses it marked undeliverable.
    Our returned message (when the report names it) is failed with the reason."""
    bounces = bounces_in(message)
    ours = _ours(message)
    marked = 0
    for bounce in bounces:
        returned = ours is not None and ours.to_address == bounce.address
        if returned and ours.status != Message.Status.FAILED:
            message_failed(ours, reason=bounce.reason, title=gettext_noop("E-mail bounced"))
        identities = Identity.objects.filter(
            kind=Identity.Kind.EMAIL, normalized=bounce.address
        ).select_related("customer")
        for identity in identities:
            marked += identity_undeliverable(
                customer=identity.customer,
                kind=Identity.Kind.EMAIL,
                address=bounce.address,
                reason=bounce.reason,
            )
    return marked
