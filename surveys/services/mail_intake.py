"""Complaints by e-mail: read a maildir or mbox, keep what the customer wrote, store each once.

Quoted replies and forwarded history are cut off (lines starting with ">", and everything after
"On ... wrote:", "-----Original Message-----", "From: ... Sent:" or a forwarded-message banner),
as are signatures after "-- ". The sender's address finds the customer. The Message-ID is the
idempotency key, so reading the same mailbox twice stores nothing twice.
"""

from __future__ import annotations

import hashlib
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_binary_file
from email.message import EmailMessage
from email.policy import default
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from django.utils import timezone
from django.utils.html import strip_tags

from feedback_app.customers.models import Channel
from feedback_app.errors import DomainError
from surveys.services.complaints import complaint_submit

# Where the quoted part of a reply or forward begins.
_CUT = re.compile(
    r"^(?:"
    r"On .{1,300}wrote:\s*$"
    r"|-{2,}\s*Original Message\s*-{2,}"
    r"|-{2,}\s*Forwarded message\s*-{2,}"
    r"|Begin forwarded message:"
    r"|From:\s.*$"
    r"|_{20,}\s*$"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
_SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)
_REFERENCE = re.compile(
    r"\b(?:order|ref(?:erence)?|case)\s*(?:no\.?|number|#|:)?\s*([A-Z0-9][A-Z0-9\-]{2,30})\b",
    re.IGNORECASE,
)
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|wg)\s*:\s*)+", re.IGNORECASE)


@dataclass
class MailResult:
    stored: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True) or b""
        content = payload.decode("utf-8", errors="replace")
    if part.get_content_type() == "text/html":
        content = strip_tags(re.sub(r"(?i)<br\s*/?>|</p>", "\n", content))
    return content


def own_words(body: str) -> str:
    """The part of an e-mail body the sender wrote now, without quotes, forwards or signature."""
    body = body.replace("\r\n", "\n")
    cut = _CUT.search(body)
    if cut and cut.start() > 0:
        body = body[: cut.start()]
    elif cut:  # a message that is only a forward: keep what follows the banner's headers
        body = body[cut.end() :]
    signature = _SIGNATURE.search(body)
    if signature:
        body = body[: signature.start()]
    lines = [line for line in body.split("\n") if not line.lstrip().startswith(">")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _key(message: EmailMessage, body: str) -> str:
    message_id = (message.get("Message-ID") or "").strip()
    if message_id:
        return f"email:{message_id[:280]}"
    digest = hashlib.sha256(
        f"{message.get('From')}|{message.get('Date')}|{message.get('Subject')}|{body}".encode()
    ).hexdigest()
    return f"email:sha256:{digest}"


def message_to_complaint(message: EmailMessage):
    """Store one message as a complaint; returns the intake result. Raises DomainError when the
    message cannot be a complaint (no sender address, nothing written)."""
    senders = getaddresses([str(message.get("Reply-To") or message.get("From") or "")])
    name, address = senders[0] if senders else ("", "")
    if not address:
        raise DomainError("no sender address")
    subject = _SUBJECT_PREFIX.sub("", str(message.get("Subject") or "")).strip()
    body = _body(message)
    text = own_words(body)
    try:
        received = parsedate_to_datetime(str(message.get("Date")))
        if timezone.is_naive(received):
            received = timezone.make_aware(received)
        received = min(received, timezone.now())
    except (TypeError, ValueError, IndexError):
        received = timezone.now()
    found = _REFERENCE.search(f"{subject}\n{text}")
    return complaint_submit(
        text=text,
        subject=subject,
        channel=Channel.EMAIL,
        email=address,
        full_name=name,
        reference=found.group(1) if found else "",
        received_at=received,
        idempotency_key=_key(message, body),
    )


def _parse(file) -> EmailMessage:
    return message_from_binary_file(file, policy=default)


def read_mailbox(path: Path) -> Iterator[tuple[str, EmailMessage]]:
    """(label, message) for every message of a maildir (a folder with cur/ and new/) or mbox."""
    if (path / "cur").is_dir() or (path / "new").is_dir():
        box = mailbox.Maildir(str(path), factory=_parse, create=False)
    else:
        box = mailbox.mbox(str(path), factory=_parse, create=False)
    for key in box.iterkeys():
        yield str(key), box[key]


def intake_mailbox(path: Path) -> MailResult:
    result = MailResult()
    for label, message in read_mailbox(path):
        try:
            intake = message_to_complaint(message)
        except DomainError as exc:
            result.skipped.append(f"{label}: {exc.message}")
            continue
        if intake.created:
            result.stored += 1
        else:
            result.duplicates += 1
    return result
