"""E-mail in: read a maildir, an mbox or an IMAP mailbox, keep what the customer wrote, store
each message once: an answer to one of our messages about their case joins that conversation,
anything else is a complaint. Photos and PDFs attached come along.

Quoted replies and forwarded history are cut off (lines starting with ">", and everything after
"On ... wrote:", "-----Original Message-----", "From: ... Sent:" or a forwarded-message banner),
as are signatures after "-- ". The sender's address finds the customer. The Message-ID is the
idempotency key, so reading the same mailbox twice stores nothing twice.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.html import strip_tags

from feedback_app.core.errors import DomainError
from feedback_app.customers.models import Channel, Message
from feedback_app.customers.services.bounces import bounce_record, is_report
from feedback_app.customers.services.conversation import (
    Upload,
    inbound_receive,
    reply_match,
    uploads_check,
)
from surveys.models import SetAsideMail
from surveys.services.complaints import complaint_submit

logger = logging.getLogger(__name__)

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
    replies: int = 0
    duplicates: int = 0
    bounces: int = 0
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


def _header(message: EmailMessage, name: str) -> str:
    """A header as text, or "" when it is missing or cannot be parsed (`Message-ID: <>` raises
    inside the standard library's parser)."""
    try:
        return _clean(str(message.get(name) or ""))
    except (IndexError, ValueError, TypeError, AttributeError):
        # The header as it stands in the message, unparsed.
        raw = next((v for k, v in message.raw_items() if k.lower() == name.lower()), "")
        return _clean(str(raw))


def _clean(text: str) -> str:
    return text.replace("\x00", "").strip()


def _key(message: EmailMessage, body: str) -> str:
    message_id = _header(message, "Message-ID")
    if message_id.strip("<> "):
        return f"email:{message_id[:280]}"
    digest = hashlib.sha256(
        f"{_header(message, 'From')}|{_header(message, 'Date')}|{_header(message, 'Subject')}|"
        f"{body}".encode(errors="replace")
    ).hexdigest()
    return f"email:sha256:{digest}"


def _received(message: EmailMessage):
    try:
        received = parsedate_to_datetime(_header(message, "Date"))
        if timezone.is_naive(received):
            received = timezone.make_aware(received)
        return min(received, timezone.now())
    except (TypeError, ValueError, IndexError):
        return timezone.now()


def _uploads(message: EmailMessage) -> list[Upload]:
    """The photos and PDFs attached to an e-mail, as many as one message may carry; anything
    else attached (a signature's logo, a calendar file) is left out, as is what is too big."""
    uploads = []
    for part in message.iter_attachments():
        try:
            content = part.get_content()
        except (LookupError, ValueError, AssertionError):
            continue
        if not isinstance(content, bytes):
            continue
        upload = Upload(name=_clean(part.get_filename() or "attachment"), content=content)
        try:
            uploads_check([upload])  # the same rules as every other way in
        except DomainError:
            continue
        uploads.append(upload)
    return uploads[: settings.ATTACHMENT_MAX_COUNT]


@dataclass
class MailIntake:
    """What one e-mail became: a new complaint, or an answer in a conversation of ours."""

    created: bool
    complaint: object = None
    reply: object = None
    # A delivery report (a bounce or a delay), with how many addresses it marked undeliverable.
    report: bool = False
    undeliverable: int = 0


def message_to_intake(message: EmailMessage) -> MailIntake:
    """Store one e-mail. An answer to one of our messages about the customer's own case (found
    by In-Reply-To/References or the reply address) joins that conversation; anything else is a
    complaint. A delivery report about one of ours is a bounce, never a complaint. Raises
    DomainError when it can be neither (no sender, nothing written)."""
    if is_report(message):
        return MailIntake(created=True, report=True, undeliverable=bounce_record(message))
    senders = getaddresses([_header(message, "Reply-To") or _header(message, "From")])
    name, address = senders[0] if senders else ("", "")
    if not address:
        raise DomainError("no sender address")
    subject = _SUBJECT_PREFIX.sub("", _header(message, "Subject")).strip()
    body = _clean(_body(message))
    text = own_words(body)
    received = _received(message)
    uploads = _uploads(message)
    answered = reply_match(
        references=[_header(message, "In-Reply-To"), _header(message, "References")],
        recipients=[
            addr
            for name_ in ("To", "Cc", "Delivered-To", "X-Original-To")
            for _n, addr in getaddresses([_header(message, name_)])
        ],
    )
    if answered is not None and answered.kind == Message.Kind.REPLY:
        reply, created = inbound_receive(
            customer=answered.customer,
            thread=answered.thread,
            channel=Channel.EMAIL,
            key=_key(message, body),
            body=text,
            subject=subject,
            sender=address,
            in_reply_to=answered,
            received_at=received,
            uploads=uploads,
        )
        return MailIntake(created=created, reply=reply)
    found = _REFERENCE.search(f"{subject}\n{text}")
    intake = complaint_submit(
        text=text,
        subject=subject,
        channel=Channel.EMAIL,
        email=address,
        full_name=_clean(name),
        reference=found.group(1) if found else "",
        received_at=received,
        idempotency_key=_key(message, body),
        uploads=uploads,
    )
    return MailIntake(created=intake.created, complaint=intake.complaint)


def read_mailbox(path: Path) -> Iterator[tuple[str, bytes]]:
    """(label, raw message) for every message of a maildir (a folder with cur/ and new/) or
    mbox; parsing is left to the caller, so one unreadable message stops nothing."""
    if (path / "cur").is_dir() or (path / "new").is_dir():
        box = mailbox.Maildir(str(path), factory=None, create=False)
    else:
        box = mailbox.mbox(str(path), factory=None, create=False)
    for key in box.iterkeys():
        yield f"{path.name}/{key}", box.get_bytes(key)


def raw_to_intake(raw: bytes) -> MailIntake:
    """Parse one raw message and store it (see `message_to_intake`)."""
    return message_to_intake(message_from_bytes(raw, policy=default))


def intake_mailbox(path: Path) -> MailResult:
    """Store every message of the mailbox once. A message that cannot be stored, for whatever
    reason, is set aside with the reason (`SetAsideMail`) and the others go on."""
    result = MailResult()
    for label, raw in read_mailbox(path):
        mail_take(label=label, raw=raw, result=result)
    return result


def mail_take(*, label: str, raw: bytes, result: MailResult) -> None:
    """Store one raw message and count it in `result`; one that cannot be stored is set aside
    with the reason. Never raises, so one bad message stops no mailbox."""
    try:
        intake = raw_to_intake(raw)
    except DomainError as exc:
        mail_set_aside(source=label, raw=raw, reason=exc.message)
        result.skipped.append(f"{label}: {exc.message}")
        return
    except Exception as exc:
        logger.exception("E-mail %s could not be stored", label)
        reason = f"could not be read or stored ({exc.__class__.__name__}: {exc})"
        mail_set_aside(source=label, raw=raw, reason=reason)
        result.skipped.append(f"{label}: {reason}")
        return
    if intake.report:
        result.bounces += 1
    elif not intake.created:
        result.duplicates += 1
    elif intake.reply is not None:
        result.replies += 1
    else:
        result.stored += 1


def imap_poll() -> MailResult:
    """Read the unread messages of the IMAP mailbox (IMAP_HOST...; nothing when unset), store
    each (`mail_take`), then mark it read: a message is marked only once it is stored or set
    aside, so a poll that dies half-way reads the rest again next time and the Message-ID keeps
    what was stored from being stored twice."""
    result = MailResult()
    if not settings.IMAP_HOST:
        return result
    connect = imaplib.IMAP4_SSL if settings.IMAP_SSL else imaplib.IMAP4
    with connect(settings.IMAP_HOST, settings.IMAP_PORT, timeout=60) as imap:
        if settings.IMAP_STARTTLS and not settings.IMAP_SSL:
            imap.starttls()
        imap.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
        imap.select(settings.IMAP_FOLDER)
        _typ, found = imap.uid("SEARCH", None, "UNSEEN")
        for uid in (found[0] or b"").split()[: settings.IMAP_BATCH]:
            _typ, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is not None:
                label = f"imap:{settings.IMAP_FOLDER}/{uid.decode()}"
                mail_take(label=label, raw=raw, result=result)
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return result


def poll_mailbox() -> dict[str, int]:
    """The task (scheduled every minute): read the IMAP mailbox when one is configured."""
    result = imap_poll()
    return {"stored": result.stored, "replies": result.replies, "skipped": len(result.skipped)}


def mail_set_aside(*, source: str, raw: bytes, reason: str) -> SetAsideMail:
    """Keep a message the intake could not store; the same message again counts an attempt."""
    digest = hashlib.sha256(raw).hexdigest()
    kept, created = SetAsideMail.objects.get_or_create(
        digest=digest,
        defaults={
            "source": source[:500],
            "raw": raw[: SetAsideMail.MAX_RAW],
            "reason": _clean(reason)[:500],
        },
    )
    if not created:
        kept.attempts += 1
        kept.reason, kept.last_tried_at = _clean(reason)[:500], timezone.now()
        kept.save(update_fields=["attempts", "reason", "last_tried_at"])
    return kept


def mail_retry(*, kept: SetAsideMail) -> bool:
    """Try a set-aside message again (the admin's action); True when it is now stored."""
    try:
        intake = raw_to_intake(bytes(kept.raw))
    except Exception as exc:
        reason = getattr(exc, "message", None) or f"{exc.__class__.__name__}: {exc}"
        kept.attempts += 1
        kept.reason, kept.last_tried_at = _clean(str(reason))[:500], timezone.now()
        kept.save(update_fields=["attempts", "reason", "last_tried_at"])
        return False
    kept.stored_as = intake.complaint
    kept.reason = "stored" if intake.complaint else "stored as a reply in its conversation"
    kept.last_tried_at = timezone.now()
    kept.save(update_fields=["stored_as", "reason", "last_tried_at"])
    return True
