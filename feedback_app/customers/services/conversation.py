"""The customer's side of a conversation: what they write back to us, and their files.

A reply finds its conversation by the message it answers: by e-mail through In-Reply-To or
References (our Message-IDs) or the reply address it was sent to (`REPLY_ADDRESS` with the
message's key after a "+"), and on the case page by the thread the page belongs to. Storing it
sends `customer_replied`, so the layer above (recovery) can attach it to its ticket; this layer
knows nothing of tickets. Files are checked by their content, not their name, and stored
through the private "attachments" storage.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.text import Truncator, get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from feedback_app.core.errors import DomainError
from feedback_app.core.phrases import Phrase, Said
from feedback_app.core.signals import customer_replied
from feedback_app.customers.models import Attachment, Customer, IncomingMessage, Message
from feedback_app.customers.selectors import customer_survivor
from feedback_app.customers.services.timeline import timeline_record

_MSGID = re.compile(r"<[^<>\s]{1,250}>")


@dataclass(frozen=True)
class Upload:
    """A file as it arrived (a form's upload, an e-mail's part): name and bytes."""

    name: str
    content: bytes


def uploads_from(files) -> list[Upload]:
    """Uploaded files of a form as Uploads. A file over the size limit is read only as far as
    needed to refuse it."""
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    return [Upload(name=f.name or "file", content=f.read(limit + 1)) for f in files or ()]


def file_kind(content: bytes) -> str | None:
    """The attachment kind the bytes are, by their signature; None for anything else."""
    if content.startswith(b"\xff\xd8\xff"):
        return Attachment.Kind.JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return Attachment.Kind.PNG
    if content.startswith(b"%PDF-"):
        return Attachment.Kind.PDF
    if content[4:8] == b"ftyp" and content[8:12] in (b"heic", b"heix", b"hevc", b"mif1", b"msf1"):
        return Attachment.Kind.HEIC
    return None


def uploads_check(uploads: Iterable[Upload], field: str = "files") -> list[tuple[Upload, str]]:
    """Each upload with its kind, or a DomainError naming the first that is refused (too many,
    too big, or not a photo or PDF whatever its name says). Checked before anything is stored."""
    uploads = [u for u in uploads if u.content or u.name]
    if len(uploads) > settings.ATTACHMENT_MAX_COUNT:
        raise DomainError(
            _("At most %(count)s files at a time, please.")
            % {"count": settings.ATTACHMENT_MAX_COUNT},
            field=field,
        )
    checked = []
    for upload in uploads:
        name = Truncator(upload.name or "file").chars(80)
        if len(upload.content) > settings.ATTACHMENT_MAX_MB * 1024 * 1024:
            raise DomainError(
                _("%(name)s is larger than %(mb)s MB.")
                % {"name": name, "mb": settings.ATTACHMENT_MAX_MB},
                field=field,
            )
        kind = file_kind(upload.content)
        if kind is None:
            raise DomainError(
                _("%(name)s is not a photo (JPEG, PNG, HEIC) or a PDF.") % {"name": name},
                field=field,
            )
        checked.append((upload, kind))
    return checked


def attachments_store(
    *,
    customer: Customer,
    uploads: Iterable[Upload],
    incoming: IncomingMessage | None = None,
    message: Message | None = None,
    about: models.Model | None = None,
    uploaded_by=None,
) -> list[Attachment]:
    """Check and store files for one customer, tied to what they came with."""
    stored = []
    for upload, kind in uploads_check(uploads):
        name = get_valid_filename(upload.name.replace("\x00", "")) if upload.name else "file"
        attachment = Attachment(
            customer=customer,
            name=name[:200] or "file",
            content_type=kind,
            size=len(upload.content),
            sha256=hashlib.sha256(upload.content).hexdigest(),
            incoming=incoming,
            message=message,
            uploaded_by=uploaded_by,
        )
        if about is not None:
            attachment.about_type = ContentType.objects.get_for_model(about)
            attachment.about_id = about.pk
        attachment.file.save(name, ContentFile(upload.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


def reply_key_of(address: str) -> str:
    """The message key in one of our reply addresses ("care+<key>@shop.example"), or ""."""
    if not settings.REPLY_ADDRESS or "@" not in address:
        return ""
    ours_local, ours_domain = settings.REPLY_ADDRESS.lower().rsplit("@", 1)
    local, domain = address.strip().lower().rsplit("@", 1)
    if domain != ours_domain or not local.startswith(f"{ours_local}+"):
        return ""
    return local[len(ours_local) + 1 :][:40]


def reply_match(*, references: Iterable[str], recipients: Iterable[str]) -> Message | None:
    """The message of ours an e-mail answers: by the Message-IDs it refers to (In-Reply-To and
    References, newest first), else by the reply address it was sent to."""
    ids = []
    for header in references:
        ids.extend(_MSGID.findall(header or ""))
    for message_id in reversed(ids):
        found = Message.objects.filter(message_id=message_id).select_related("customer").first()
        if found is not None:
            return found
    for address in recipients:
        key = reply_key_of(address)
        if key:
            found = Message.objects.filter(reply_key=key).select_related("customer").first()
            if found is not None:
                return found
    return None


# Long on purpose: the checks, the one transaction (row, files, timeline, signal) and the retry.
def inbound_receive(
    *,
    customer: Customer,
    thread: str,
    channel: str,
    key: str,
    body: str = "",
    subject: str = "",
    sender: str = "",
    in_reply_to: Message | None = None,
    received_at: datetime | None = None,
    uploads: Iterable[Upload] = (),
) -> tuple[IncomingMessage, bool]:
    """Store what the customer wrote in a conversation, with its files, once per `key`
    (returns it and whether it is new). Sends `customer_replied` inside the transaction; files
    that are refused (`attachments_store` checks them all first) roll all of it back."""
    body = (body or "").replace("\x00", "").strip()
    uploads = list(uploads)
    if not body and not uploads:
        raise DomainError(_("Please write something or add a photo."), field="body")
    if len(body) > IncomingMessage.MAX_BODY:
        raise DomainError(
            _("Please keep it under %(most)s characters.")
            % {"most": number_format(IncomingMessage.MAX_BODY, force_grouping=True)},
            field="body",
        )
    existing = IncomingMessage.objects.filter(key=key[:300]).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    try:
        with transaction.atomic():
            incoming = IncomingMessage.objects.create(
                customer=customer_survivor(customer),
                thread=thread[:100],
                channel=channel,
                subject=" ".join((subject or "").split())[:300],
                body=body,
                sender=(sender or "")[:320],
                in_reply_to=in_reply_to,
                key=key[:300],
                received_at=min(received_at or now, now),
            )
            files = attachments_store(
                customer=incoming.customer, uploads=uploads, incoming=incoming
            )
            timeline_record(
                customer=incoming.customer,
                kind="message.received",
                title=Phrase(
                    gettext_noop("Wrote to us: %(said)s"),
                    said=Truncator(incoming.subject or body).chars(90)
                    or Said(gettext_noop("a photo")),
                ),
                body=Truncator(body).chars(2000),
                channel=channel,
                subject=incoming,
                data={"thread": incoming.thread, "files": len(files)},
                occurred_at=incoming.received_at,
            )
            customer_replied.send(sender=IncomingMessage, incoming=incoming)
    except IntegrityError:
        # The same message stored a moment ago by another worker.
        return IncomingMessage.objects.get(key=key[:300]), False
    return incoming, True
